"""The call log: every cloud call armstui made, for the UI, the journal and reports.

One :class:`CallRecord` per attempt (a retried read shows each try). Records hold no
parameters and no response data — only who, what, how long, the outcome and the request
ID — and every text field passes through :func:`armstui.secrets.redaction.redact` on the way in, so a
secret cannot reach the screen or a file through here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from armstui.secrets.redaction import redact

Subscriber = Callable[["CallRecord"], None]


@dataclass(frozen=True)
class CallRecord:
    account: str  # the account alias (an assumed role shows as "<alias> as <role>")
    service: str  # "ram", "sts", "arms", "cs", "ecs"
    action: str  # the API action, e.g. "CreateUser"
    started_at: float  # time.time()
    duration_ms: float
    outcome: str  # "ok", or the error code
    request_id: str | None
    attempt: int  # 1 for the first try
    mutating: bool

    def line(self) -> str:
        """One human line, e.g. ``monitoring ram.CreateUser ok 42 ms (request 1A2B…)``."""
        rid = f" (request {self.request_id})" if self.request_id else ""
        retry = f" attempt {self.attempt}" if self.attempt > 1 else ""
        return f"{self.account} {self.service}.{self.action} {self.outcome} {self.duration_ms:.0f} ms{retry}{rid}"


class CallLog:
    """Thread-safe, append-only. Subscribers are called synchronously in the caller's
    thread and task (the flows runner reads a context variable to attribute calls)."""

    def __init__(self, max_records: int = 10_000) -> None:
        self._records: list[CallRecord] = []
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._max = max_records

    def append(self, record: CallRecord) -> CallRecord:
        clean = CallRecord(
            account=redact(record.account),
            service=record.service,
            action=redact(record.action),
            started_at=record.started_at,
            duration_ms=record.duration_ms,
            outcome=redact(record.outcome),
            request_id=redact(record.request_id) if record.request_id else None,
            attempt=record.attempt,
            mutating=record.mutating,
        )
        with self._lock:
            self._records.append(clean)
            if len(self._records) > self._max:
                del self._records[: len(self._records) - self._max]
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(clean)
        return clean

    def records(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` for every new record; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
