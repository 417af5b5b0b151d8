"""What the store tells readers that keep something derived from it: listings by key prefix in
the order of a full scan, each document's stamp, each kind's generation and the keys changed
since a point, all moving on rollbacks too."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui.sandbox.store import Store


def test_prefix_listings_keep_the_order_of_a_full_scan(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    for key in ("a/1", "b/1", "a/2", "ab/1", "a/3", "plain"):
        store.put("k", key, {"key": key})
    store.put("k", "a/1", {"key": "a/1", "again": True})  # keeps its place
    store.delete("k", "a/2")
    store.put("k", "a/2", {"key": "a/2"})  # back, at the end
    everything = [d["key"] for d in store.list("k")]
    assert everything == ["a/1", "b/1", "ab/1", "a/3", "plain", "a/2"]
    for prefix in ("a/", "a/1", "ab/", "b", "a", "", "plain", "c/"):
        expected = [k for k in everything if k.startswith(prefix)]
        assert [d["key"] for d in store.list("k", prefix)] == expected, prefix
        assert [d["key"] for d in store.view("k", prefix)] == expected, prefix
        assert [k for k, _ in store.view_items("k", prefix)] == expected, prefix
        assert store.count("k", prefix) == len(expected), prefix
    store.close()
    reopened = Store(tmp_path / "s.db")
    assert sorted(d["key"] for d in reopened.list("k", "a/")) == ["a/1", "a/2", "a/3"]


def test_copies_and_views(tmp_path: Path) -> None:
    store = Store(None)
    store.put("k", "a/1", {"items": [1]})
    copy = store.get("k", "a/1")
    assert copy is not None
    copy["items"].append(2)
    assert store.peek("k", "a/1") == {"items": [1]}
    assert store.list("k", "a/")[0] is not store.peek("k", "a/1")
    assert store.view("k", "a/")[0] is store.peek("k", "a/1")
    assert store.peek("k", "missing") is None and store.get("k", "missing") is None


def test_stamps_generations_and_changes_move_with_every_write_and_rollback() -> None:
    store = Store(None)
    store.put("ram.user", "1/a", {"v": 1})
    store.put("ram.keyuse", "K", {"at": 1})
    store.put("cs.addon", "c/x", {"v": 1})
    start = store.sequence()
    stamp, ram = store.stamp("ram.user", "1/a"), store.generation("ram.", exclude=("ram.keyuse",))
    store.put("ram.keyuse", "K", {"at": 2})
    assert store.generation("ram.", exclude=("ram.keyuse",)) == ram  # an excluded kind
    assert store.generation("ram.") > ram
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put("ram.user", "1/a", {"v": 2})
            store.put("ram.user", "1/b", {"v": 1})
            raise RuntimeError("boom")
    assert store.get("ram.user", "1/a") == {"v": 1} and store.peek("ram.user", "1/b") is None
    assert store.stamp("ram.user", "1/a") > stamp  # restored: a reader must look again
    assert store.stamp("ram.user", "1/b") == 0
    assert store.generation("ram.", exclude=("ram.keyuse",)) > ram
    assert sorted(store.changed_since("ram.user", start)) == ["1/a", "1/b"]
    assert store.changed_since("cs.addon", start) == []
    later = store.sequence()
    store.delete("cs.addon", "c/x")
    assert store.changed_since("cs.addon", later) == ["c/x"]
    assert store.changed_since("ram.user", later) == []
