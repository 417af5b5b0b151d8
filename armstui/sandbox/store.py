"""The sandbox's state: JSON documents by kind and key, in SQLite, cached in memory.

Every service model keeps its records here (``kind`` like ``ram.user``, ``key`` like
``<account-id>/<user-name>``), so a sandbox restarted on the same state dir finds
everything as it left it. Reads come from the in-memory cache; writes go through to
SQLite at once (WAL journal). The server handles requests on one event loop, and a lock
guards the rare calls from other threads (the admin endpoint, tests, seeding).
"""

from __future__ import annotations

import copy
import json
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
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (kind TEXT, key TEXT, doc TEXT, PRIMARY KEY (kind, key))"
        )
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

    def close(self) -> None:
        with self._lock:
            self._db.close()
