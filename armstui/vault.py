"""The only door to secrets: opens the vault the operator chose.

Secrets (AccessKey secrets, the onepilot reporting key, generated passwords) rest in one
of these vaults (:mod:`armstui.secrets`), all with ``kind``, ``store``, ``read`` and
``delete``:

- :class:`KeyringVault` — the OS keyring (the default);
- :class:`FileVault` — one encrypted file when no secure keyring exists (typical over
  SSH): scrypt + AES-256-GCM;
- :class:`MemoryVault` — session only, forgotten when the process exits.

A sandbox's secrets (the keys and passwords its flows generate, the keys of accounts added
to it) rest in one of the same kinds chosen for that sandbox, apart from the real ones
(:func:`open_sandbox_vault`). Plaintext storage is never offered.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from armstui import paths
from armstui.secrets.base import (
    PASSPHRASE_FILE_ENV,
    REMEDY,
    VAULT_KINDS,
    Vault,
    VaultUnavailable,
    WrongPassphrase,
)
from armstui.secrets.keyring_vault import SERVICE, KeyringVault
from armstui.secrets.memory_vault import MemoryVault, session_vault
from armstui.secrets.redaction import redactor
from armstui.secrets.sandbox_vault import (
    VAULT_FILE,
    keyring_service,
    move_plaintext_entries,
    session_vault_of,
)

__all__ = [
    "PASSPHRASE_FILE_ENV",
    "REMEDY",
    "VAULT_KINDS",
    "KeyringVault",
    "MemoryVault",
    "Passphrase",
    "Vault",
    "VaultUnavailable",
    "WrongPassphrase",
    "keyring_problem",
    "move_plaintext_entries",
    "open_sandbox_vault",
    "open_vault",
    "read_passphrase_file",
    "session_vault",
]

Passphrase = str | Callable[[], str | None] | None
MAX_PASSPHRASE_FILE_BYTES = 4096


def read_passphrase_file(env: dict[str, str] | None = None) -> str | None:
    """The passphrase from the file named by ``ARMSTUI_VAULT_PASSPHRASE_FILE``, if set.

    Only a file's *name* travels in the environment, never the passphrase itself.
    """
    name = (os.environ if env is None else env).get(PASSPHRASE_FILE_ENV)
    if not name:
        return None
    what = f"{PASSPHRASE_FILE_ENV}: {name}"
    try:
        # Read at most one byte past the limit: the variable may name /dev/zero or a huge file.
        with open(name, "rb") as fh:
            raw = fh.read(MAX_PASSPHRASE_FILE_BYTES + 1)
    except OSError as exc:
        raise VaultUnavailable(f"{what}: cannot be read ({type(exc).__name__})") from None
    if len(raw) > MAX_PASSPHRASE_FILE_BYTES:
        raise VaultUnavailable(
            f"{what}: longer than {MAX_PASSPHRASE_FILE_BYTES} bytes, so not a passphrase "
            "file; name a file that holds the passphrase on one line"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "\0"  # refused just below, like any other control character
    passphrase = text.rstrip("\r\n")
    if not passphrase.isprintable():
        raise VaultUnavailable(
            f"{what}: not a line of text (it holds control characters or is not UTF-8); "
            "name a file that holds the passphrase on one line"
        )
    redactor.add(passphrase)
    return passphrase


def open_vault(kind: str | None = None, passphrase: Passphrase = None) -> Vault:
    """Open the vault the operator chose (``keyring`` when ``kind`` is None).

    - ``keyring``: checked now; raises :class:`VaultUnavailable` whose message offers the
      two safe ways on (encrypted file, session only).
    - ``file``: the passphrase is ``passphrase`` (a string, or a callable asked only when
      needed, e.g. the TUI's secret field or ``getpass``), else the file named by
      ``ARMSTUI_VAULT_PASSPHRASE_FILE``; without either, VaultUnavailable says so.
    - ``memory``: :func:`session_vault`.
    """
    return _open(kind or "keyring", passphrase, paths.vault_file_path(), SERVICE, session_vault)


def open_sandbox_vault(state_dir: Path, kind: str, passphrase: Passphrase = None) -> Vault:
    """The vault of kind ``kind`` for every secret of the sandbox in ``state_dir``: the
    keyring under a service name of that sandbox's own, the encrypted file ``vault.enc``
    in ``state_dir``, or a session-only vault of that sandbox's own; never mixed with the
    real accounts' secrets. Only opened: which kind the sandbox uses, and moving what an
    older version left in its plaintext ``vault.json`` (:func:`move_plaintext_entries`),
    are :func:`armstui.accounts.sandbox_vault`'s."""
    state_dir = Path(state_dir)
    return _open(
        kind,
        passphrase,
        state_dir / VAULT_FILE,
        keyring_service(state_dir),
        lambda: session_vault_of(state_dir),
    )


def keyring_problem() -> str | None:
    """Why no secure keyring can be used here (the refusal's message), or None."""
    try:
        _ = KeyringVault().backend
    except VaultUnavailable as exc:
        return str(exc)
    return None


def _open(
    kind: str,
    passphrase: Passphrase,
    file_path: Path,
    service: str,
    memory: Callable[[], Vault],
) -> Vault:
    if kind == "keyring":
        vault = KeyringVault(service)
        _ = vault.backend  # fail now, with the remedy, rather than halfway through a flow
        return vault
    if kind == "memory":
        return memory()
    if kind == "file":
        # Loaded here: it imports cryptography, which the first frame need not pay for.
        from armstui.secrets.file_vault import FileVault

        given = passphrase() if callable(passphrase) else passphrase
        given = given if given is not None else read_passphrase_file()
        if given is None:
            raise VaultUnavailable(
                f"The encrypted vault {file_path} needs its passphrase: enter it when asked, or "
                f"set {PASSPHRASE_FILE_ENV} to a file (mode 0600) that holds it."
            )
        return FileVault(file_path, given)
    raise VaultUnavailable(f"vault: must be one of {', '.join(VAULT_KINDS)} (got {kind!r})")
