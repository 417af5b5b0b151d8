"""The one place the CLI and the app open a workspace and change accounts
(armstui/accounts.py), on saved accounts in an isolated home without a keyring."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui import accounts as ops
from armstui import paths, profiles
from armstui.credentials import CliProfile, VaultKey, vault_name
from armstui.flows.workspace import WorkspaceError
from armstui.model import Account, InvalidInput
from armstui.secrets import file_vault
from armstui.vault import MemoryVault

UID = "1234567890123456"
KEY_ID = "LTAIabcdefghijklmnop"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)  # the default costs 0.3 s per open


def _save(*accounts: Account, vault: str = "keyring") -> None:
    config = profiles.Config(vault=vault)
    for account in accounts:
        config.add(account)
    profiles.save(config)


def test_without_a_keyring_the_workspace_says_the_vault_is_the_problem() -> None:
    # The test home has no Secret Service: the keyring cannot open.
    with pytest.raises(ops.VaultNotOpened) as info:
        ops.open_workspace()
    assert info.value.exit_code == 2
    assert "encrypted file vault" in str(info.value)


def test_an_account_outside_the_vault_needs_no_vault() -> None:
    _save(
        Account("dev", UID, credential=CliProfile("dev")),
        Account("k", UID, credential=VaultKey(KEY_ID)),
    )
    with ops.open_workspace(vault_for="dev") as workspace:
        assert workspace.vault is None and set(workspace.accounts) == {"dev", "k"}
    with pytest.raises(ops.VaultNotOpened):
        ops.open_workspace(vault_for="k")  # its secret rests in the (unavailable) keyring


@pytest.mark.parametrize("other", ["file", "memory"])
def test_the_vault_holding_the_accounts_secrets_is_not_swapped_for_another(other: str) -> None:
    _save(Account("k", UID, credential=VaultKey(KEY_ID)), vault="keyring")
    with pytest.raises(ops.VaultNotOpened, match="secrets are in the keyring vault") as info:
        ops.open_workspace(vault_kind=other, passphrase="a long passphrase")
    assert info.value.needs == "keyring"
    assert not paths.vault_file_path().exists()
    with pytest.raises(ops.VaultNotOpened) as locked:  # the keyring itself cannot open here
        ops.open_workspace()
    assert locked.value.needs == "keyring"  # so the app asks for that one only


def test_with_no_secret_saved_yet_another_vault_may_be_chosen() -> None:
    _save(Account("dev", UID, credential=CliProfile("dev")), vault="keyring")
    with ops.open_workspace(vault_kind="memory") as workspace:
        assert workspace.vault.kind == "memory"


def test_saved_roles_come_with_the_workspace() -> None:
    config = profiles.Config(vault="memory")
    config.add(Account("a", UID, credential=CliProfile("a")))
    config.add(Account("b", UID, credential=CliProfile("b")))
    config.monitoring, config.sources = "a", ["b"]
    profiles.save(config)
    with ops.open_workspace() as workspace:
        assert workspace.saved_roles == ("a", ["b"])
        assert workspace.vault.kind == "memory"


def test_a_too_short_passphrase_for_a_new_file_vault_is_a_vault_problem() -> None:
    with pytest.raises(ops.VaultNotOpened, match="passphrase: must be at least 8 characters"):
        ops.open_workspace(vault_kind="file", passphrase="short")
    assert not paths.vault_file_path().exists()


def test_a_broken_config_names_the_file() -> None:
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text("vault = [", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="config.toml"):
        ops.open_workspace()


def test_adding_stores_the_secret_then_saves_and_a_failed_save_takes_the_secret_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vault = MemoryVault()
    new = ops.NewAccount("prod-a", UID, "cn-hangzhou", KEY_ID, "S3cret-Value-xyz")
    ops.add_account(None, new, vault, vault_kind="file")
    assert vault.read(vault_name(KEY_ID)) == "S3cret-Value-xyz"
    saved = profiles.load()
    assert saved.vault == "file" and saved.account("prod-a") is not None

    def refuse(config: profiles.Config, path: Path | None = None) -> Path:
        raise profiles.ConfigError("config.toml: cannot be written")

    monkeypatch.setattr(profiles, "save", refuse)
    other = ops.NewAccount("prod-b", UID, "cn-hangzhou", "LTAIzyxwvutsrqponm", "An0ther-Secret")
    with pytest.raises(WorkspaceError, match="cannot be written"):
        ops.add_account(None, other, vault)
    assert vault.read(vault_name("LTAIzyxwvutsrqponm")) is None  # nothing left behind


def test_a_bad_secret_is_refused_before_anything_is_stored() -> None:
    vault = MemoryVault()
    new = ops.NewAccount("prod-a", UID, "cn-hangzhou", KEY_ID, "has a space")
    with pytest.raises(InvalidInput, match="^secret: must be 1-128 printable"):
        ops.add_account(None, new, vault)
    assert vault.read(vault_name(KEY_ID)) is None
    assert not paths.config_path().exists()


def test_removing_keeps_a_secret_another_account_shares() -> None:
    vault = MemoryVault()
    vault.store(vault_name(KEY_ID), "S3cret-Value-xyz")
    _save(
        Account("a", UID, credential=VaultKey(KEY_ID)),
        Account("b", UID, credential=VaultKey(KEY_ID)),
        vault="memory",
    )
    first = ops.remove_account(None, "a", vault)
    assert first.describe() == "Removed a." and vault.read(vault_name(KEY_ID))
    opened: list[str] = []

    def open_vault() -> MemoryVault:
        opened.append("vault")
        return vault

    last = ops.remove_account(None, "b", open_vault)
    assert opened == ["vault"]  # opened only once a secret is to be deleted
    assert last.describe() == "Removed b; its secret was deleted from the memory vault."
    assert vault.read(vault_name(KEY_ID)) is None and profiles.load().accounts == []


def test_reachable_says_why_not() -> None:
    from armstui.vault import VaultUnavailable

    keyed = Account("k", UID, credential=VaultKey(KEY_ID))
    assert ops.reachable(keyed, VaultUnavailable("locked")) == "no: vault unavailable"
    assert ops.reachable(keyed, MemoryVault()).startswith("no: no secret for key LTAI")
    assert ops.reachable(Account("p", UID, credential=CliProfile("p")), None).startswith(
        "no: ~/.aliyun/config.json does not exist"
    )
