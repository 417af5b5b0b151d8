"""The sandbox's vault: its fake keys as JSON in its state dir, apart from every real one."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from armstui.secrets.base import VaultUnavailable, check_entry
from armstui.secrets.private_files import ensure_private_dir, write_private_file
from armstui.secrets.redaction import redactor


class SandboxVault:
    """The sandbox's secrets (fake keys of an emulator) as JSON in its state dir, mode 0600.

    The sandbox must work on a fresh machine without any keyring, and its
    seeded keys already rest in ``sandbox.json`` with the same mode. Never used for real
    accounts: :func:`open_vault` cannot return it.
    """

    kind = "sandbox"

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "vault.json"
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise VaultUnavailable(
                f"cannot read the sandbox vault {self.path}: {type(exc).__name__}"
            ) from None
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def store(self, name: str, secret: str) -> None:
        check_entry(name, secret)
        redactor.add(secret)
        with self._lock:
            entries = self._load()
            entries[name] = secret
            write_private_file(self.path, json.dumps(entries, indent=1).encode())

    def read(self, name: str) -> str | None:
        with self._lock:
            secret = self._load().get(name)
        redactor.add(secret)
        return secret

    def delete(self, name: str) -> bool:
        with self._lock:
            entries = self._load()
            if entries.pop(name, None) is None:
                return False
            write_private_file(self.path, json.dumps(entries, indent=1).encode())
            return True


def open_sandbox_vault(state_dir: Path) -> SandboxVault:
    """The sandbox's own vault, apart from every real one."""
    return SandboxVault(ensure_private_dir(Path(state_dir)))
