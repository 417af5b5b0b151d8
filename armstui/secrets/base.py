"""What every vault shares: its kinds, its errors and the rule for an entry."""

from __future__ import annotations

from typing import Protocol

VAULT_KINDS = ("keyring", "file", "memory")  # for the real accounts, and for each sandbox
PASSPHRASE_FILE_ENV = "ARMSTUI_VAULT_PASSPHRASE_FILE"

REMEDY = (
    "Start a Secret Service (on a desktop: unlock GNOME Keyring or KWallet; over SSH: "
    "`dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock --components=secrets; armstui'`), "
    "or unset PYTHON_KEYRING_BACKEND if it points at an insecure backend. "
    "Without a keyring, two safe ways on: an encrypted file vault unlocked by a passphrase "
    '(`armstui accounts add --vault file`, or vault = "file" in config.toml), or a '
    'session-only vault whose secrets are forgotten when armstui exits (vault = "memory"; '
    "chosen in the app). Plaintext is never offered."
)


class Vault(Protocol):
    """Where secrets rest: an entry name maps to one secret."""

    kind: str

    def store(self, name: str, secret: str) -> None: ...

    def read(self, name: str) -> str | None: ...

    def delete(self, name: str) -> bool: ...


class VaultUnavailable(RuntimeError):
    """No safe vault can be used. The message says why and what to do."""


class WrongPassphrase(VaultUnavailable):
    """The encrypted file vault did not open with the passphrase given."""


def check_entry(name: str, secret: str) -> None:
    if not name:
        raise ValueError("vault entry name: must not be empty")
    if not secret:
        raise ValueError(f"vault entry {name!r}: the secret must not be empty")
