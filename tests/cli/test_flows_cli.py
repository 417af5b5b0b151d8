"""`armstui plan|apply|verify|report --sandbox`: the contract's output and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models
from click.testing import CliRunner

from armstui.cli import main
from tests.support.sandbox import RunningSandbox, set_reporting_key_status


def run(state_dir: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--sandbox", "--sandbox-state", str(state_dir), *args])


ACK = ("--flow", "ack", "--monitoring", "monitoring", "--source", "source")
ROLE = ("--flow", "role", "--monitoring", "monitoring", "--source", "source")


def test_plan_lists_the_calls_and_changes_nothing(state_dir: Path, sandbox: RunningSandbox) -> None:
    result = run(state_dir, "plan", *ACK)
    assert result.exit_code == 0, result.output
    assert "+ Ram.CreateUser (armstui-reporter in monitoring)" in result.output
    # the release comes from DescribeAddon: the newest the cluster is offered
    assert "CS.UpgradeClusterAddons (ack-onepilot 3.0.12 -> 5.2.1" in result.output
    users = (
        sandbox.client("ram", "monitoring")
        .list_users(ram_models.ListUsersRequest())
        .body.users.user
    )
    assert [u.user_name for u in users] == ["admin"]  # the seeded user only


def test_apply_needs_yes_without_a_terminal(state_dir: Path) -> None:
    result = run(state_dir, "apply", *ACK)
    assert result.exit_code == 2
    assert "--yes" in result.output


def test_apply_then_apply_again_then_report(state_dir: Path, sandbox: RunningSandbox) -> None:
    first = run(state_dir, "apply", "--yes", *ACK)
    assert first.exit_code == 0, first.output
    assert "ok" in first.output and "report into monitoring" in first.output
    again = run(state_dir, "apply", "--yes", *ACK)
    assert again.exit_code == 0
    assert "already" in again.output
    md = run(state_dir, "report")
    assert md.exit_code == 0 and md.output.startswith("# armstui apply: ack:monitoring:source")
    data = json.loads(run(state_dir, "report", "--format", "json").output)
    assert data["exit_code"] == 0 and all(s["outcome"] in ("ok", "already") for s in data["steps"])
    secret = sandbox.state.store.list("ram.accesskey")
    for key in secret:
        assert key["AccessKeySecret"] not in first.output + again.output + md.output


def test_verify_names_what_drifted_and_exits_3(state_dir: Path, sandbox: RunningSandbox) -> None:
    assert run(state_dir, "apply", "--yes", *ROLE).exit_code == 0
    sandbox.client("ram", "source").detach_policy_from_user(
        ram_models.DetachPolicyFromUserRequest(
            policy_type="System", policy_name="AliyunSTSAssumeRoleAccess", user_name="arms-operator"
        )
    )
    result = run(state_dir, "verify", *ROLE)
    assert result.exit_code == 3
    assert "drift     arms-operator has AliyunSTSAssumeRoleAccess [source]" in result.output
    assert "missing: AliyunSTSAssumeRoleAccess" in result.output


@pytest.mark.parametrize(
    ("flow", "args", "named"),
    [
        (ACK, ("--reporter-user", "bad name!"), "--reporter-user: must be 1-64"),
        (ROLE, ("--role-name", "x" * 65), "--role-name: must be 1-64"),
    ],
)
def test_bad_input_names_the_flag_and_sends_nothing(
    state_dir: Path, sandbox: RunningSandbox, flow: tuple, args: tuple, named: str
) -> None:
    before = sandbox.server.app.request_count
    result = run(state_dir, "apply", "--yes", *flow, *args)
    assert result.exit_code == 2
    assert named in result.output
    assert sandbox.server.app.request_count == before


ECS = ("--flow", "ecs", "--monitoring", "monitoring", "--source", "source")


@pytest.mark.parametrize(
    ("command", "flow", "option", "owners"),
    [
        (("plan",), ACK, ("--role-name", "viewers"), "--flow role, or --access role"),
        (("apply", "--yes"), ACK, ("--instance", "i-bp1a2b3c4d"), "--flow ecs"),
        (("verify",), ROLE, ("--cluster", "c0123456789abcdef"), "--flow ack"),
        (("plan",), ROLE, ("--access", "keep"), "--flow ack, ecs"),  # given, even as the default
        (("plan",), ECS, ("--reporter-user", "armstui-reporter"), "--flow ack"),
        (("plan",), ACK, ("--no-install-agent",), "--flow ecs"),
        (("teardown", "--yes"), ECS, ("--keep-check-key",), "--flow role, or --access role"),
        (("teardown", "--yes"), ECS, ("--uninstall-addon",), "--flow ack"),
        (("teardown", "--plan"), ROLE, ("--uninstall-addon",), "--flow ack"),
    ],
)
def test_an_option_the_flow_does_not_read_is_refused_before_any_call(
    state_dir: Path,
    sandbox: RunningSandbox,
    command: tuple[str, ...],
    flow: tuple[str, ...],
    option: tuple[str, ...],
    owners: str,
) -> None:
    """Exit 2 naming the option, the flow and the flows that read it: not silently ignored."""
    before = sandbox.server.app.request_count
    result = run(state_dir, *command, *flow, *option)
    assert result.exit_code == 2, result.output
    assert f"armstui {command[0]}: {option[0]}: not read by --flow {flow[1]} " in result.stderr
    assert f"(only by {owners})" in result.stderr
    assert sandbox.server.app.request_count == before


def test_access_role_brings_the_role_flows_options(state_dir: Path) -> None:
    result = run(
        state_dir, "plan", *ACK, "--access", "role", "--role-name", "viewers", "--keep-check-key"
    )
    assert result.exit_code == 0, result.output
    assert "will check: arms-operator in source switches into viewers" in result.output


def test_plan_help_lists_every_flows_options_labelled_with_the_flows() -> None:
    from armstui.flows.registry import ALL_FLOWS

    result = CliRunner().invoke(main, ["plan", "--help"])
    assert result.exit_code == 0
    entries = result.output.split("\n  --")[1:]  # each option with its help, unwrapped
    lines = {"--" + e.split()[0]: " ".join(e.split()) for e in entries}
    for spec in ALL_FLOWS:
        for option in spec.options:
            label = re.search(r"\[([a-z, -]+)\] [A-Z]", lines[option.flag])  # [ack, ecs] How
            assert label and spec.name in label[1].split(", "), lines[option.flag]
    assert "] The role in A." in lines["--role-name"]
    assert "[ack, ecs] How people in A get to the data." in lines["--access"]


def test_an_unknown_account_is_named(state_dir: Path) -> None:
    result = run(
        state_dir, "plan", "--flow", "ack", "--monitoring", "monitoring", "--source", "nobody"
    )
    assert result.exit_code == 2
    assert "'nobody'" in result.output and "source" in result.output


def test_report_before_any_run(state_dir: Path) -> None:
    result = run(state_dir, "report")
    assert result.exit_code == 2
    assert "no setup has run yet" in result.output


def test_a_role_plan_mutates_nothing(state_dir: Path, sandbox: RunningSandbox) -> None:
    before = sandbox.state.store.list("ram.accesskey")
    result = run(state_dir, "plan", *ROLE)
    assert result.exit_code == 0, result.output
    assert "will check: arms-operator in source switches into arms-admin" in result.output
    assert sandbox.state.store.list("ram.accesskey") == before
    # only the seeded user of each account
    assert {u["UserName"] for u in sandbox.state.store.list("ram.user")} == {"admin"}


def test_verify_exits_3_naming_each_cluster_that_stopped_and_0_once_the_key_is_back(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    assert run(state_dir, "apply", "--yes", *ACK).exit_code == 0
    clusters = sandbox.state.store.list("cs.cluster", f"{sandbox.uid('source')}/")
    assert len(clusters) >= 2
    set_reporting_key_status(sandbox, "Inactive")
    sandbox.state.clock.advance(6 * 60)  # past the 5-minute window: the last data ages out

    stopped = run(state_dir, "verify", *ACK)
    assert stopped.exit_code == 3, stopped.output
    for cluster in clusters:
        assert f"apps of {cluster['name']} report into monitoring" in stopped.output
        assert cluster["cluster_id"] in stopped.output  # what to do names the cluster
    assert stopped.output.count("stopped: no data in the last 5 min") == len(clusters)

    set_reporting_key_status(sandbox, "Active")
    sandbox.state.clock.advance(30)  # a couple of reports with the key back
    back = run(state_dir, "verify", *ACK)
    assert back.exit_code == 0, back.output
