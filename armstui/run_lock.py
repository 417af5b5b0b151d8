"""One run at a time per setup: a lock file in the data directory.

``apply``, ``rotate``, ``teardown`` and the app's runs hold the setup's lock while they
change anything; a second run on the same setup is refused at once, naming who holds it.
The lock is an advisory ``flock`` on an open file, so the operating system releases it when
the holder exits or dies: a killed run never leaves the setup locked. ``verify``, ``plan``
and ``status`` only read and take no lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_DIR = "locks"


class SetupBusy(RuntimeError):
    """Another armstui run holds the setup."""

    def __init__(self, setup_key: str, pid: int | None, since: float | None) -> None:
        self.setup_key, self.pid, self.since = setup_key, pid, since
        who = f"pid {pid}" if pid else "pid unknown"
        when = time.strftime(", since %Y-%m-%d %H:%M:%S", time.localtime(since)) if since else ""
        super().__init__(f"another armstui run ({who}{when}) is working on this setup")


@dataclass(frozen=True)
class Holder:
    pid: int
    since: float


def _path(data_dir: Path, setup_key: str) -> Path:
    digest = hashlib.sha256(setup_key.encode()).hexdigest()[:24]
    return data_dir / LOCK_DIR / f"{digest}.lock"


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text()[:200])
        return Holder(int(data["pid"]), float(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def hold(data_dir: Path, setup_key: str) -> Iterator[Holder]:
    """Hold the setup's lock for the block; :class:`SetupBusy` at once if another holds it."""
    path = _path(data_dir, setup_key)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(path)
            raise SetupBusy(
                setup_key, holder.pid if holder else None, holder.since if holder else None
            ) from None
        me = Holder(os.getpid(), time.time())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": me.pid, "since": me.since}).encode(), 0)
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
