"""config.toml is changed under a lock: processes adding accounts at once lose none."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from armstui import accounts as ops
from armstui import profiles
from armstui.secrets.memory_vault import MemoryVault

WRITERS = 8


def _add(alias: str, start: Barrier) -> None:
    new = ops.NewAccount(
        alias, "1234567890123456", "cn-hangzhou", f"LTAI5t{alias}Abcdefgh", "S" * 30
    )
    start.wait()
    ops.add_account(None, new, MemoryVault())


def test_concurrent_adds_lose_no_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(profiles.CONFIG_ENV, str(tmp_path / "config.toml"))
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WRITERS)
    aliases = [f"acct{i:02d}" for i in range(WRITERS)]
    workers = [context.Process(target=_add, args=(alias, start)) for alias in aliases]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    saved = profiles.load(tmp_path / "config.toml")
    assert sorted(a.alias for a in saved.accounts) == aliases
