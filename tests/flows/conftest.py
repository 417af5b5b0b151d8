"""Helpers for the flow tests (the `workspace` fixture lives in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from armstui.accounts import open_sandbox_workspace
from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox


def mutating_calls(ws: Workspace) -> list[str]:
    return [f"{r.service}.{r.action}" for r in ws.call_log.records() if r.mutating]


@contextmanager
def org_sandbox(directory: Path, world: str) -> Iterator[tuple[Workspace, RunningSandbox]]:
    """A sandbox seeded with ``world`` (e.g. ``large:sources=3,clusters=2,instances=6``) and
    a workspace on it, as `armstui --sandbox` opens one."""
    from armstui.sandbox.describe import FILE_NAME, write_description
    from armstui.sandbox.server import SandboxServer
    from armstui.sandbox.state import open_state
    from armstui.sandbox.world import accounts_by_alias

    state = open_state(None, world=world, speed=200)
    server = SandboxServer(state)
    server.start_in_thread()
    ws = open_sandbox_workspace(
        write_description(directory / FILE_NAME, state, server.endpoint), vault_kind="memory"
    )
    try:
        yield ws, RunningSandbox(state, server, accounts_by_alias(state))
    finally:
        ws.close()
        server.stop_thread()
