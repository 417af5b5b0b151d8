"""The store keeps state across restarts and rolls back failed transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui.sandbox.state import open_state
from armstui.sandbox.store import Store
from armstui.sandbox.world import accounts_by_alias


def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = open_state(tmp_path / "state")
    accounts = accounts_by_alias(first)
    first.store.close()
    again = open_state(tmp_path / "state")
    assert accounts_by_alias(again) == accounts
    assert set(accounts) == {"monitoring", "source", "outsider"}
    assert all(len(a["uid"]) == 16 and a["uid"].isdigit() for a in accounts.values())
    assert ((tmp_path / "state" / "sandbox.db").stat().st_mode & 0o777) == 0o600
    assert ((tmp_path / "state").stat().st_mode & 0o777) == 0o700


def test_each_state_dir_gets_its_own_secrets(tmp_path: Path) -> None:
    a = accounts_by_alias(open_state(tmp_path / "a"))
    b = accounts_by_alias(open_state(tmp_path / "b"))
    assert a["monitoring"]["access_key_secret"] != b["monitoring"]["access_key_secret"]


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.put("k", "keep", {"v": 1})
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put("k", "keep", {"v": 2})
            store.put("k", "new", {"v": 3})
            store.delete("k", "keep")
            raise RuntimeError("boom")
    assert store.get("k", "keep") == {"v": 1}
    assert store.get("k", "new") is None
    store.close()
    reopened = Store(tmp_path / "s.db")
    assert reopened.list("k") == [{"v": 1}]


def test_documents_are_copies(tmp_path: Path) -> None:
    store = Store(None)
    store.put("k", "a", {"items": [1]})
    doc = store.get("k", "a")
    doc["items"].append(2)
    assert store.get("k", "a") == {"items": [1]}
