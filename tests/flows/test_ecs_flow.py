"""The ECS flow end to end on the sandbox, then checked independently through the SDKs."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models as ecs_models

from armstui.flows.ecs_scripts import uninstall_script
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.flows.conftest import mutating_calls
from tests.support.sandbox import RunningSandbox, apps_in_a


def _instances(sandbox: RunningSandbox) -> list:
    ecs = sandbox.client("ecs", "source")
    return ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou")
    ).body.instances.instance


def _with_assistant(sandbox: RunningSandbox) -> tuple[list, list]:
    """B's instances with a running Cloud Assistant client, and those without."""
    ecs = sandbox.client("ecs", "source")
    instances = _instances(sandbox)
    status = ecs.describe_cloud_assistant_status(
        ecs_models.DescribeCloudAssistantStatusRequest(
            region_id="cn-hangzhou", instance_id=[i.instance_id for i in instances]
        )
    ).body.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    running = {s.instance_id for s in status if s.cloud_assistant_status == "true"}
    return (
        [i for i in instances if i.instance_id in running],
        [i for i in instances if i.instance_id not in running],
    )


def test_ecs_flow_installs_the_agent_and_proves_data(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    reachable, unreachable = _with_assistant(sandbox)
    assert len(reachable) == 3 and len(unreachable) == 1 and apps_in_a(sandbox) == set()
    setup = Setup("ecs", "monitoring", ("source",))
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 3, [(s.title, s.outcome.value, s.detail) for s in result.states]
    agents = {s.step_id.split("/")[2]: s for s in result.states if s.step_id.endswith("/agent")}
    for instance in reachable:
        assert agents[instance.instance_id].outcome is Outcome.OK
        assert "span(s) in the last 5 min" in agents[instance.instance_id].detail
    # The instance without Cloud Assistant gets the command that installs it, not a failed run.
    lost = agents[unreachable[0].instance_id]
    assert lost.outcome is Outcome.NEEDS_YOU
    assert "Cloud Assistant is not running" in lost.needs_you
    assert "aliyun_assist_latest.rpm" in lost.needs_you
    expected = {t.tag_value for i in reachable for t in i.tags.tag if t.tag_key == "app"}
    assert apps_in_a(sandbox) == expected
    runs = [c for c in mutating_calls(workspace) if c == "ecs.RunCommand"]
    assert len(runs) == 3

    again = workspace.run_sync(setup, "apply")
    assert again.exit_code == 3
    assert [c for c in mutating_calls(workspace) if c == "ecs.RunCommand"] == runs


def test_the_download_is_https_from_a_and_internal_with_vpc(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    first = _with_assistant(sandbox)[0][0]
    setup = Setup("ecs", "monitoring", ("source",), instances=(first.instance_id,), vpc=True)
    assert workspace.run_sync(setup, "apply").exit_code == 0
    scripts = [i["CommandContent"] for i in sandbox.state.store.list("ecs.invocation")]
    assert len(scripts) == 1
    url = "https://arms-apm-cn-hangzhou.oss-cn-hangzhou-internal.aliyuncs.com/AliyunJavaAgent.zip"
    assert url in scripts[0]
    # The key goes only into the agent's own settings (made 0600 first), never into the
    # environment the JVM echoes nor the unit's drop-in.
    license_key = sandbox.state.store.list("arms.license")[0]["LicenseKey"]
    with_key = [line for line in scripts[0].splitlines() if license_key in line]
    assert len(with_key) == 1 and with_key[0].endswith("/AliyunJavaAgent/arms-agent.config")


def test_without_install_the_operator_gets_working_commands(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    setup = Setup("ecs", "monitoring", ("source",), install_agent=False)
    plan = workspace.run_sync(setup, "plan")
    assert not any("RunCommand" in call for s in plan.states for call in s.planned)
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 3
    manual = [s for s in result.states if s.outcome is Outcome.NEEDS_YOU]
    assert len(manual) == 4
    license_key = sandbox.state.store.list("arms.license")[0]["LicenseKey"]
    for state in manual:
        assert "AliyunJavaAgent.zip" in state.needs_you
        assert '"${ARMS_LICENSE_KEY:?' in state.needs_you  # expanded by the operator's shell
        assert license_key not in state.needs_you
    calls = [f"{r.service}.{r.action}" for r in workspace.call_log.records()]
    assert "ecs.RunCommand" not in calls and "ecs.DescribeCloudAssistantStatus" not in calls
    assert apps_in_a(sandbox) == set()


def test_only_the_chosen_instances(workspace: Workspace, sandbox: RunningSandbox) -> None:
    first = _with_assistant(sandbox)[0][0]
    result = workspace.run_sync(
        Setup("ecs", "monitoring", ("source",), instances=(first.instance_id,)), "apply"
    )
    assert result.exit_code == 0
    assert len([s for s in result.states if s.step_id.endswith("/agent")]) == 1
    assert len(apps_in_a(sandbox)) == 1


def test_a_source_without_running_instances_gets_a_row(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    result = workspace.run_sync(Setup("ecs", "monitoring", ("source", "outsider")), "plan")
    row = next(s for s in result.states if s.step_id == "ecs/outsider/instances")
    assert row.outcome is Outcome.SKIPPED
    assert row.detail == "no instance is running in outsider, region cn-hangzhou: nothing to set up"


def test_a_listed_but_silent_app_is_not_ok_and_says_what_to_check(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    first = _with_assistant(sandbox)[0][0]
    setup = Setup("ecs", "monitoring", ("source",), instances=(first.instance_id,))
    assert workspace.run_sync(setup, "apply").exit_code == 0
    # Someone takes the agent off by hand (Cloud Assistant, as any operator could).
    service = next(t.tag_value for t in first.tags.tag if t.tag_key == "service")
    sandbox.client("ecs", "source").run_command(
        ecs_models.RunCommandRequest(
            region_id="cn-hangzhou",
            type="RunShellScript",
            command_content=uninstall_script(service),
            instance_id=[first.instance_id],
        )
    )
    sandbox.state.clock.advance(60)  # the run finishes
    _instances(sandbox)  # the sandbox settles what finished
    sandbox.state.clock.advance(6 * 60)
    assert apps_in_a(sandbox)  # ARMS still lists it
    result = workspace.run_sync(setup, "verify")
    assert result.exit_code == 3
    agent = next(s for s in result.states if s.step_id.endswith("/agent"))
    assert agent.outcome is Outcome.DRIFT
    assert "sent no data in the last 5 min (last data: 20" in agent.detail
    assert "journalctl -u" in agent.detail and "agent's logs" in agent.detail


def test_a_hostile_tag_is_needs_you_naming_the_instance_and_the_tag(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    first = _with_assistant(sandbox)[0][0]
    sandbox.client("ecs", "source").tag_resources(
        ecs_models.TagResourcesRequest(
            region_id="cn-hangzhou",
            resource_type="instance",
            resource_id=[first.instance_id],
            tag=[ecs_models.TagResourcesRequestTag(key="service", value="orders; reboot")],
        )
    )
    setup = Setup("ecs", "monitoring", ("source",), instances=(first.instance_id,))
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 3
    agent = next(s for s in result.states if s.step_id.endswith("/agent"))
    assert agent.outcome is Outcome.NEEDS_YOU
    assert f"tag 'service' of {first.instance_id}" in agent.needs_you
    assert "ecs.RunCommand" not in mutating_calls(workspace)
