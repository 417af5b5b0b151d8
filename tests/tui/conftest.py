"""Fixtures for the app's tests: the app on the test sandbox, and a fixed clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from armstui.cli.common import SandboxOptions
from armstui.flows.workspace import Workspace
from armstui.tui.app import ArmsTui
from tests.support.sandbox import RunningSandbox
from tests.tui.fakes import NOW, FakeWorkspace


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


def fake_app(workspace: Any = None, **kw: Any) -> ArmsTui:
    """The app on the fixed FakeWorkspace: ``workspace``, else one made with ``kw``; its
    clock stopped at NOW."""
    fake = FakeWorkspace(**kw) if workspace is None else workspace
    return ArmsTui(None, workspace_factory=lambda: fake, clock=lambda: NOW)


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


@asynccontextmanager
async def running(
    app: ArmsTui, *keys: str, size: tuple[int, int] = (80, 24), **options: Any
) -> AsyncIterator[Any]:
    """The pilot of ``app`` run headless (``options`` go to App.run_test), once its
    workspace is open and every whoami is back, and ``keys`` are pressed."""
    async with app.run_test(size=size, **options) as pilot:
        await opened(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
        yield pilot


def ram_users(sandbox: RunningSandbox, alias: str = "monitoring") -> set[str]:
    """The RAM users of the sandbox account ``alias``, by name."""
    from alibabacloud_ram20150501 import models as ram_models

    found = sandbox.client("ram", alias).list_users(ram_models.ListUsersRequest())
    return {u.user_name for u in found.body.users.user}


@asynccontextmanager
async def applied(app: ArmsTui, setup: Any, **options: Any) -> AsyncIterator[Any]:
    """The pilot of ``app`` running (``options`` as for :func:`running`), once ``setup`` is
    applied in its checklist and every step is final."""
    async with running(app, **options) as pilot:
        app.action_show("checklist")
        app.start_run(setup, "apply")
        await wait_for(
            pilot, lambda: run_done(app, setup.flow), timeout=30, what=f"the {setup.flow} apply"
        )
        yield pilot


def held_timers(node: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, Any]]:
    """The timers ``node`` sets from now on, each (delay, callback), held instead of run: a
    test fires a callback when it wants, so a slow host cannot fire it before the test looks
    (no wall clock in the test)."""
    timers: list[tuple[float, Any]] = []
    real_set_timer = node.set_timer

    def held(delay: float, callback: Any, **kw: Any) -> Any:
        timers.append((delay, callback))
        return real_set_timer(3600, lambda: None)

    monkeypatch.setattr(node, "set_timer", held)
    return timers
