"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui.secrets import file_vault

PASSPHRASE = "a sandbox passphrase"


@pytest.fixture
def file_vault_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The encrypted file vault with a cheap key derivation, its passphrase in a file."""
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    pw = tmp_path / "pw"
    pw.write_text(PASSPHRASE + "\n")
    pw.chmod(0o600)
    return {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
