"""A workspace on the test sandbox: the flows run exactly as `armstui --sandbox` runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox


@pytest.fixture
def workspace(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[Workspace]:
    info = sandbox.write_description(tmp_path / "sandbox-state")
    ws = Workspace.from_sandbox_json(info)
    try:
        yield ws
    finally:
        ws.close()


def mutating_calls(ws: Workspace) -> list[str]:
    return [f"{r.service}.{r.action}" for r in ws.call_log.records() if r.mutating]
