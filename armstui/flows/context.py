"""What a step gets to work with: one cloud session per account, the vault, shared facts."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from armstui.flows.facts import Fact

FactT = TypeVar("FactT", bound=Fact)


@dataclass
class FlowContext:
    sessions: Mapping[str, Any]  # alias -> armstui.cloud.session.CloudSession
    vault: Any  # armstui.vault: store/read/delete
    facts: dict[str, Fact | None] = field(default_factory=dict)  # step id -> what it saw
    time_scale: float = 1.0  # divides waits (tests and the sandbox run faster)
    applied_at: dict[str, float] = field(
        default_factory=dict
    )  # step id -> when its change was seen in place (monotonic)
    resumed_at: float | None = None  # monotonic: this apply continues an interrupted one
    _apps: dict[str, tuple[float, list[Any]]] = field(
        default_factory=dict
    )  # alias -> (fetched at, apps)
    _apps_pending: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def session(self, alias: str) -> Any:
        try:
            return self.sessions[alias]
        except KeyError:
            raise LookupError(f"account {alias!r}: no session (is it configured?)") from None

    def fact(self, step_id: str, kind: type[FactT]) -> FactT | None:
        """What step ``step_id`` last observed, if it is a ``kind``."""
        seen = self.facts.get(step_id)
        return seen if isinstance(seen, kind) else None

    async def trace_apps(self, alias: str, *, newer_than: float = 0.0) -> list[Any]:
        """A's ListTraceApps, shared by every step that needs it.

        Dozens of steps prove their reporting with the same listing; concurrent askers share
        one call, and a listing fetched after ``newer_than`` (time.monotonic()) is reused, so
        a proof never looks at a listing older than its own change. At most one listing per
        account is in flight: an asker whose change came after it started waits for it to
        end and then shares the next one with everyone who came meanwhile (hundreds of
        proofs cost tens of listings, each of them a large answer to build and parse)."""
        from armstui.cloud import arms

        while True:
            cached = self._apps.get(alias)
            if cached is not None and cached[0] >= newer_than:
                return cached[1]
            pending = self._apps_pending.get(alias)
            if pending is None or pending[1].done() or pending[0] >= newer_than:
                break
            await asyncio.wait([pending[1]])  # too old for this asker: queue behind it
        if pending is None or pending[1].done():
            started = time.monotonic()
            task = asyncio.ensure_future(arms.list_trace_apps(self.session(alias)))
            pending = (started, task)
            self._apps_pending[alias] = pending
            task.add_done_callback(functools.partial(self._remember_apps, alias, started))
        return await asyncio.shield(pending[1])

    def _remember_apps(self, alias: str, started: float, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is None:
            if alias not in self._apps or self._apps[alias][0] < started:
                self._apps[alias] = (started, task.result())
        if self._apps_pending.get(alias, (None, None))[1] is task:
            del self._apps_pending[alias]

    async def recent_data(self, alias: str, pid: str, window_minutes: float) -> Any:
        """What A (``alias``) holds from application ``pid`` in the last ``window_minutes``: an
        ``armstui.cloud.arms.DataWindow``. Listing an app proves only that it reported once
        (ARMS keeps apps listed after they stop); this proves it reports now."""
        from armstui.cloud import arms

        now_ms = int(time.time() * 1000)
        start_ms = now_ms - int(window_minutes * 60_000)
        return await arms.search_traces(self.session(alias), pid, start_ms, now_ms)

    async def data_since(self, alias: str, pid: str, start: float) -> Any:
        """What A (``alias``) holds from application ``pid`` since ``start`` (epoch seconds):
        an ``armstui.cloud.arms.DataWindow``, whose ``newest_ms`` is the last data time."""
        from armstui.cloud import arms

        now_ms = int(time.time() * 1000)
        return await arms.search_traces(self.session(alias), pid, int(start * 1000), now_ms)

    async def key_last_used(self, alias: str, user: str, key_id: str) -> float | None:
        """When RAM says AccessKey ``key_id`` of ``user`` in ``alias`` was last used (epoch
        seconds, whole seconds as RAM answers them), or None if never."""
        import calendar

        from armstui.cloud import ram

        text = await ram.get_access_key_last_used(self.session(alias), user, key_id)
        if not text:
            return None
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))

    def nominal_since(self, monotonic_start: float) -> float:
        """Nominal seconds since ``monotonic_start`` (time.monotonic()): real seconds times
        ``time_scale``, the same scale ``sleep`` divides by."""
        return (time.monotonic() - monotonic_start) * self.time_scale

    async def read_secret(self, name: str) -> str | None:
        """Keyring calls block (and may time out): keep them off the event loop."""
        return await asyncio.to_thread(self.vault.read, name)

    async def store_secret(self, name: str, secret: str) -> None:
        await asyncio.to_thread(self.vault.store, name, secret)

    async def sleep(self, nominal_seconds: float) -> None:
        await asyncio.sleep(nominal_seconds / self.time_scale)
