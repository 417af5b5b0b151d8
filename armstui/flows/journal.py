"""What happened, per setup: every run, step outcome and cloud call, for resume and audit.

SQLite under the data dir (file 0600 in a 0700 dir). Text passes through
``redact`` before it is written: the journal never holds a secret. A run whose
``finished_at`` is empty was interrupted; the next ``apply`` of the same setup resumes it
(steps are idempotent, so resuming means running again: what holds is ``already``).
Resources this tool created are recorded too, so a later teardown knows what it owns.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from armstui.flows.step import Step
from armstui.secrets.private_files import create_private_file
from armstui.secrets.redaction import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, setup_key TEXT NOT NULL, mode TEXT NOT NULL,
    started_at REAL NOT NULL, finished_at REAL, exit_code INTEGER, step_count INTEGER);
CREATE TABLE IF NOT EXISTS steps (
    run_id INTEGER NOT NULL, step_id TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (run_id, step_id));
CREATE TABLE IF NOT EXISTS created (
    id INTEGER PRIMARY KEY AUTOINCREMENT, setup_key TEXT NOT NULL, account TEXT NOT NULL,
    kind TEXT NOT NULL, name TEXT NOT NULL, run_id INTEGER, created_at REAL NOT NULL,
    removed_at REAL, actor TEXT);
CREATE TABLE IF NOT EXISTS rotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, setup_key TEXT NOT NULL, old_key TEXT NOT NULL,
    new_key TEXT, started_at REAL NOT NULL, finished_at REAL, new_key_at REAL,
    old_key_gone_at REAL);
"""


def actor() -> str:
    """Who ran armstui: the OS user and host (the journal's "by whom")."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"


class JournalUnreadable(RuntimeError):
    """The journal file is not a database we can use (truncated, overwritten, another
    program's): the message names the file and how to move it aside."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the journal {path} cannot be used ({reason}). Nothing was changed. Move it "
            f"aside and run again (a new journal is started; the old runs stay in the moved "
            f"file): mv {path} {path}.broken"
        )
        self.path = path


