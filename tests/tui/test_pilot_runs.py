"""How the checklist tells the truth about runs, on a FakeWorkspace whose runs the test
paces: a rotation's or a teardown's end marks the rows it changed stale and verifies them
again without a key press, a stopped run shows as stopped and resumes, the cursor follows
a new run's group and stays put through a verify of its own group."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from armstui.flows.runner import RunResult
from armstui.flows.step import Outcome
from armstui.tui.app import ArmsTui
from armstui.tui.screens.checklist import ChecklistScreen
from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.export import ExportScreen
from armstui.tui.state import STOPPED_DETAIL
from armstui.tui.widgets.step_list import StepList, step_line
from tests.tui.conftest import fake_app, running, wait_for
from tests.tui.fakes import NOW, FakeWorkspace, ack_states, ecs_states, journal_run


class PacedWorkspace(FakeWorkspace):
    """Runs report their first step as running, then wait for ``gate`` (or a stop: the
    unfinished steps then end as the runner ends them, stopped before they finished)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.started: list[tuple[str, str, str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.hold: set[str] = set()  # modes that wait however the gate stands

    async def run(
        self, setup: Any, mode: str, *, listener: Any = None, skip: Any = (), action: str = "setup"
    ) -> RunResult:
        self.started.append((setup.flow, mode, action))
        done = await super().run(setup, mode, action=action)
        first = dataclasses.replace(done.states[0], outcome=Outcome.RUNNING, finished_at=None)
        if listener:
            listener(first)
        try:
            while not self.gate.is_set() or mode in self.hold:
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if listener:
                listener(dataclasses.replace(first, outcome=Outcome.FAILED, detail=STOPPED_DETAIL))
            raise
        for state in done.states:
            if listener:
                listener(state)
        return done


@asynccontextmanager
async def on_the_checklist(
    size: tuple[int, int] = (120, 40),
) -> AsyncIterator[tuple[ArmsTui, PacedWorkspace, Any, ChecklistScreen]]:
    """The app on a PacedWorkspace with an ACK and an ECS run, open on the checklist."""
    fake = PacedWorkspace(
        runs={"ack": journal_run("ack", ack_states()), "ecs": journal_run("ecs", ecs_states())}
    )
    app = fake_app(fake)
    async with running(app, "c", size=size) as pilot:
        assert isinstance(app.screen, ChecklistScreen)
        yield app, fake, pilot, app.screen


@pytest.mark.parametrize("action", ["rotate", "teardown"])
async def test_a_change_marks_its_rows_stale_and_verifies_them_without_a_key_press(
    action: str,
) -> None:
    async with on_the_checklist() as (app, fake, pilot, screen):
        assert app.state.checklist.modes["ack"] == "apply"
        steps = screen.query_one(StepList)
        fake.hold = {"verify"}  # the verify that follows the change waits
        app.start_run(app.state.setups["ack"], "apply", action)
        await wait_for(pilot, lambda: ("ack", "verify", "setup") in fake.started)
        await pilot.pause(0.2)
        assert app.state.running is not None, "the verify is under way"
        assert "ack" in app.state.checklist.stale
        header = steps.get_option_index("ack/monitoring/user/armstui-reporter") - 1
        drawn = "".join(s.text for s in steps.render_line(header - steps.scroll_offset.y))
        assert "STALE" in drawn, drawn
        assert "STALE" in str(screen.query_one("#summary").render())
        fake.hold.clear()
        await wait_for(pilot, lambda: app.state.running is None, what="the verify")
        assert fake.started == [("ack", "apply", action), ("ack", "verify", "setup")]
        assert app.state.checklist.modes["ack"] == "verify"
        assert not app.state.checklist.stale


async def test_a_stopped_run_shows_as_stopped_and_resumes() -> None:
    async with on_the_checklist() as (app, fake, pilot, screen):
        fake.gate.clear()
        app.start_run(app.state.setups["ack"], "apply")
        await wait_for(pilot, lambda: app.job is not None and fake.started, what="the run")
        await pilot.pause(0.2)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state.running is None, what="the stop")
        await pilot.pause(0.2)

        assert "ack" in app.state.stopped
        stopped = [
            s
            for _f, _a, ss in app.state.checklist.groups()
            for s in ss
            if s.detail == STOPPED_DETAIL
        ]
        assert stopped
        line = step_line(stopped[0], NOW, 80).plain
        assert "stopped" in line and "failed" not in line
        assert "stopped: t resumes" in str(screen.query_one("#summary").render())
        titles = [n.title for n in app._notifications]
        assert "ACK apply stopped" in titles
        assert not any("did not finish" in t for t in titles)

        fake.gate.set()
        screen.query_one(StepList).move_to_step(stopped[0].step_id)
        await pilot.press("t")
        await wait_for(pilot, lambda: len(fake.started) == 2 and app.state.running is None)
        assert fake.started[1] == ("ack", "apply", "setup")
        assert "ack" not in app.state.stopped


async def test_the_cursor_follows_a_new_run_and_verify_keeps_it() -> None:
    async with on_the_checklist() as (app, fake, pilot, screen):
        steps = screen.query_one(StepList)
        chosen = "ack/monitoring/user/armstui-reporter/key"
        steps.move_to_step(chosen)
        await pilot.press("v")
        await wait_for(pilot, lambda: app.state.running is None and len(fake.started) == 1)
        await pilot.pause(0.2)
        assert fake.started[0][1] == "verify"
        assert steps.highlighted_id == chosen, "verify keeps the cursor on its step"

        fake.gate.clear()
        app.start_run(app.state.setups["ack"], "apply", "rotate")
        await wait_for(
            pilot, lambda: (steps.highlighted_id or "").startswith("rotate/"), what="following"
        )
        await pilot.press("down")  # the operator takes over: the cursor stays where put
        where = steps.highlighted_id
        fake.gate.set()
        await wait_for(pilot, lambda: app.state.running is None and len(fake.started) >= 3)
        await pilot.pause(0.2)
        assert steps.highlighted_id == where


async def test_export_asks_for_the_folder_with_the_working_directory_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "reports"
    elsewhere.mkdir()
    async with on_the_checklist(size=(80, 24)) as (app, _fake, pilot, _screen):
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        folder = app.screen.query_one("#folder", Input)
        assert folder.value == str(tmp_path)
        assert app.focused is folder
        folder.value = str(tmp_path / "missing")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen), "a folder that is not there is refused"
        assert "not an existing folder" in str(app.screen.query_one("#folder-error").render())
        folder.value = str(elsewhere)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        assert sorted(p.name for p in elsewhere.iterdir()) == [
            "armstui-ack-report.md",
            "armstui-ecs-report.md",
        ]
        assert not list(tmp_path.glob("*.md")), "nothing lands in the working directory"


