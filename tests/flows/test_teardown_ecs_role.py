"""Teardown of the ECS and role setups: the agent comes off every instance it went on, and a
role teardown removes only the role it names."""

from __future__ import annotations

from dataclasses import replace

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox


def _reachable(sandbox: RunningSandbox) -> list[str]:
    ecs = sandbox.client("ecs", "source")
    instances = ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou")
    ).body.instances.instance
    status = ecs.describe_cloud_assistant_status(
        ecs_models.DescribeCloudAssistantStatusRequest(
            region_id="cn-hangzhou", instance_id=[i.instance_id for i in instances]
        )
    ).body.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    return sorted(s.instance_id for s in status if s.cloud_assistant_status == "true")


def _agents(sandbox: RunningSandbox, ids: list[str]) -> dict[str, bool]:
    """Per instance, whether its application's JVM runs with the ARMS agent now."""
    found = {}
    for instance in sandbox.state.store.list("ecs.instance"):
        if instance["InstanceId"] in ids:
            found[instance["InstanceId"]] = any(a["agent"] for a in instance["java_apps"])
    return found


def test_ecs_teardown_takes_the_agent_off_every_instance(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    ids = _reachable(sandbox)
    setup = Setup("ecs", "monitoring", ("source",), instances=tuple(ids))
    assert workspace.run_sync(setup, "apply").exit_code == 0
    assert _agents(sandbox, ids) == dict.fromkeys(ids, True)
    result = workspace.run_sync(setup, "apply", action="teardown")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert _agents(sandbox, ids) == dict.fromkeys(ids, False)
    removals = [
        i["CommandContent"]
        for i in sandbox.state.store.list("ecs.invocation")
        if "rm -f" in i["CommandContent"]
    ]
    assert len(removals) == 3 and all("/etc/armstui/" in r for r in removals)
    # Data sent before the teardown stays in the proof's window for 5 minutes: a re-apply
    # within them would see it and rightly call the app reporting. Six minutes later it is gone.
    sandbox.state.clock.advance(6 * 60)
    again = workspace.run_sync(setup, "apply")  # and back
    assert again.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in again.states]
    assert _agents(sandbox, ids) == dict.fromkeys(ids, True)


def _roles(sandbox: RunningSandbox) -> set[str]:
    ram = sandbox.client("ram", "monitoring")
    return {r.role_name for r in ram.list_roles(ram_models.ListRolesRequest()).body.roles.role}


def _operator(sandbox: RunningSandbox) -> bool:
    ram = sandbox.client("ram", "source")
    users = ram.list_users(ram_models.ListUsersRequest()).body.users.user or []
    return any(u.user_name == "arms-operator" for u in users)


def test_teardown_with_a_role_name_deletes_only_that_role(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    first = Setup("role", "monitoring", ("source",), role_policy="custom")
    second = replace(first, role_name="arms-second")
    assert first.key == second.key  # one journal entry for both: the names must tell them apart
    for setup in (first, second):
        result = workspace.run_sync(setup, "apply")
        assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert {"arms-admin", "arms-second"} <= _roles(sandbox)
    result = workspace.run_sync(second, "apply", action="teardown")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert "arms-second" not in _roles(sandbox) and "arms-admin" in _roles(sandbox)
    assert not any("arms-admin" in s.title for s in result.states)
    # What both roles use stays, and says why; the first role still works.
    assert _operator(sandbox)
    kept = [s for s in result.states if s.outcome is Outcome.SKIPPED]
    assert kept and all("role arms-admin of this setup still uses it" in s.detail for s in kept)
    assert workspace.run_sync(first, "verify").exit_code == 0
    # The last role's teardown takes the rest.
    assert workspace.run_sync(first, "apply", action="teardown").exit_code == 0
    assert not {"arms-admin", "arms-second"} & _roles(sandbox) and not _operator(sandbox)
