"""The sandbox's state: JSON documents by kind and key, in SQLite, cached in memory.

Every service model keeps its records here (``kind`` like ``ram.user``, ``key`` like
``<account-id>/<user-name>``), so a sandbox restarted on the same state dir finds
everything as it left it. Reads come from the in-memory cache; writes go through to
SQLite at once (WAL journal). The server handles requests on one event loop, and a lock
guards the rare calls from other threads (the admin endpoint, tests, seeding).

The database and its ``-wal`` and ``-shm`` companions hold secrets, so they are created mode
0600 (SQLite gives the companions the database file's mode). Signature nonces live in their
own table with the time they were first seen, so a restart opens no replay window.
"""

from __future__ import annotations

import builtins
import copy
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]


class Store:
    def __init__(self, path: Path | None = None) -> None:
        """``path`` None keeps state in memory only (for fast tests)."""
        self.path = path
        if path is not None:
            _create_private(path)
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (kind TEXT, key TEXT, doc TEXT, PRIMARY KEY (kind, key))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, seen REAL)")
        if path is not None:
            for companion in ("-wal", "-shm"):
                _make_private(Path(f"{path}{companion}"))
        self._nonces_since_prune = 0
        self._lock = threading.RLock()
        self._undo: list[tuple[str, str, Doc | None]] | None = None
        self._cache: dict[str, dict[str, Doc]] = {}
        for kind, key, doc in self._db.execute("SELECT kind, key, doc FROM docs ORDER BY rowid"):
            self._cache.setdefault(kind, {})[key] = json.loads(doc)

    def get(self, kind: str, key: str) -> Doc | None:
        """A copy of the document, or None."""
        with self._lock:
            doc = self._cache.get(kind, {}).get(key)
            return copy.deepcopy(doc) if doc is not None else None

    def put(self, kind: str, key: str, doc: Doc) -> None:
        text = json.dumps(doc, separators=(",", ":"))
        with self._lock:
            self._remember(kind, key)
            self._cache.setdefault(kind, {})[key] = json.loads(text)
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, doc) VALUES (?, ?, ?)", (kind, key, text)
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._lock:
            self._remember(kind, key)
            existed = self._cache.get(kind, {}).pop(key, None) is not None
            if existed:
                self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
            return existed

    def list(self, kind: str, prefix: str = "") -> list[Doc]:
        """Copies of the documents of one kind whose key starts with ``prefix``, oldest first."""
        with self._lock:
            return [
                copy.deepcopy(d)
                for k, d in self._cache.get(kind, {}).items()
                if k.startswith(prefix)
            ]

    def view(self, kind: str, prefix: str = "") -> builtins.list[Doc]:
        """Like :meth:`list`, but the stored documents themselves, not copies: for readers
        that change nothing (the reporting history reads the whole world after every
        change, and copying it was most of that cost)."""
        with self._lock:
            return [d for k, d in self._cache.get(kind, {}).items() if k.startswith(prefix)]

    def count(self, kind: str, prefix: str = "") -> int:
        with self._lock:
            return sum(1 for k in self._cache.get(kind, {}) if k.startswith(prefix))

    def is_empty(self) -> bool:
        with self._lock:
            return not any(self._cache.values())

    def _remember(self, kind: str, key: str) -> None:
        if self._undo is not None:
            self._undo.append((kind, key, self._cache.get(kind, {}).get(key)))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them land, or (on an exception) none of them do."""
        with self._lock:
            if self._undo is not None:  # nested: the outer transaction decides
                yield
                return
            self._undo = []
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                for kind, key, old in reversed(self._undo):
                    if old is None:
                        self._cache.get(kind, {}).pop(key, None)
                    else:
                        self._cache.setdefault(kind, {})[key] = old
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._undo = None

    def use_nonce(self, nonce: str, now: float, window: float) -> bool:
        """Record ``nonce`` as used at ``now``; False if it was already used within ``window``
        seconds. Nonces older than the window are pruned now and then (a request carrying one
        is refused by its timestamp anyway)."""
        with self._lock:
            row = self._db.execute("SELECT seen FROM nonces WHERE nonce = ?", (nonce,)).fetchone()
            if row is not None and now - row[0] <= window:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO nonces (nonce, seen) VALUES (?, ?)", (nonce, now)
            )
            self._nonces_since_prune += 1
            if self._nonces_since_prune >= 1000:
                self._nonces_since_prune = 0
                self._db.execute("DELETE FROM nonces WHERE seen < ?", (now - window,))
            return True

    def nonce_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM nonces").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _create_private(path: Path) -> None:
    """Create the file 0600 if it does not exist yet (whatever the umask), and make it 0600."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    _make_private(path)


def _make_private(path: Path) -> None:
    if path.exists():
        path.chmod(0o600)
