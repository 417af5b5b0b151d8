"""The sandbox's state: JSON documents by kind and key, in SQLite, cached in memory.

Every service model keeps its records here (``kind`` like ``ram.user``, ``key`` like
``<account-id>/<user-name>``), so a sandbox restarted on the same state dir finds
everything as it left it. Reads come from the in-memory cache; writes go through to
SQLite at once (WAL journal). The server handles requests on one event loop, and a lock
guards the rare calls from other threads (the admin endpoint, tests, seeding).

The database and its ``-wal`` and ``-shm`` companions hold secrets, so they are created mode
0600 (SQLite gives the companions the database file's mode). Signature nonces live in their
own table with the time they were first seen, so a restart opens no replay window: a nonce is
looked up in memory, and written with the next transaction (a handled request's own, so that
it costs no commit of its own) or when the store closes. Only a killed sandbox can forget one:
that of a request refused before it was handled, since the last request that was.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]


class _Entry:
    """One stored document: parsed (shared by readers that change nothing), its JSON text
    (what copies are made from: parsing it is several times faster than a deep copy), and the
    store's write sequence number when it was last written."""

    __slots__ = ("doc", "text", "stamp")

    def __init__(self, doc: Doc, text: str, stamp: int) -> None:
        self.doc, self.text, self.stamp = doc, text, stamp


