"""Where a sandbox's secrets rest: every one of them (the keys and passwords its flows
generate, the keys of the accounts the operator added to it) in the vault chosen for that
sandbox, apart from every real one — the keyring under a service name of the sandbox's
own (:func:`keyring_service`), the encrypted file ``vault.enc`` in its state dir, or a
session-only vault of its own (:func:`session_vault_of`). Never a plaintext file: only its
seeded keys stay in its ``sandbox.json``.

Older versions kept the generated secrets in a plaintext ``vault.json`` in the state dir;
:func:`move_plaintext_entries` moves them into the chosen vault once and deletes that file
(called once that choice is saved: :func:`armstui.accounts.sandbox_vault`).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from armstui.secrets.base import Vault, VaultUnavailable
from armstui.secrets.keyring_vault import SERVICE
from armstui.secrets.memory_vault import MemoryVault
from armstui.secrets.private_files import is_special_file
from armstui.secrets.redaction import redactor

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

VAULT_FILE = "vault.enc"  # the encrypted file vault, in the sandbox's state dir
PLAINTEXT_FILE = "vault.json"  # where older versions kept the generated secrets
MAX_PLAINTEXT_BYTES = 16 * 1024 * 1024

_session_vaults: dict[Path, MemoryVault] = {}
_session_lock = threading.Lock()


def keyring_service(state_dir: Path) -> str:
    """The keyring service name of the sandbox in ``state_dir``: the real accounts' name
    and the folder, so no entry mixes with a real one or another sandbox's."""
    return f"{SERVICE}-sandbox {Path(state_dir).resolve()}"


def session_vault_of(state_dir: Path) -> MemoryVault:
    """The session-only vault of the sandbox in ``state_dir``: one per sandbox in this
    process (opening the sandbox again keeps it), apart from the real accounts' one."""
    where = Path(state_dir).resolve()
    with _session_lock:
        return _session_vaults.setdefault(where, MemoryVault())


def move_plaintext_entries(state_dir: Path, vault: Vault) -> int:
    """Move the secrets an older version left in ``state_dir``'s plaintext ``vault.json``
    into ``vault``, then delete the file; how many moved. Under an ``flock`` on the file,
    so two processes opening the sandbox at once move them once.

    A session-only ``vault`` would forget them when this process exits: VaultUnavailable,
    the file untouched. VaultUnavailable too when the file cannot be read (naming it).
    """
    path = Path(state_dir) / PLAINTEXT_FILE
    if is_special_file(path):
        raise _unreadable(path, "not a regular file")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - held open for its lock
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise _unreadable(path, exc.strerror or type(exc).__name__) from None
    with fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if not os.path.samestat(os.fstat(fh.fileno()), os.stat(path)):
                return 0  # another process moved it (and something new took the name)
        except FileNotFoundError:
            return 0  # another process moved it while this one waited for the lock
        entries = _entries(fh.read(MAX_PLAINTEXT_BYTES + 1), path)
        if entries and vault.kind == "memory":
            raise VaultUnavailable(
                "A session-only vault would forget the secrets an older armstui left in this "
                "sandbox's plaintext vault.json. Choose the keyring or the encrypted file: "
                f"they move into it, and {path} goes."
            )
        for name, secret in entries.items():
            vault.store(name, secret)
        os.unlink(path)
    return len(entries)


def _entries(raw: bytes, path: Path) -> dict[str, str]:
    if len(raw) > MAX_PLAINTEXT_BYTES:
        raise _unreadable(path, f"larger than {MAX_PLAINTEXT_BYTES >> 20} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # the error's text would quote the content
        raise _unreadable(path, "not JSON") from None
    if not isinstance(data, dict):
        raise _unreadable(path, "not a JSON object")
    entries = {k: v for k, v in data.items() if isinstance(k, str) and k and isinstance(v, str)}
    entries = {k: v for k, v in entries.items() if v}
    for secret in entries.values():
        redactor.add(secret)
    return entries


def _unreadable(path: Path, why: str) -> VaultUnavailable:
    return VaultUnavailable(
        f"The sandbox's plaintext vault {path}, left by an older armstui, cannot be read "
        f"({why}), so its secrets cannot move into the chosen vault. Nothing was changed; "
        f"move it aside (`mv {path} {path}.broken`) and open the sandbox again."
    )