async def test_the_palette_offers_every_action_the_keys_do() -> None:
    from armstui.tui.commands import add_commands, commands

    async with on_the_checklist(size=(80, 24)) as (app, _fake, pilot, _screen):
        titles = {title for title, _help, _run in commands(app)}
        for wanted in (
            "Accounts",
            "Checklist",
            "Identity",
            "Plan ACK",
            "Plan ECS",
            "Verify ACK",
            "Rotate key",
            "Teardown",
            "Retry",
            "Export report",
            "Toggle call log",
            "Fleet",
            "Doctor",
        ):
            assert wanted in titles, wanted

        seen: list[str] = []
        add_commands(lambda app: [("A new screen", "its own", lambda: seen.append("new"))])
        try:
            added = [run for title, _h, run in commands(app) if title == "A new screen"]
            added[0]()
            assert seen == ["new"]
        finally:
            from armstui.tui import commands as module

            module.PALETTE.pop()

        rotate = next(run for title, _h, run in commands(app) if title == "Rotate key")
        rotate()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen", what="the plan")
        assert app.screen.action == "rotate"


def test_a_plan_lists_its_steps_in_the_order_they_run() -> None:
    from armstui.tui.screens.plan import plan_text
    from tests.tui.fakes import step

    states = [
        step("rotate/a/new-key", "a new key for the reporter", "monitoring", "rotate", "planned"),
        step("rotate/b/config", "onepilot in c1 uses the new key", "source", "rotate", "planned"),
        step(
            "rotate/a/old-key",
            "the old key disabled, then deleted",
            "monitoring",
            "rotate",
            "planned",
        ),
    ]
    lines = plan_text(states).plain.splitlines()
    assert [line.strip() for line in lines if line.startswith("in ")] == [
        "in monitoring",
        "in source",
        "in monitoring",
    ]
    titles = [line for line in lines if not line.startswith("in ")]
    assert [t.split(".", 1)[0].strip() for t in titles] == ["1", "2", "3"]
    assert "new key" in titles[0] and "c1" in titles[1] and "old key" in titles[2]
