"""Fixtures for the app's tests: the app on the test sandbox, and a fixed clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from armstui.cli.common import SandboxOptions
from armstui.flows.workspace import Workspace
from armstui.tui.app import ArmsTui


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clock times in the call log are local; tests see UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def make_app(workspace: Workspace, tmp_path: Path) -> Callable[..., ArmsTui]:
    def make(**kw: Any) -> ArmsTui:
        return ArmsTui(
            SandboxOptions(True, tmp_path / "sandbox-state"),
            workspace_factory=lambda: workspace,
            **kw,
        )

    return make


async def wait_for(
    pilot: Any, condition: Callable[[], object], timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds (workers post their results meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)
    await pilot.pause()


def run_done(app: ArmsTui, flow: str, mode: str = "apply") -> bool:
    checklist = app.state.checklist
    states = [s for _f, _a, ss in checklist.groups() for s in ss if s.flow == flow]
    return (
        app.state.running is None
        and checklist.modes.get(flow) == mode
        and bool(states)
        and all(s.outcome.final for s in states)
    )


async def opened(pilot: Any) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: (
            app.state.workspace is not None and len(app.state.identities) == len(app.state.accounts)
        ),
        what="the workspace and every whoami",
    )


async def applied_in_the_checklist(pilot: Any, setup: Any) -> None:
    """Open the app's checklist and apply ``setup`` there, until every step is final."""
    app = pilot.app
    await opened(pilot)
    app.action_show("checklist")
    app.start_run(setup, "apply")
    await wait_for(
        pilot, lambda: run_done(app, setup.flow), timeout=30, what=f"the {setup.flow} apply"
    )
