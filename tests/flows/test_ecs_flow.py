"""The ECS flow end to end on the sandbox, then checked independently through the SDKs."""

from __future__ import annotations

from alibabacloud_arms20190808 import models as arms_models
from alibabacloud_ecs20140526 import models as ecs_models

from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.flows.conftest import mutating_calls
from tests.support.sandbox import RunningSandbox


def _apps_in_a(sandbox: RunningSandbox) -> set[str]:
    arms = sandbox.client("arms", "monitoring")
    return {
        a.app_name
        for a in arms.list_trace_apps(
            arms_models.ListTraceAppsRequest(region_id="cn-hangzhou")
        ).body.trace_apps
    }


def _instances(sandbox: RunningSandbox) -> list:
    ecs = sandbox.client("ecs", "source")
    return ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou")
    ).body.instances.instance


def test_ecs_flow_installs_the_agent_and_proves_reporting(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    instances = _instances(sandbox)
    assert len(instances) == 3 and _apps_in_a(sandbox) == set()
    result = workspace.run_sync(Setup("ecs", "monitoring", ("source",)), "apply")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    expected = {t.tag_value for i in instances for t in i.tags.tag if t.tag_key == "app"}
    assert _apps_in_a(sandbox) == expected
    runs = [c for c in mutating_calls(workspace) if c == "ecs.RunCommand"]
    assert len(runs) == 3

    again = workspace.run_sync(Setup("ecs", "monitoring", ("source",)), "apply")
    assert again.exit_code == 0
    assert [
        c for c in mutating_calls(workspace) if c == "ecs.RunCommand"
    ] == runs  # nothing ran twice


def test_without_cloud_assistant_the_operator_gets_the_commands(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    setup = Setup("ecs", "monitoring", ("source",), install_agent=False)
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 3
    manual = [s for s in result.states if s.outcome is Outcome.NEEDS_YOU]
    assert len(manual) == 3
    license_key = sandbox.state.store.list("arms.license")[0]["LicenseKey"]
    for state in manual:
        assert (
            "AliyunJavaAgent.zip" in state.needs_you
            and "-Darms.licenseKey=$ARMS_LICENSE_KEY" in state.needs_you
        )
        assert license_key not in state.needs_you
    assert "ecs.RunCommand" not in mutating_calls(workspace)
    assert _apps_in_a(sandbox) == set()


def test_only_the_chosen_instances(workspace: Workspace, sandbox: RunningSandbox) -> None:
    first = _instances(sandbox)[0]
    result = workspace.run_sync(
        Setup("ecs", "monitoring", ("source",), instances=(first.instance_id,)), "apply"
    )
    assert result.exit_code == 0
    assert len([s for s in result.states if s.step_id.endswith("/agent")]) == 1
    assert len(_apps_in_a(sandbox)) == 1
