"""`armstui rotate|teardown --sandbox`: plan, confirmation, output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from alibabacloud_ram20150501 import models as ram_models
from click.testing import CliRunner

from armstui.cli import main
from tests.support.sandbox import RunningSandbox

ACK = ("--flow", "ack", "--monitoring", "monitoring", "--source", "source")


def run(state_dir: Path, *args: str, stdin: str | None = None) -> object:
    return CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), *args], input=stdin
    )


def _keys(sandbox: RunningSandbox) -> list[str]:
    ram = sandbox.client("ram", "monitoring")
    body = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name="armstui-reporter")).body
    return [k.access_key_id for k in body.access_keys.access_key]


def test_rotate_needs_a_setup_then_yes_then_swaps_the_key(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    nothing = run(state_dir, "rotate", "--yes", *ACK)
    assert nothing.exit_code == 3 and "nothing to rotate" in nothing.output
    assert run(state_dir, "apply", "--yes", *ACK).exit_code == 0
    (old,) = _keys(sandbox)

    refused = run(state_dir, "rotate", *ACK)  # no terminal, no --yes: nothing happens
    assert (
        refused.exit_code == 2
        and "--yes" in refused.output
        and "armstui rotate --plan" in refused.output
    )
    plan = run(state_dir, "rotate", "--plan", *ACK)
    assert plan.exit_code == 0 and "+ Ram.CreateAccessKey" in plan.output
    assert (
        f"+ Ram.UpdateAccessKey ({old[:4]}…{old[-4:]} -> Inactive)" in plan.output
    )  # short in the plan
    assert _keys(sandbox) == [old]

    done = run(state_dir, "rotate", "--yes", *ACK)
    assert done.exit_code == 0, done.output
    (new,) = _keys(sandbox)
    assert new != old and "every cluster still reports" in done.output
    secret = next(k for k in sandbox.state.store.list("ram.accesskey") if k["AccessKeyId"] == new)[
        "AccessKeySecret"
    ]
    assert secret not in done.output
    report = json.loads(run(state_dir, "report", "--format", "json").output)
    assert report["mode"] == "rotate" and report["exit_code"] == 0


def test_rotate_is_for_the_ack_flow_only(state_dir: Path) -> None:
    result = run(state_dir, "rotate", "--yes", "--flow", "ecs", *ACK[2:])
    assert result.exit_code == 2 and "--flow" in result.output


def test_teardown_plan_shows_who_created_what_then_removes_it(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    assert run(state_dir, "apply", "--yes", *ACK).exit_code == 0
    plan = run(state_dir, "teardown", "--plan", *ACK)
    assert plan.exit_code == 0, plan.output
    assert (
        "Ram.DeleteUser (armstui-reporter" in plan.output
        and "created " in plan.output
        and "(run 1)" in plan.output
    )
    assert "ack-onepilot stays installed" in plan.output

    declined = run(state_dir, "teardown", "--non-interactive", *ACK)
    assert declined.exit_code == 2 and _keys(sandbox)
    done = run(state_dir, "teardown", "--yes", *ACK)
    assert done.exit_code == 0, done.output
    users = (
        sandbox.client("ram", "monitoring")
        .list_users(ram_models.ListUsersRequest())
        .body.users.user
    )
    assert [u.user_name for u in users] == ["admin"]  # the seeded user only
    assert json.loads(run(state_dir, "report", "--format", "json").output)["mode"] == "teardown"


def test_teardown_refuses_bad_names_before_any_call(state_dir: Path) -> None:
    result = run(state_dir, "teardown", "--yes", *ACK, "--reporter-user", "no spaces allowed")
    assert result.exit_code == 2 and "--reporter-user" in result.output


def test_at_a_terminal_a_stale_key_is_asked_about(
    state_dir: Path, sandbox: RunningSandbox, monkeypatch
) -> None:
    import armstui.cli.lifecycle as lifecycle

    assert run(state_dir, "apply", "--yes", *ACK).exit_code == 0
    ram = sandbox.client("ram", "monitoring")
    stale = ram.create_access_key(
        ram_models.CreateAccessKeyRequest(user_name="armstui-reporter")
    ).body.access_key
    monkeypatch.setattr(
        lifecycle, "interactive_or_yes", lambda *a, **k: True
    )  # as if at a terminal

    declined = run(state_dir, "rotate", *ACK, stdin="n\nn\n")
    # declining is a choice, not bad usage: nothing is applied and the exit code says so
    assert declined.exit_code == 0 and "Delete it to make room" in declined.output
    assert "Nothing applied" in declined.output
    assert stale.access_key_id in _keys(sandbox)
    done = run(state_dir, "rotate", *ACK, stdin="y\ny\n")
    assert done.exit_code == 0, done.output
    assert stale.access_key_id not in _keys(sandbox) and len(_keys(sandbox)) == 1


def test_rotate_force_says_what_it_risks_and_the_report_shows_the_two_key_window(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    assert run(state_dir, "apply", "--yes", *ACK).exit_code == 0
    forced = run(state_dir, "rotate", "--force", "--yes", *ACK)
    assert forced.exit_code == 0, forced.output
    assert "--force: the old key is deleted even where a cluster shows no data" in forced.output
    assert "is cut off" in forced.output
    report = run(state_dir, "report")
    assert "two-key window opened" in report.output and "closed" in report.output
    assert len(_keys(sandbox)) == 1
