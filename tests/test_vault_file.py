"""The encrypted file vault: round trip, wrong passphrase, file modes, no plaintext on disk."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

import pytest

from armstui import vault
from armstui.model import InvalidInput
from armstui.secrets import file_vault as vault_file
from armstui.secrets.file_vault import FileVault
from armstui.vault import VaultUnavailable, WrongPassphrase

PASSPHRASE = "correct horse battery"
DEFAULT_N = vault_file.SCRYPT_N  # read before the fixture below lowers it


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault_file, "SCRYPT_N", 2**12)  # the default costs 0.3 s per open


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_and_a_second_opening(tmp_path: Path) -> None:
    path = tmp_path / "data" / "vault.enc"
    secret = secrets.token_urlsafe(22)
    v = FileVault(path, PASSPHRASE)
    assert v.kind == "file"
    assert v.read("accesskey/LTAIx") is None
    v.store("accesskey/LTAIx", secret)
    v.store("other", "another-secret-1")
    assert v.read("accesskey/LTAIx") == secret
    again = FileVault(path, PASSPHRASE)
    assert again.read("accesskey/LTAIx") == secret
    assert again.delete("other") is True and again.delete("other") is False
    assert v.read("other") is None  # every read sees the file as it is now


def test_the_file_is_private_and_holds_no_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "vault.enc"
    secret = secrets.token_urlsafe(22)
    FileVault(path, PASSPHRASE).store("accesskey/LTAIkey", secret)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    raw = path.read_bytes()
    assert secret.encode() not in raw
    assert b"accesskey" not in raw  # entry names are sealed too
    assert PASSPHRASE.encode() not in raw
    header = json.loads(raw)
    assert header["kdf"]["name"] == "scrypt" and header["cipher"] == "AES-256-GCM"
    assert not list(path.parent.glob(".vault.enc.*"))  # no temp file left behind


def test_a_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "vault.enc"
    secret = secrets.token_urlsafe(22)
    FileVault(path, PASSPHRASE).store("k", secret)
    before = path.read_bytes()
    wrong = "not the passphrase"
    with pytest.raises(WrongPassphrase) as info:
        FileVault(path, wrong)
    message = str(info.value)
    assert "Wrong passphrase" in message and str(path) in message
    assert wrong not in message and secret not in message
    assert isinstance(info.value, VaultUnavailable)
    assert path.read_bytes() == before


def test_tampering_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "vault.enc"
    FileVault(path, PASSPHRASE).store("k", "a-secret-value")
    header = json.loads(path.read_text())
    header["kdf"]["n"] = 2**10  # a downgraded KDF is part of the authenticated header
    path.write_text(json.dumps(header))
    with pytest.raises(WrongPassphrase):
        FileVault(path, PASSPHRASE)


def test_each_write_uses_a_fresh_nonce(tmp_path: Path) -> None:
    path = tmp_path / "vault.enc"
    v = FileVault(path, PASSPHRASE)
    v.store("k", "a-secret-value")
    first = json.loads(path.read_text())["nonce"]
    v.store("k", "a-secret-value")
    assert json.loads(path.read_text())["nonce"] != first


def test_a_short_passphrase_is_refused_for_a_new_vault(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInput, match=r"^passphrase: must be at least 8 characters \(got 5 characters\)$"
    ):
        FileVault(tmp_path / "vault.enc", "short")
    assert not (tmp_path / "vault.enc").exists()


def test_not_a_vault_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "vault.enc"
    path.write_text("{}")
    path.chmod(0o600)
    with pytest.raises(VaultUnavailable, match="cannot be used: not an armstui vault"):
        FileVault(path, PASSPHRASE)


def test_the_default_kdf_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_N == 2**17  # OWASP's minimum for scrypt
    monkeypatch.setattr(vault_file, "SCRYPT_N", DEFAULT_N)
    FileVault(tmp_path / "vault.enc", PASSPHRASE)
    assert json.loads((tmp_path / "vault.enc").read_text())["kdf"]["n"] == 2**17


def test_open_vault_file_takes_the_passphrase_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(VaultUnavailable, match="ARMSTUI_VAULT_PASSPHRASE_FILE"):
        vault.open_vault("file")
    pw = tmp_path / "pw"
    pw.write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(pw))
    v = vault.open_vault("file")
    v.store("k", "secret-from-file-vault")
    # the file lives under the platform data dir, and a callable passphrase works too
    assert (Path.home() / ".local/share/armstui/vault.enc").exists()
    assert vault.open_vault("file", lambda: PASSPHRASE).read("k") == "secret-from-file-vault"
    with pytest.raises(WrongPassphrase):
        vault.open_vault("file", "another passphrase")
