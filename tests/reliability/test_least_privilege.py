"""The generated policy works for what it is meant for and nothing more; trust names B only."""

from __future__ import annotations

import pytest
from alibabacloud_arms20190808 import models as arms_models
from alibabacloud_ram20150501 import models as ram_models
from Tea.exceptions import TeaException

from armstui.flows.setup import Setup
from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox


def test_the_read_only_policy_lists_apps_and_cannot_change_ram(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    setup = Setup("ack", "monitoring", ("source",), access="dedicated-custom")
    assert workspace.run_sync(setup, "apply").exit_code == 0
    root = sandbox.client("ram", "monitoring")
    key = root.create_access_key(
        ram_models.CreateAccessKeyRequest(user_name=setup.people_user)
    ).body.access_key
    people_arms = sandbox.client(
        "arms", access_key_id=key.access_key_id, access_key_secret=key.access_key_secret
    )
    apps = people_arms.list_trace_apps(
        arms_models.ListTraceAppsRequest(region_id="cn-hangzhou")
    ).body.trace_apps
    assert len(apps) == 5  # the labelled workloads of both clusters
    people_ram = sandbox.client(
        "ram", access_key_id=key.access_key_id, access_key_secret=key.access_key_secret
    )
    with pytest.raises(TeaException) as refused:
        people_ram.create_user(ram_models.CreateUserRequest(user_name="sneaky"))
    assert refused.value.code == "NoPermission"
    with pytest.raises(TeaException):
        people_ram.attach_policy_to_user(
            ram_models.AttachPolicyToUserRequest(
                policy_type="System", policy_name="AdministratorAccess", user_name=setup.people_user
            )
        )
    # and a read-only ARMS user cannot be used to report: its key in onepilot would not report
    policies = root.list_policies_for_user(
        ram_models.ListPoliciesForUserRequest(user_name=setup.people_user)
    ).body
    assert [(p.policy_type, p.policy_name) for p in policies.policies.policy] == [
        ("Custom", setup.custom_policy)
    ]


def test_the_role_trusts_b_only_and_an_outsider_is_refused(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    import asyncio

    from armstui.cloud.errors import CloudError
    from armstui.cloud.session import CloudSession
    from armstui.identity import switch_role
    from armstui.model import Credentials

    setup = Setup("role", "monitoring", ("source",), role_policy="custom")
    assert workspace.run_sync(setup, "apply").exit_code == 0
    arn = f"acs:ram::{sandbox.uid('monitoring')}:role/arms-admin"

    def as_admin(alias: str) -> CloudSession:
        """The account's seeded RAM user ``admin``: STS refuses AssumeRole with a root key."""
        user = sandbox.accounts[alias]["users"]["admin"]
        return CloudSession(
            alias,
            sandbox.uid(alias),
            sandbox.state.region,
            Credentials(user["access_key_id"], user["access_key_secret"]),
            endpoint=sandbox.endpoint,
        )

    identity, apps = asyncio.run(switch_role(as_admin("source"), arn))
    assert identity.identity_type == "AssumedRoleUser" and identity.account_id == sandbox.uid(
        "monitoring"
    )
    with pytest.raises(CloudError) as refused:
        asyncio.run(switch_role(as_admin("outsider"), arn))
    assert refused.value.code == "NoPermission"
    assert "trust policy" in str(refused.value)
