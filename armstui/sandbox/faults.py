"""Injected faults: latency, throttling, 5xx, dropped connections, "apply then fail".

A stub until the fault injector lands: it injects nothing.
"""

from __future__ import annotations


class Faults:
    async def before(self, action: str) -> None:
        """Called before a request is handled; may sleep, raise ApiError or drop."""

    def after(self, action: str) -> None:
        """Called after a mutating request was applied; may raise to lose the response."""
