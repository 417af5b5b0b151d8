"""Helpers for the flow tests (the `workspace` fixture lives in tests/conftest.py)."""

from __future__ import annotations

from armstui.flows.workspace import Workspace


def mutating_calls(ws: Workspace) -> list[str]:
    return [f"{r.service}.{r.action}" for r in ws.call_log.records() if r.mutating]
