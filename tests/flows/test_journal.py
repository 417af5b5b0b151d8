"""The journal's record of what armstui created, and of key rotations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from armstui.flows.journal import Journal


def test_a_creation_is_recorded_once_with_run_who_and_when_until_removed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    run = journal.start_run("ack:monitoring:source", "apply", [])
    for _ in range(2):  # a re-applied step records its intent again: still one record
        journal.record_created(
            "ack:monitoring:source", "monitoring", "ram-user", "armstui-reporter", run
        )
    journal.record_created("ecs:monitoring:source", "monitoring", "ram-user", "armstui-viewer", run)
    (record,) = journal.created("ack:monitoring:source")
    assert (record["kind"], record["name"], record["run_id"]) == (
        "ram-user",
        "armstui-reporter",
        run,
    )
    assert "@" in record["actor"] and record["created_at"] > 0
    journal.mark_removed("ack:monitoring:source", "monitoring", "ram-user", "armstui-reporter")
    assert journal.created("ack:monitoring:source") == []
    journal.record_created(
        "ack:monitoring:source", "monitoring", "ram-user", "armstui-reporter", run
    )  # made again
    assert len(journal.created("ack:monitoring:source")) == 1 and len(journal.created()) == 2


def test_a_journal_from_before_teardown_gains_the_actor_column(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE created (id INTEGER PRIMARY KEY AUTOINCREMENT, setup_key TEXT NOT NULL, account TEXT NOT NULL,"
        " kind TEXT NOT NULL, name TEXT NOT NULL, run_id INTEGER, created_at REAL NOT NULL, removed_at REAL)"
    )
    db.execute(
        "INSERT INTO created (setup_key, account, kind, name, run_id, created_at) VALUES ('k', 'a', 'ram-user', 'u', 1, 1.0)"
    )
    db.commit()
    db.close()
    journal = Journal(path)
    assert journal.created("k")[0]["actor"] is None
    journal.record_created("k", "a", "ram-role", "r", 2)
    assert journal.created("k")[1]["actor"]


def test_a_rotation_stays_open_until_finished(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    assert journal.open_rotation("ack:a:b") is None
    rotation = journal.start_rotation("ack:a:b", "LTAIold")
    assert journal.open_rotation("ack:a:b") == {
        **journal.open_rotation("ack:a:b"),
        "old_key": "LTAIold",
        "new_key": None,
    }
    journal.set_rotation_key(rotation["id"], "LTAInew")
    assert journal.open_rotation("ack:a:b")["new_key"] == "LTAInew"
    assert journal.open_rotation("ack:other:b") is None
    journal.finish_rotation(rotation["id"])
    assert journal.open_rotation("ack:a:b") is None
