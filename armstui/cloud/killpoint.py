"""A test seam for the reliability suite: die right before or right after a mutating call.

With ``ARMSTUI_TEST_KILL_AT=before:N`` (or ``after:N``) the process sends itself SIGKILL just
before the N-th mutating cloud call is sent (or just after its answer arrived), the way a
crash, an OOM kill or a closed SSH session would stop it. Unset, it does nothing.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "ARMSTUI_TEST_KILL_AT"

_lock = threading.Lock()
_count = 0


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV)
    if not spec:
        return None
    when, _, number = spec.partition(":")
    return (when, int(number)) if when in ("before", "after") and number.isdigit() else None


def before_mutation() -> int:
    """Count a mutating call about to be sent; returns its number."""
    global _count
    target = _target()
    with _lock:
        _count += 1
        number = _count
    if target == ("before", number):
        os.kill(os.getpid(), signal.SIGKILL)
    return number


def after_mutation(number: int) -> None:
    if _target() == ("after", number):
        os.kill(os.getpid(), signal.SIGKILL)
