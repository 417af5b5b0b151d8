"""Pictures of every screen at 80x24 and 120x40 (pytest-textual-snapshot), on the fixed
FakeWorkspace and a fixed clock, so elapsed times and IDs never change. Regenerate after
a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, RadioSet

from armstui.cli.common import SandboxOptions
from armstui.tui.app import ArmsTui
from armstui.tui.screens.vault_choice import VaultChoiceScreen
from tests.tui.conftest import fake_app, opened, wait_for
from tests.tui.fakes import NOW, FakeWorkspace, ack_states, ecs_states, journal_run

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def make(**kw: Any) -> ArmsTui:
    fake = FakeWorkspace(**kw)
    fake.log_calls()
    return ArmsTui(
        SandboxOptions(True, Path("/nonexistent")),
        workspace_factory=lambda: fake,
        clock=lambda: NOW,
    )


def finished_runs() -> dict[str, dict[str, Any]]:
    return {"ack": journal_run("ack", ack_states()), "ecs": journal_run("ecs", ecs_states())}


def steps(*keys: str, then: Any = None):
    """run_before: wait for the accounts and identities, press keys, settle, stop blinking."""

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await opened(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if keys[:1] == ("a",):
            await wait_for(
                pilot, lambda: len(app.state.reachable) == len(app.state.accounts), timeout=5
            )
        if then is not None:
            await then(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        for field in app.screen.query(Input):
            field.cursor_blink = False

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_welcome(snap_compare, size) -> None:
    assert snap_compare(make(), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_accounts(snap_compare, size) -> None:
    assert snap_compare(make(), terminal_size=size, run_before=steps("a"))


@pytest.mark.parametrize("size", SIZES)
def test_accounts_with_a_production_source(snap_compare, size) -> None:
    assert snap_compare(
        make(production=("source",)), terminal_size=size, run_before=steps("a", "down")
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["k", "e", "r"], ids=["ack", "ecs", "role"])
def test_flow_form(snap_compare, size, key) -> None:
    assert snap_compare(make(), terminal_size=size, run_before=steps(key))


@pytest.mark.parametrize("size", SIZES)
def test_flow_form_with_the_custom_policy_preview(snap_compare, size) -> None:
    async def choose_custom(pilot: Any) -> None:
        radios = pilot.app.screen.query_one("#access", RadioSet)
        radios.query("RadioButton")[2].value = True
        await pilot.pause()
        pilot.app.screen.query_one("#policy-preview").scroll_visible(animate=False)

    assert snap_compare(make(), terminal_size=size, run_before=steps("k", then=choose_custom))


@pytest.mark.parametrize("size", SIZES)
def test_plan_preview(snap_compare, size) -> None:
    async def planned(pilot: Any) -> None:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "PlanScreen", timeout=5)

    assert snap_compare(make(), terminal_size=size, run_before=steps("k", "p", then=planned))


@pytest.mark.parametrize("size", SIZES)
def test_checklist_with_a_failure_selected(snap_compare, size) -> None:
    async def select_failure(pilot: Any) -> None:
        step_list = pilot.app.screen.query_one("#steps")
        step_list.highlighted = step_list.get_option_index(
            "ack/monitoring/user/armstui-reporter/key"
        )
        await pilot.pause()

    assert snap_compare(
        make(runs=finished_runs()), terminal_size=size, run_before=steps("c", then=select_failure)
    )


@pytest.mark.parametrize("size", SIZES)
def test_checklist_needs_you_with_the_call_log(snap_compare, size) -> None:
    async def select_manual(pilot: Any) -> None:
        step_list = pilot.app.screen.query_one("#steps")
        step_list.highlighted = step_list.get_option_index("ecs/source/i-1/agent")
        await pilot.pause()

    assert snap_compare(
        make(runs=finished_runs()),
        terminal_size=size,
        run_before=steps("c", "l", then=select_manual),
    )


@pytest.mark.parametrize("size", SIZES)
def test_identity_after_a_switch(snap_compare, size) -> None:
    async def switched(pilot: Any) -> None:
        await wait_for(
            pilot,
            lambda: "visible" in str(pilot.app.screen.query_one("#switch-result").render()),
            timeout=5,
        )

    assert snap_compare(
        make(), terminal_size=size, run_before=steps("i", "s", "enter", then=switched)
    )


@pytest.mark.parametrize("size", SIZES)
def test_add_account_form(snap_compare, size) -> None:
    async def typed(pilot: Any) -> None:
        form = pilot.app.screen
        form.query_one("#alias").value, form.query_one("#uid").value = "prod-a", "1234567890123456"
        form.query_one("#key-id").value = "LTAI5tExampleKeyId01"
        form.query_one("#secret").focus()
        await pilot.press(*"not-drawn")

    app = make()
    app.state.sandbox = False  # adding works on saved accounts
    assert snap_compare(app, terminal_size=size, run_before=steps("a", "n", then=typed))


@pytest.mark.parametrize("size", SIZES)
def test_vault_choice(snap_compare, size) -> None:
    reason = (
        "No secure keyring backend is available. Start a Secret Service (on a desktop: unlock "
        "GNOME Keyring or KWallet) …"
    )

    async def locked(pilot: Any) -> None:
        pilot.app.push_screen(VaultChoiceScreen(reason))
        await pilot.pause()

    assert snap_compare(make(), terminal_size=size, run_before=steps(then=locked))


@pytest.mark.parametrize("size", SIZES)
def test_flow_form_with_no_accounts(snap_compare, size) -> None:
    assert snap_compare(fake_app(aliases=()), terminal_size=size, run_before=steps("k"))


@pytest.mark.parametrize("size", SIZES)
def test_flow_form_with_every_error_shown(snap_compare, size) -> None:
    async def wrong(pilot: Any) -> None:
        form = pilot.app.screen
        form.query_one("#role-name", Input).value = "bad role!"
        form.query_one("#operator-user", Input).value = "no spaces please"
        form.action_plan()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=size, run_before=steps("r", then=wrong))


@pytest.mark.parametrize("size", SIZES)
def test_plan_guarded_for_production(snap_compare, size) -> None:
    async def planned(pilot: Any) -> None:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "PlanScreen", timeout=5)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(
        make(production=("monitoring",)),
        terminal_size=size,
        run_before=steps("k", "p", then=planned),
    )
