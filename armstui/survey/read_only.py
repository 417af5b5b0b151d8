"""Whether read-only mode refuses a change, and why: for the screens, before anything runs.

The sessions refuse every change themselves (armstui/cloud/session.py); this only lets a
screen say so up front instead of failing a step.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

SESSION_MODULE = "armstui.cloud.session"


def everywhere() -> bool:
    """``armstui --read-only`` is on. The session module is loaded whenever it is (the flag
    loads it), so asking costs nothing otherwise."""
    module = sys.modules.get(SESSION_MODULE)
    return bool(module is not None and module.read_only_everywhere())


def refusal(accounts: Mapping[str, Any], aliases: Iterable[str], mode: str) -> str | None:
    """Why a run in ``mode`` over ``aliases`` is refused, or None when it may go."""
    if mode not in ("apply",):
        return None
    if everywhere():
        return "Read-only mode (--read-only): nothing that changes the cloud can run."
    marked = [a for a in aliases if getattr(accounts.get(a), "read_only", False)]
    if marked:
        return f"{', '.join(marked)} marked read-only: nothing that changes it can run."
    return None
