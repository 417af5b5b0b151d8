"""The sandbox's vaults: the secrets the flows generate there (fake keys and passwords of an
emulator) as JSON in its state dir, and, for the accounts the operator added to the
sandbox, the vault they chose (keyring or encrypted file), apart from every real one."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from armstui.secrets.base import Vault, VaultUnavailable, check_entry
from armstui.secrets.private_files import ensure_private_dir, write_private_file
from armstui.secrets.redaction import redactor


class SandboxVault:
    """The secrets the flows generate on the sandbox (fake keys of an emulator) as JSON in
    its state dir, mode 0600.

    The sandbox must work on a fresh machine without any keyring, and its seeded keys
    already rest in ``sandbox.json`` with the same mode. Never used for real accounts nor
    for the keys of accounts the operator adds to the sandbox (:class:`SandboxVaults`).
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


ACCOUNT_KEY_PREFIX = "accesskey/"  # armstui.credentials.vault_name: an account's own key


class SandboxVaults:
    """The sandbox's vault as a workspace sees it: an account's own AccessKey secret
    (entries ``accesskey/…``) in the vault the operator chose for the sandbox, opened on
    first use with ``open_accounts`` (so commands that need none never ask for a
    passphrase); everything else in the sandbox's :class:`SandboxVault`."""

    kind = "sandbox"

    def __init__(self, generated: SandboxVault, open_accounts: Callable[[], Vault]) -> None:
        self.generated = generated
        self._open_accounts = open_accounts
        self._accounts: Vault | None = None
        self._lock = threading.Lock()

    def _for(self, name: str) -> Vault:
        if not name.startswith(ACCOUNT_KEY_PREFIX):
            return self.generated
        with self._lock:
            if self._accounts is None:
                self._accounts = self._open_accounts()
            return self._accounts

    def store(self, name: str, secret: str) -> None:
        self._for(name).store(name, secret)

    def read(self, name: str) -> str | None:
        return self._for(name).read(name)

    def delete(self, name: str) -> bool:
        return self._for(name).delete(name)
