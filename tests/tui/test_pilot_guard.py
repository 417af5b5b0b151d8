"""The production guard: a mutating question about a production account starts on Cancel
and needs the account's alias typed before it goes (FakeWorkspace, no cloud)."""

from __future__ import annotations

from textual.widgets import Button, Input

from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.plan import PlanScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import ack_states, journal_run
from tests.tui.test_pilot_forms import fake_app, settled


async def _ack_plan(pilot) -> None:
    """From the opened app: the ACK form, then its plan preview."""
    app = pilot.app
    await settled(pilot)
    await pilot.press("k")
    await pilot.pause()
    app.screen.action_plan()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")


async def test_a_plan_that_changes_production_needs_the_alias_typed() -> None:
    app = fake_app(production=("monitoring",))
    async with app.run_test(size=(80, 24)) as pilot:
        await _ack_plan(pilot)
        plan = app.screen
        assert plan.guard == "monitoring"
        assert app.focused is plan.query_one("#no", Button), "the focus starts on Cancel"
        assert plan.query_one("#yes", Button).disabled

        await pilot.press("ctrl+a")
        await pilot.pause()
        assert app.screen is plan, "the key does not get past the guard"
        assert app.state.checklist.modes.get("ack") is None

        plan.query_one("#guard", Input).value = "monitorin"
        await pilot.pause()
        assert plan.query_one("#yes", Button).disabled
        plan.query_one("#guard", Input).value = "monitoring"
        await pilot.pause()
        assert not plan.query_one("#yes", Button).disabled
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: app.state.checklist.modes.get("ack") == "apply")


async def test_a_plan_without_production_is_not_guarded() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _ack_plan(pilot)
        assert not app.screen.query("#guard")
        assert app.focused is app.screen.query_one("#yes", Button)


async def test_retrying_on_production_asks_for_the_alias() -> None:
    app = fake_app(production=("source",), runs={"ack": journal_run("ack", ack_states())})
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert app.screen.guard == "source"
        assert app.state.running is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.state.running is None and app.state.checklist.modes["ack"] == "apply"
