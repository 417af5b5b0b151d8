"""The Fleet and Doctor screens on the test sandbox: reached by their keys, filled from a
thread worker, sorted by attention, filtered as you type, a finding leads to its flow."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
from textual.widgets import DataTable

from armstui.tui.app import ArmsTui
from armstui.tui.screens.doctor import DoctorScreen
from armstui.tui.screens.fleet import FleetScreen
from tests.support.sandbox import RunningSandbox
from tests.survey.support import mutating_calls
from tests.tui.conftest import opened, wait_for

S = TypeVar("S")


@asynccontextmanager
async def _opened_changing_nothing(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox
) -> AsyncIterator[tuple[ArmsTui, Any]]:
    """(the app, its Pilot) at 160x40 with the workspace open; on leaving, the sandbox must
    have seen no mutating call (these screens only read)."""
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await opened(pilot)
        yield app, pilot
    assert mutating_calls(sandbox) == []


def _notes(target: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages ``target`` (the app or a screen) notifies from now on."""
    said: list[str] = []
    monkeypatch.setattr(target, "notify", lambda message, **_: said.append(message))
    return said


async def _shown(pilot: Any, key: str, kind: type[S], ready: Callable[[S], object]) -> S:
    """Press ``key``: the screen of ``kind`` it opens, once ``ready`` holds for it."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind) and bool(ready(app.screen)))
    assert isinstance(app.screen, kind)
    return app.screen


async def test_fleet_screen_sorts_filters_and_changes_its_timer(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox
) -> None:
    async with _opened_changing_nothing(make_app, sandbox) as (app, pilot):
        screen = await _shown(pilot, "f", FleetScreen, lambda fleet: fleet.summary)
        rows = screen.visible_rows()
        ranks = [r.rank for r in rows]
        assert ranks == sorted(ranks) and ranks[0] == 1  # the clusters not reporting first
        assert {r.cells[3] for r in rows} >= {"shop-prod", "shop-staging", "legacy-reports-4"}
        assert "0 of 2 reporting now" in screen.summary
        await pilot.press("slash", *"staging")
        await pilot.pause()
        assert [r.cells[3] for r in screen.visible_rows()] == ["shop-staging"]
        screen.query_one("#fleet-table").focus()  # the timer keys go to the screen
        await pilot.press("p")
        assert "stopped" in str(screen.query_one("#fleet-timer").render())
        await pilot.press("p", "plus")
        assert "every 60 s" in str(screen.query_one("#fleet-timer").render())


async def test_doctor_screen_lists_findings_and_opens_the_flow_of_a_step(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox
) -> None:
    async with _opened_changing_nothing(make_app, sandbox) as (app, pilot):
        screen = await _shown(pilot, "D", DoctorScreen, lambda doctor: doctor.findings)
        checks = [(f.check, f.status.value) for f in screen.findings]
        assert ("Cloud Assistant", "warn") in checks and ("ack-onepilot", "warn") in checks
        row = next(i for i, f in enumerate(screen.findings) if f.step.startswith("ack/"))
        table = screen.query_one("#doctor-table", DataTable)
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.name == "ack")


async def test_read_only_app_shows_a_badge_and_refuses_apply_saying_why(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from armstui.cloud.session import set_read_only_everywhere
    from armstui.flows.setup import Setup

    set_read_only_everywhere(True)
    async with _opened_changing_nothing(make_app, sandbox) as (app, pilot):
        assert app.sub_title.startswith("READ-ONLY")
        said = _notes(app, monkeypatch)
        setup = Setup("ack", "monitoring", ("source",))
        assert app.start_run(setup, "apply") is False
        assert app.start_run(setup, "apply", action="teardown") is False
        assert any("Read-only mode (--read-only)" in m for m in said)
        assert app.start_run(setup, "plan") is True
        await wait_for(pilot, lambda: app.state.running is None, what="the plan")


async def test_an_account_marked_read_only_refuses_apply(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from armstui.flows.setup import Setup

    async with _opened_changing_nothing(make_app, sandbox) as (app, pilot):
        accounts = app.state.workspace.accounts
        accounts["source"] = dataclasses.replace(accounts["source"], read_only=True)
        assert not app.sub_title.startswith("READ-ONLY")
        said = _notes(app, monkeypatch)
        assert app.start_run(Setup("ack", "monitoring", ("source",)), "apply") is False
        assert said == ["source marked read-only: nothing that changes it can run."]


async def test_a_fleet_row_opens_its_steps_and_their_calls(
    make_app: Callable[..., ArmsTui], sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from armstui.flows.setup import Setup

    async with _opened_changing_nothing(make_app, sandbox) as (app, pilot):
        assert app.start_run(Setup("ack", "monitoring", ("source",)), "verify")
        await wait_for(pilot, lambda: app.state.running is None, what="the verify")
        screen = await _shown(pilot, "f", FleetScreen, lambda fleet: fleet.summary)
        await pilot.pause(0.2)  # the coalesced redraw
        said = _notes(screen, monkeypatch)
        table = screen.query_one("#fleet-table", DataTable)
        row = next(i for i, r in enumerate(screen.visible_rows()) if r.cells[3] == "shop-staging")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        (detail,) = said
        assert detail.startswith("source · cluster · shop-staging")
        assert "ack-onepilot >= 3.0.14 in shop-staging" in detail
        assert "cs.GetClusterAddonInstance ok" in detail
