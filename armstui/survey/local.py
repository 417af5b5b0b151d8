"""The doctor's checks of this machine: where secrets rest, and who may read armstui's files."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from armstui.survey.doctor import Finding, Status

LOCAL = "local"
VAULT_NOTES = {
    "keyring": (Status.OK, "the OS keyring"),
    "file": (Status.OK, "the encrypted file (scrypt + AES-256-GCM)"),
    "memory": (
        Status.WARN,
        "session only: secrets are forgotten when armstui exits",
    ),
}


def vault_finding(vault: Any) -> Finding:
    """Which vault holds the secrets; None means none could be opened."""
    if vault is None:
        return Finding(
            LOCAL,
            "vault",
            Status.WARN,
            "no vault is open",
            "Run armstui once to choose one (the keyring, or the encrypted file over SSH).",
        )
    kind = str(getattr(vault, "kind", "unknown"))
    status, seen = VAULT_NOTES.get(kind, (Status.WARN, f"an unknown vault ({kind})"))
    fix = "" if status is Status.OK else "Choose the keyring or the encrypted file vault."
    return Finding(LOCAL, "vault", status, seen, fix)


def file_modes_finding(data_dir: Path) -> Finding:
    """Whether anyone but the owner may read or enter the data folder or a file in it."""
    if not data_dir.exists():
        return Finding(LOCAL, "file modes", Status.OK, f"{data_dir} does not exist yet")
    loose = [
        p
        for p in [data_dir, *data_dir.rglob("*")]
        if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    if not loose:
        return Finding(LOCAL, "file modes", Status.OK, f"{data_dir}: private to this user")
    shown = ", ".join(f"{p} ({stat.S_IMODE(p.stat().st_mode):o})" for p in loose[:5])
    return Finding(
        LOCAL,
        "file modes",
        Status.FAIL,
        f"readable by others: {shown}",
        f"chmod -R go-rwx {data_dir}",
    )
