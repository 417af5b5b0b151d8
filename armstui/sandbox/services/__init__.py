"""One package per emulated service: ``model.py`` (state and rules, no HTTP) and
``handlers.py`` (request parameters in, the real response shape out), as moto does it."""

from armstui.sandbox.services.ram.handlers import api as ram_api
from armstui.sandbox.services.sts.handlers import api as sts_api

ALL_SERVICES = [ram_api, sts_api]