def _head(key: str) -> str | None:
    """The first ``/``-separated part of a key (most keys begin ``<account-id>/``)."""
    head, slash, _ = key.partition("/")
    return head if slash else None


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
        # the table read once; looked up here (the table is written through, for restarts)
        self._nonces: dict[str, float] = dict(
            self._db.execute("SELECT nonce, seen FROM nonces").fetchall()
        )
        self._unsaved_nonces: list[tuple[str, float]] = []
        self._lock = threading.RLock()
        self._undo: list[tuple[str, str, _Entry | None]] | None = None
        # kind -> key -> entry, oldest first; kind -> head -> key -> entry, in the same order
        # (so a listing by ``<head>/`` reads only that head's documents)
        self._cache: dict[str, dict[str, _Entry]] = {}
        self._heads: dict[str, dict[str, dict[str, _Entry]]] = {}
        self._seq = 0  # counts every change of the cache (rollbacks included)
        self._kind_seq: dict[str, int] = {}  # kind -> self._seq at its last change
        # kind -> key -> self._seq at the key's last change, least recently changed first
        self._changed: dict[str, dict[str, int]] = {}
        for kind, key, text in self._db.execute("SELECT kind, key, doc FROM docs ORDER BY rowid"):
            self._set(kind, key, json.loads(text), text)

    def _changing(self, kind: str, key: str) -> None:
        self._seq += 1
        self._kind_seq[kind] = self._seq
        changed = self._changed.setdefault(kind, {})
        changed.pop(key, None)
        changed[key] = self._seq

    def _set(self, kind: str, key: str, doc: Doc, text: str) -> None:
        self._changing(kind, key)
        entry = _Entry(doc, text, self._seq)
        self._cache.setdefault(kind, {})[key] = entry
        head = _head(key)
        if head is not None:
            self._heads.setdefault(kind, {}).setdefault(head, {})[key] = entry

    def _drop(self, kind: str, key: str) -> bool:
        if self._cache.get(kind, {}).pop(key, None) is None:
            return False
        self._changing(kind, key)
        head = _head(key)
        if head is not None:
            self._heads[kind][head].pop(key, None)
        return True

    def _scope(self, kind: str, prefix: str) -> dict[str, _Entry]:
        """Where the keys starting with ``prefix`` are: one head's entries, or the kind's."""
        head = _head(prefix)
        if head is None:
            return self._cache.get(kind, {})
        return self._heads.get(kind, {}).get(head, {})

    def _keys(self, kind: str, prefix: str) -> builtins.list[str]:
        """The keys of ``kind`` that start with ``prefix``, oldest first."""
        return [k for k in self._scope(kind, prefix) if k.startswith(prefix)]

    def _entries(self, kind: str, prefix: str) -> builtins.list[_Entry]:
        """The entries of ``kind`` whose key starts with ``prefix``, oldest first."""
        scope = self._scope(kind, prefix)
        if not prefix:
            return builtins.list(scope.values())
        return [e for k, e in scope.items() if k.startswith(prefix)]

    def get(self, kind: str, key: str) -> Doc | None:
        """A copy of the document, or None."""
        with self._lock:
            entry = self._cache.get(kind, {}).get(key)
            return json.loads(entry.text) if entry is not None else None

    def peek(self, kind: str, key: str) -> Doc | None:
        """Like :meth:`get`, but the stored document itself, not a copy: for readers that
        change nothing."""
        with self._lock:
            entry = self._cache.get(kind, {}).get(key)
            return entry.doc if entry is not None else None

    def stamp(self, kind: str, key: str) -> int:
        """A number that changes whenever the document is written or deleted (0: absent)."""
        with self._lock:
            entry = self._cache.get(kind, {}).get(key)
            return entry.stamp if entry is not None else 0

    def sequence(self) -> int:
        """A number that grows with every write or deletion (rollbacks included)."""
        with self._lock:
            return self._seq

    def changed_since(self, kind: str, sequence: int) -> builtins.list[str]:
        """The keys of ``kind`` written or deleted since :meth:`sequence` answered
        ``sequence``, most recent first (reading only those)."""
        with self._lock:
            keys = []
            for key, seq in reversed(self._changed.get(kind, {}).items()):
                if seq <= sequence:
                    break
                keys.append(key)
            return keys

    def generation(self, prefix: str, exclude: tuple[str, ...] = ()) -> int:
        """A number that grows whenever any document of a kind starting with ``prefix``
        (other than the kinds in ``exclude``) is written or deleted, rollbacks included."""
        with self._lock:
            return max(
                (
                    seq
                    for kind, seq in self._kind_seq.items()
                    if kind.startswith(prefix) and kind not in exclude
                ),
                default=0,
            )

    def put(self, kind: str, key: str, doc: Doc) -> None:
        text = json.dumps(doc, separators=(",", ":"))
        with self._lock:
            self._remember(kind, key)
            self._set(kind, key, json.loads(text), text)
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, doc) VALUES (?, ?, ?)", (kind, key, text)
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._lock:
            self._remember(kind, key)
            existed = self._drop(kind, key)
            if existed:
                self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
            return existed

    def list(self, kind: str, prefix: str = "") -> list[Doc]:
        """Copies of the documents of one kind whose key starts with ``prefix``, oldest first."""
        with self._lock:
            entries = self._entries(kind, prefix)
            # one parse of them all: cheaper than one per document
            return json.loads(f"[{','.join(e.text for e in entries)}]") if entries else []

    def view(self, kind: str, prefix: str = "") -> builtins.list[Doc]:
        """Like :meth:`list`, but the stored documents themselves, not copies: for readers
        that change nothing and read many documents, where copying them would be most of
        the cost."""
        with self._lock:
            return [e.doc for e in self._entries(kind, prefix)]

    def view_items(self, kind: str, prefix: str = "") -> builtins.list[tuple[str, Doc]]:
        """Like :meth:`view`, with each document's key."""
        with self._lock:
            scope = self._cache.get(kind, {})
            return [(k, scope[k].doc) for k in self._keys(kind, prefix)]

    def count(self, kind: str, prefix: str = "") -> int:
        with self._lock:
            return sum(1 for _ in self._entries(kind, prefix))

    def is_empty(self) -> bool:
        with self._lock:
            return not any(self._cache.values())

    def _remember(self, kind: str, key: str) -> None:
        if self._undo is not None:
            self._undo.append((kind, key, self._cache.get(kind, {}).get(key)))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store still: no other thread reads or writes it meanwhile."""
        with self._lock:
            yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them land, or (on an exception) none of them do."""
        with self._lock:
            if self._undo is not None:  # nested: the outer transaction decides
                yield
                return
            self._undo = []
            self._db.execute("BEGIN")
            saving = self._unsaved_nonces
            self._save_nonces()
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                self._unsaved_nonces[:0] = saving  # used all the same
                self._save_nonces()
                for kind, key, old in reversed(self._undo):
                    if old is None:
                        self._drop(kind, key)
                    else:
                        self._set(kind, key, old.doc, old.text)
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
            seen = self._nonces.get(nonce)
            if seen is not None and now - seen <= window:
                return False
            self._nonces[nonce] = now
            self._unsaved_nonces.append((nonce, now))
            self._nonces_since_prune += 1
            if self._nonces_since_prune >= 1000:
                self._nonces_since_prune = 0
                self._save_nonces()
                self._db.execute("DELETE FROM nonces WHERE seen < ?", (now - window,))
                self._nonces = {n: t for n, t in self._nonces.items() if t >= now - window}
            return True

    def _save_nonces(self) -> None:
        """Write the nonces used since the last save (in the transaction open, if any)."""
        if self._unsaved_nonces:
            self._db.executemany(
                "INSERT OR REPLACE INTO nonces (nonce, seen) VALUES (?, ?)", self._unsaved_nonces
            )
            self._unsaved_nonces = []

    def nonce_count(self) -> int:
        with self._lock:
            self._save_nonces()
            return int(self._db.execute("SELECT COUNT(*) FROM nonces").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._save_nonces()
            self._db.close()


def _create_private(path: Path) -> None:
    """Create the file 0600 if it does not exist yet (whatever the umask), and make it 0600."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    _make_private(path)


def _make_private(path: Path) -> None:
    if path.exists():
        path.chmod(0o600)
