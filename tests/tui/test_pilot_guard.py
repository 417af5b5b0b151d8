"""The production guard: a mutating question about a production account starts on Cancel
and needs the account's alias typed before it goes (FakeWorkspace, no cloud)."""

from __future__ import annotations

from textual.widgets import Button, Input

from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.plan import PlanScreen
from tests.tui.conftest import fake_app, running, wait_for
from tests.tui.fakes import ack_states, journal_run


async def _ack_plan(pilot) -> None:
    """From the ACK form: its plan preview."""
    app = pilot.app
    app.screen.action_plan()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")


async def test_a_plan_that_changes_production_needs_the_alias_typed() -> None:
    app = fake_app(production=("monitoring",))
    async with running(app, "k") as pilot:
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
    async with running(app, "k") as pilot:
        await _ack_plan(pilot)
        assert not app.screen.query("#guard")
        assert app.focused is app.screen.query_one("#yes", Button)


async def test_retrying_on_production_asks_for_the_alias() -> None:
    app = fake_app(production=("source",), runs={"ack": journal_run("ack", ack_states())})
    async with running(app, "c", size=(120, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert app.screen.guard == "source"
        assert app.state.running is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.state.running is None and app.state.checklist.modes["ack"] == "apply"
