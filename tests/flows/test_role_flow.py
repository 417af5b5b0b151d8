"""The role flow end to end on the sandbox, then checked independently through the SDKs."""

from __future__ import annotations

import json

from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.role import password_vault_name
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.flows.conftest import mutating_calls
from tests.support.sandbox import RunningSandbox

SETUP = Setup("role", "monitoring", ("source",))


def test_role_flow_sets_up_the_switch_and_proves_it(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    result = workspace.run_sync(SETUP, "apply")
    assert result.exit_code == 0, [(s.title, s.outcome, s.detail) for s in result.states]
    check = result.by_id("role/source/switch-check")
    assert check.outcome is Outcome.OK
    assert f"acs:ram::{sandbox.uid('monitoring')}:assumed-role/arms-admin/" in check.detail

    a, b = sandbox.client("ram", "monitoring"), sandbox.client("ram", "source")
    role = a.get_role(ram_models.GetRoleRequest(role_name="arms-admin")).body.role
    trust = json.loads(role.assume_role_policy_document)
    assert trust["Statement"][0]["Principal"]["RAM"] == [f"acs:ram::{sandbox.uid('source')}:root"]
    role_policies = a.list_policies_for_role(
        ram_models.ListPoliciesForRoleRequest(role_name="arms-admin")
    ).body
    assert [p.policy_name for p in role_policies.policies.policy] == ["AliyunARMSFullAccess"]
    user_policies = b.list_policies_for_user(
        ram_models.ListPoliciesForUserRequest(user_name="arms-operator")
    ).body
    assert [p.policy_name for p in user_policies.policies.policy] == ["AliyunSTSAssumeRoleAccess"]
    assert b.get_login_profile(
        ram_models.GetLoginProfileRequest(user_name="arms-operator")
    ).body.login_profile
    assert workspace.vault.read(password_vault_name(sandbox.uid("source"), "arms-operator"))
    # The short-lived key used for the proof is gone.
    keys = b.list_access_keys(ram_models.ListAccessKeysRequest(user_name="arms-operator")).body
    assert keys.access_keys.access_key == []


def test_a_second_apply_changes_nothing(workspace: Workspace) -> None:
    workspace.run_sync(SETUP, "apply")
    before = len(mutating_calls(workspace))
    again = workspace.run_sync(SETUP, "apply")
    assert again.exit_code == 0
    new = mutating_calls(workspace)[before:]
    # Only the switch proof's own short-lived key comes and goes; nothing of the setup changes.
    assert sorted(new) == ["ram.CreateAccessKey", "ram.DeleteAccessKey"]
    assert {s.outcome for s in again.states if s.step_id != "role/source/switch-check"} == {
        Outcome.ALREADY
    }


def test_verify_names_a_detached_policy_and_exits_3(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    workspace.run_sync(SETUP, "apply")
    sandbox.client("ram", "monitoring").detach_policy_from_role(
        ram_models.DetachPolicyFromRoleRequest(
            policy_type="System", policy_name="AliyunARMSFullAccess", role_name="arms-admin"
        )
    )
    result = workspace.run_sync(SETUP, "verify")
    assert result.exit_code == 3
    drifted = [s for s in result.states if s.outcome is Outcome.DRIFT]
    assert [s.step_id for s in drifted] == ["role/monitoring/role/arms-admin/policies"]
    assert "AliyunARMSFullAccess" in drifted[0].detail


def test_an_outsider_is_not_trusted(workspace: Workspace, sandbox: RunningSandbox) -> None:
    workspace.run_sync(SETUP, "apply")
    import asyncio

    from armstui.cloud.errors import CloudError

    arn = f"acs:ram::{sandbox.uid('monitoring')}:role/arms-admin"

    async def try_switch() -> CloudError | None:
        try:
            await workspace.switch("outsider", arn)
        except CloudError as exc:
            return exc
        return None

    err = asyncio.run(try_switch())
    assert err is not None and err.code == "NoPermission"


def test_a_kept_check_key_has_its_secret_in_the_vault_is_reused_and_torn_down(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    from dataclasses import replace

    from armstui.flows.role import operator_key_vault_name

    keep = replace(SETUP, keep_check_key=True)
    b = sandbox.client("ram", "source")

    def keys() -> list[str]:
        body = b.list_access_keys(ram_models.ListAccessKeysRequest(user_name="arms-operator")).body
        return [k.access_key_id for k in body.access_keys.access_key]

    for mode in ("apply", "verify", "verify"):  # one key, never a third (RAM allows two)
        assert workspace.run_sync(keep, mode).exit_code == 0
    (kept,) = keys()
    secret = workspace.vault.read(
        operator_key_vault_name(sandbox.uid("source"), "arms-operator", kept)
    )
    assert secret == next(
        k["AccessKeySecret"]
        for k in sandbox.state.store.list("ram.accesskey")
        if k["AccessKeyId"] == kept
    )
    assert kept in workspace.run_sync(keep, "verify").by_id("role/source/switch-check").detail

    assert workspace.run_sync(keep, "apply", action="teardown").exit_code == 0
    users = b.list_users(ram_models.ListUsersRequest()).body.users.user
    assert "arms-operator" not in {u.user_name for u in users}
    assert (
        workspace.vault.read(operator_key_vault_name(sandbox.uid("source"), "arms-operator", kept))
        is None
    )
