"""The checklist on the sandbox: failures with code, request ID and hint; verify shows
drift; skip and retry; export; copy over OSC 52; quitting mid-run and resuming."""

from __future__ import annotations

from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.tui.screens.checklist import ChecklistScreen
from armstui.tui.screens.confirm import ConfirmScreen
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import applied, ram_users, run_done, running, wait_for

ACK = Setup("ack", "monitoring", ("source",))
POLICIES = "ack/monitoring/user/armstui-reporter/policies"


async def _show_step(pilot, step_id: str) -> str:
    """Highlight a step in the list; the detail pane's text."""
    screen = pilot.app.screen
    steps = screen.query_one("#steps")
    steps.highlighted = steps.get_option_index(step_id)
    await pilot.pause()
    return str(screen.query_one("#detail-text").render())


def _weak_monitoring_account(workspace, sandbox: RunningSandbox) -> None:
    """Make the app act in A as a RAM user without any policy: CreateUser is refused
    (NoPermission, not retryable), as it would be for an operator missing RAM rights."""
    from armstui.credentials import StsSession
    from armstui.model import Account, Credentials

    ram = sandbox.client("ram", "monitoring")
    ram.create_user(ram_models.CreateUserRequest(user_name="weak-operator"))
    key = ram.create_access_key(
        ram_models.CreateAccessKeyRequest(user_name="weak-operator")
    ).body.access_key
    credential = StsSession(Credentials(key.access_key_id, key.access_key_secret))
    workspace.accounts["monitoring"] = Account(
        "monitoring", sandbox.uid("monitoring"), credential=credential
    )


async def test_a_failed_step_shows_code_request_id_and_hint_then_retry_fixes_it(
    make_app, workspace, sandbox: RunningSandbox
) -> None:
    _weak_monitoring_account(workspace, sandbox)
    app = make_app()
    async with applied(app, ACK, notifications=True) as pilot:
        user = app.state.checklist.get("ack/monitoring/user/armstui-reporter")
        assert user.outcome is Outcome.FAILED and user.error_code.startswith("NoPermission")
        assert app.state.checklist.get(POLICIES).outcome is Outcome.BLOCKED
        detail = await _show_step(pilot, user.step_id)
        assert f"error {user.error_code}" in detail and f"request ID {user.request_id}" in detail
        assert user.request_id and user.hint and "hint:" in detail
        assert f"ram.GetUser {user.error_code}" in detail  # the failing call, with its request ID
        assert any(n.title == "Step failed" for n in app._notifications)  # noqa: SLF001

        ram = sandbox.client("ram", "monitoring")
        for policy in ("AliyunRAMFullAccess", "AliyunARMSFullAccess"):
            ram.attach_policy_to_user(
                ram_models.AttachPolicyToUserRequest(
                    policy_type="System", policy_name=policy, user_name="weak-operator"
                )
            )
        await pilot.press("t")
        await wait_for(pilot, lambda: run_done(app, "ack"), timeout=30)
        assert app.state.checklist.get(user.step_id).outcome is Outcome.OK
    assert "armstui-reporter" in ram_users(sandbox)


async def test_verify_shows_drift_and_skip_blocks_dependents(
    make_app, sandbox: RunningSandbox
) -> None:
    app = make_app()
    async with applied(app, ACK) as pilot:
        sandbox.client("ram", "monitoring").detach_policy_from_user(
            ram_models.DetachPolicyFromUserRequest(
                policy_type="System",
                policy_name="AliyunARMSFullAccess",
                user_name="armstui-reporter",
            )
        )
        await pilot.press("v")
        await wait_for(pilot, lambda: run_done(app, "ack", "verify"), timeout=30)
        drifted = app.state.checklist.get(POLICIES)
        assert drifted.outcome is Outcome.DRIFT
        assert "≠ drift" in await _show_step(pilot, POLICIES)

        await pilot.press("s")  # skip the drifted step; retry repairs the rest
        await pilot.press("t")
        await wait_for(pilot, lambda: run_done(app, "ack"), timeout=30)
        assert app.state.checklist.get(POLICIES).outcome is Outcome.SKIPPED
        assert (
            app.state.checklist.get("ack/monitoring/user/armstui-reporter/key").outcome
            is Outcome.BLOCKED
        )
    policies = (
        sandbox.client("ram", "monitoring")
        .list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name="armstui-reporter"))
        .body.policies.policy
    )
    assert "AliyunARMSFullAccess" not in {p.policy_name for p in policies}, "a skipped step acted"


async def test_needs_you_shows_the_manual_action_and_copy_sends_it(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with running(app) as pilot:
        app.action_show("checklist")
        app.start_run(Setup("ecs", "monitoring", ("source",), install_agent=False), "apply")
        await wait_for(pilot, lambda: run_done(app, "ecs"), timeout=30)
        manual = [
            s
            for _f, _a, ss in app.state.checklist.groups()
            for s in ss
            if s.outcome is Outcome.NEEDS_YOU
        ]
        assert manual, "without installing the agent, each instance needs the operator"
        detail = await _show_step(pilot, manual[0].step_id)
        assert "What you need to do" in detail and manual[0].needs_you.splitlines()[0] in detail
        await pilot.press("y")
        assert app.clipboard == manual[0].needs_you

        await pilot.press("x")  # asks for the folder, the working directory by default
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        report = (tmp_path / "armstui-ecs-report.md").read_text()
        assert manual[0].title in report and "to do:" in report
        assert isinstance(app.screen, ChecklistScreen)


async def test_quitting_mid_run_leaves_the_journal_consistent_and_the_next_start_resumes(
    make_app, workspace, sandbox: RunningSandbox
) -> None:
    sandbox.state.faults.configure({"latency": "150ms"})
    app = make_app()
    async with running(app) as pilot:
        app.action_show("checklist")
        app.start_run(ACK, "apply")
        await wait_for(
            pilot,
            lambda: any(s.outcome.final for _f, _a, ss in app.state.checklist.groups() for s in ss),
            timeout=30,
            what="a first finished step",
        )
        await pilot.press("q")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the stop-the-run question"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, timeout=15, what="the app to exit")

    run = workspace.journal.last_run(ACK.key, modes=("apply",))
    assert run["finished_at"] is None, "an interrupted run must stay unfinished, so that it resumes"
    assert run["steps"], "finished steps are in the journal"
    assert all(s["outcome"] not in ("pending", "running") for s in run["steps"])
    assert any(s["detail"] == "stopped before it finished" for s in run["steps"])

    sandbox.state.faults.configure({})
    again = make_app()
    async with again.run_test() as pilot:
        await wait_for(
            pilot, lambda: isinstance(again.screen, ConfirmScreen), what="the resume offer"
        )
        assert "did not finish" in str(again.screen.query_one("#dialog-text").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: run_done(again, "ack"), timeout=30, what="the resumed run")
        assert {s.outcome for _f, _a, ss in again.state.checklist.groups() for s in ss} <= {
            Outcome.OK,
            Outcome.ALREADY,
        }
    assert workspace.journal.last_run(ACK.key, modes=("apply",))["finished_at"] is not None
