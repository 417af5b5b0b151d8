"""Running the async flows layer from a Textual thread worker, cancellably.

Why a thread with its own event loop rather than an async worker on the app's loop: the
SDKs' first import costs ~1.2 s and signing/parsing is CPU work; on the UI loop both
would freeze the screen (measured in tests/tui/test_responsiveness.py). The runner and
the cloud sessions support several loops (CloudSession keeps one semaphore set per loop,
armstui/cloud/session.py), so each job simply calls ``asyncio.run``.

``cancel()`` may be called from the UI thread: it cancels the job's main task, so the
runner's ``finally`` blocks record every unfinished step as "stopped before it finished"
and leave the run unfinished in the journal, which is what resume looks for
(armstui/flows/runner.py ``_run_step``, armstui/flows/journal.py ``interrupted_run``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CloudJob:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        self.done = threading.Event()

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make()`` to completion in this thread (raises CancelledError if cancelled)."""

        async def main() -> T:
            with self._lock:
                self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
                if self._cancelled:
                    raise asyncio.CancelledError
            return await make()

        try:
            return asyncio.run(main())
        finally:
            self.done.set()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._loop is not None and self._task is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._task.cancel)

    @property
    def cancelled(self) -> bool:
        return self._cancelled
