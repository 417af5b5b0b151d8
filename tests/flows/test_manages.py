"""What a step says it owns (Step.manages): the journal records it after apply, teardown
asks it with nothing observed (everything the step would create)."""

from __future__ import annotations

from armstui.flows.ack import OnepilotRunning, ReporterKey
from armstui.flows.facts import AccessKeys, Addon, Existence, PoliciesMissing
from armstui.flows.ram_steps import AttachedPolicies
from armstui.flows.role import RoleTrusted
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation

SETUP = Setup("ack", "monitoring", ("source",))
POLICIES = [("System", "AliyunARMSFullAccess"), ("System", "AliyunSTSAssumeRoleAccess")]


def test_policies_what_was_missing_or_all_of_them() -> None:
    step = AttachedPolicies("ack", "monitoring", "user", "reporter", POLICIES, ())
    assert step.manages(None) == [
        Managed("user-policy", "reporter:System:AliyunARMSFullAccess"),
        Managed("user-policy", "reporter:System:AliyunSTSAssumeRoleAccess"),
    ]
    one_missing = Observation(False, "", fact=PoliciesMissing((POLICIES[1],)))
    assert step.manages(one_missing) == [
        Managed("user-policy", "reporter:System:AliyunSTSAssumeRoleAccess")
    ]


def test_an_addon_or_a_role_already_there_is_not_created() -> None:
    addon = OnepilotRunning(SETUP, "source", "c-1", "prod")
    assert addon.manages(None) == [Managed("onepilot-addon", "c-1")]
    assert addon.manages(Observation(False, "", fact=Addon("upgrade", "3.0.1"))) == []
    role = RoleTrusted(Setup("role", "monitoring", ("source",)), {"source": "1"})
    assert role.manages(None) == [Managed("ram-role", "arms-admin")]
    assert role.manages(Observation(False, "", fact=Existence(True))) == []


def test_a_key_is_named_only_once_the_cloud_chose_its_id() -> None:
    key = ReporterKey(SETUP, "100", ())
    created = Observation(True, "", fact=AccessKeys(key_id="LTAI-new"))
    assert key.manages(Observation(False, "")) == []
    assert key.manages(Observation(False, ""), created) == [
        Managed("access-key", "armstui-reporter:LTAI-new")
    ]
    reactivated = Observation(False, "", fact=AccessKeys(activate="LTAI-new"))
    assert key.manages(reactivated, created) == []
