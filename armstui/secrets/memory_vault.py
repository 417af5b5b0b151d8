"""The session-only vault: secrets live in this process and are forgotten when it exits."""

from __future__ import annotations

import threading

from armstui.secrets.base import check_entry
from armstui.secrets.redaction import redactor


class MemoryVault:
    """Session only: secrets live in this process and are forgotten when it exits."""

    kind = "memory"

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}
        self._lock = threading.Lock()

    def store(self, name: str, secret: str) -> None:
        check_entry(name, secret)
        redactor.add(secret)
        with self._lock:
            self._entries[name] = secret

    def read(self, name: str) -> str | None:
        with self._lock:
            return self._entries.get(name)

    def delete(self, name: str) -> bool:
        with self._lock:
            return self._entries.pop(name, None) is not None


_session_vault = MemoryVault()


def session_vault() -> MemoryVault:
    """The process's one session-only vault, so every part of the app sees the same one."""
    return _session_vault
