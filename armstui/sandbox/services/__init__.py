"""One package per emulated service: ``model.py`` (state and rules, no HTTP) and
``handlers.py`` (request parameters in, the real response shape out), as moto does it."""

from armstui.sandbox.services.arms.handlers import api as arms_api
from armstui.sandbox.services.arms.observe import observed
from armstui.sandbox.services.cs.handlers import api as cs_api
from armstui.sandbox.services.ecs.handlers import api as ecs_api
from armstui.sandbox.services.ram.handlers import api as ram_api
from armstui.sandbox.services.resourcemanager.handlers import api as resourcemanager_api
from armstui.sandbox.services.sts.handlers import api as sts_api

ALL_SERVICES = observed([ram_api, sts_api, arms_api, cs_api, ecs_api, resourcemanager_api])