class Journal:
    def __init__(self, path: Path) -> None:
        create_private_file(path)
        self.path = path
        try:
            self._open(path)
        except sqlite3.DatabaseError as exc:
            db = getattr(self, "_db", None)
            if db is not None:
                db.close()
            raise JournalUnreadable(path, str(exc)) from None
        self._lock = threading.Lock()
        self._actor = actor()

    def _open(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # A file that is not SQLite, or is cut short, fails here rather than mid-run.
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"damaged: {problems[0]}"[:200])
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of armstui
        # loses nothing (what is committed is in the WAL); a power cut may lose the last
        # records. A large run writes ~1200 records on the flows' event loop: one fsync each
        # stalled it for seconds on a busy disk (benchmarks/README.md, fanout).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(created)")}
        if "actor" not in columns:  # journals written before teardown existed
            self._db.execute("ALTER TABLE created ADD COLUMN actor TEXT")
        rotation_columns = {row[1] for row in self._db.execute("PRAGMA table_info(rotations)")}
        for column in ("new_key_at", "old_key_gone_at"):  # the two-key window, added later
            if column not in rotation_columns:
                self._db.execute(f"ALTER TABLE rotations ADD COLUMN {column} REAL")

    def close(self) -> None:
        self._db.close()

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, setup_key: str, mode: str, steps: Iterable[Step]) -> int:
        steps = list(steps)
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO runs (setup_key, mode, started_at, step_count) VALUES (?, ?, ?, ?)",
                (setup_key, mode, time.time(), len(steps)),
            )
            return int(cur.lastrowid or 0)

    def record_step(self, run_id: int, state: Any) -> None:
        text = redact(json.dumps(state.to_dict()))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO steps (run_id, step_id, state) VALUES (?, ?, ?)",
                (run_id, state.step_id, text),
            )

    def finish_run(self, run_id: int | None, exit_code: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE runs SET finished_at = ?, exit_code = ? WHERE id = ?",
                (time.time(), exit_code, run_id),
            )

    def last_run(
        self,
        setup_key: str | None = None,
        *,
        flow: str | None = None,
        modes: tuple[str, ...] = ("apply", "verify"),
    ) -> dict[str, Any] | None:
        """The newest run (of these modes, of this setup or flow), with its steps; None if none."""
        query = "SELECT id, setup_key, mode, started_at, finished_at, exit_code, step_count FROM runs WHERE mode IN ({})".format(
            ",".join("?" * len(modes))
        )
        args: list[Any] = list(modes)
        if setup_key is not None:
            query += " AND setup_key = ?"
            args.append(setup_key)
        if flow is not None:
            query += " AND setup_key LIKE ?"
            args.append(f"{flow}:%")
        with self._lock:
            row = self._db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
            if row is None:
                return None
            steps = [
                json.loads(s)
                for (s,) in self._db.execute(
                    "SELECT state FROM steps WHERE run_id = ? ORDER BY rowid", (row[0],)
                )
            ]
        keys = ("id", "setup_key", "mode", "started_at", "finished_at", "exit_code", "step_count")
        return {**dict(zip(keys, row)), "steps": steps}

    def interrupted_run(self, setup_key: str) -> dict[str, Any] | None:
        """The newest apply of this setup if it never finished (to offer a resume)."""
        run = self.last_run(setup_key, modes=("apply",))
        return run if run and run["finished_at"] is None else None

    def last_interrupted(self) -> dict[str, Any] | None:
        """The newest apply, of any setup, if it never finished."""
        run = self.last_run(modes=("apply",))
        return run if run and run["finished_at"] is None else None

    # --- what we created ------------------------------------------------------------------

    def record_created(
        self, setup_key: str, account: str, kind: str, name: str, run_id: int | None = None
    ) -> None:
        """Remember that a run of this setup created (or is about to create) a resource.

        Recorded before the creating call, so a crash right after it still leaves the record;
        teardown observes the resource before removing it, so a record of a call that never
        landed costs nothing. Recorded once per live resource."""
        name = redact(name)
        with self._lock:
            known = self._db.execute(
                "SELECT 1 FROM created WHERE setup_key = ? AND account = ? AND kind = ? AND name = ? AND removed_at IS NULL",
                (setup_key, account, kind, name),
            ).fetchone()
            if known is None:
                self._db.execute(
                    "INSERT INTO created (setup_key, account, kind, name, run_id, created_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (setup_key, account, kind, name, run_id, time.time(), self._actor),
                )

    def mark_removed(self, setup_key: str, account: str, kind: str, name: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE created SET removed_at = ? WHERE setup_key = ? AND account = ? AND kind = ? AND name = ? AND removed_at IS NULL",
                (time.time(), setup_key, account, kind, name),
            )

    def created(self, setup_key: str | None = None) -> list[dict[str, Any]]:
        """Live records (not removed yet), oldest first."""
        query = "SELECT setup_key, account, kind, name, run_id, created_at, actor FROM created WHERE removed_at IS NULL"
        args: list[Any] = []
        if setup_key is not None:
            query += " AND setup_key = ?"
            args.append(setup_key)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        keys = ("setup_key", "account", "kind", "name", "run_id", "created_at", "actor")
        return [dict(zip(keys, r)) for r in rows]

    # --- key rotations ---------------------------------------------------------------------

    def open_rotation(self, setup_key: str) -> dict[str, Any] | None:
        """The rotation of this setup's reporting key that has not finished, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, old_key, new_key, started_at, new_key_at, old_key_gone_at "
                "FROM rotations WHERE setup_key = ? AND finished_at IS NULL "
                "ORDER BY id DESC LIMIT 1",
                (setup_key,),
            ).fetchone()
        fields = ("id", "old_key", "new_key", "started_at", "new_key_at", "old_key_gone_at")
        return dict(zip(fields, row)) if row else None

    def last_rotation(self, setup_key: str) -> dict[str, Any] | None:
        """The newest rotation of this setup, finished or not, with its two-key window."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, old_key, new_key, started_at, finished_at, new_key_at, "
                "old_key_gone_at FROM rotations WHERE setup_key = ? ORDER BY id DESC LIMIT 1",
                (setup_key,),
            ).fetchone()
        fields = (
            "id",
            "old_key",
            "new_key",
            "started_at",
            "finished_at",
            "new_key_at",
            "old_key_gone_at",
        )
        return dict(zip(fields, row)) if row else None

    def start_rotation(self, setup_key: str, old_key: str) -> dict[str, Any]:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO rotations (setup_key, old_key, started_at) VALUES (?, ?, ?)",
                (setup_key, old_key, time.time()),
            )
        return {
            "id": int(cur.lastrowid or 0),
            "old_key": old_key,
            "new_key": None,
            "started_at": time.time(),
        }

    def set_rotation_key(self, rotation_id: int, new_key: str, at: float | None = None) -> None:
        """The rotation's new key; ``at``: when it was created (the two-key window opens)."""
        with self._lock:
            self._db.execute(
                "UPDATE rotations SET new_key = ?, new_key_at = COALESCE(new_key_at, ?) "
                "WHERE id = ?",
                (new_key, at, rotation_id),
            )

    def close_two_key_window(self, rotation_id: int, at: float) -> None:
        """The old key is gone: the user has one key again."""
        with self._lock:
            self._db.execute(
                "UPDATE rotations SET old_key_gone_at = COALESCE(old_key_gone_at, ?) WHERE id = ?",
                (at, rotation_id),
            )

    def finish_rotation(self, rotation_id: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE rotations SET finished_at = ? WHERE id = ?", (time.time(), rotation_id)
            )
