"""config.toml, import candidates, sandbox accounts, and resolving credentials at use time."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

import pytest

from armstui import paths, profiles
from armstui.credentials import (
    CliProfile,
    CredentialError,
    EnvCredentials,
    SandboxKey,
    StsSession,
    VaultKey,
    resolve_credentials,
    vault_name,
)
from armstui.model import Account, Credentials, InvalidInput
from armstui.secrets import redaction
from armstui.vault import MemoryVault

UID_A, UID_B = "1234567890123456", "6543210987654321"
KEY_A = "LTAI5tAbCdEfGhIjKlMn0123"


def _cli_config(home: Path, profiles_: list[dict], current: str = "default") -> Path:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"current": current, "profiles": profiles_, "meta_path": ""}))
    return path


def test_config_round_trip_private_and_in_the_platform_dir(isolated_home: Path) -> None:
    config = profiles.load()
    assert config == profiles.Config()
    config.add(Account("prod-a", UID_A, "cn-shanghai", VaultKey(KEY_A), production=True))
    config.add(Account("prod-b", UID_B, credential=CliProfile("work")))
    config.add(Account("ci", UID_B, credential=EnvCredentials()))
    config.monitoring, config.sources, config.vault = "prod-a", ["prod-b"], "file"
    path = profiles.save(config)
    assert path == isolated_home / ".config" / "armstui" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert profiles.load() == config


def test_armstui_config_overrides_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "my.toml"
    monkeypatch.setenv("ARMSTUI_CONFIG", str(target))
    config = profiles.Config(accounts=[Account("a", UID_A, credential=EnvCredentials())])
    assert profiles.save(config) == target
    assert profiles.load().accounts[0].alias == "a"


def test_a_secret_is_never_written(isolated_home: Path) -> None:
    secret = secrets.token_urlsafe(22)
    redaction.redactor.add(secret)
    config = profiles.Config(accounts=[Account("a", UID_A, credential=CliProfile(secret))])
    with pytest.raises(ValueError) as info:
        profiles.save(config)
    assert "accounts.a contains a secret" in str(info.value)
    assert secret not in str(info.value)
    assert not paths.config_path().exists()


@pytest.mark.parametrize(
    "ref",
    [
        StsSession(Credentials("LTAI1234567890abcd", "tmp-secret-123", "tok-123456")),
        SandboxKey("LTAI1234567890abcd", Path("/x/sandbox.json")),
    ],
)
def test_memory_only_and_sandbox_accounts_cannot_be_saved(ref: object) -> None:
    with pytest.raises(ValueError, match="is not saved to disk"):
        profiles.Config().add(Account("a", UID_A, credential=ref))


def test_aliases_are_unique_and_removal_clears_the_choices() -> None:
    config = profiles.Config(
        accounts=[Account("a", UID_A), Account("b", UID_B)], monitoring="a", sources=["b", "a"]
    )
    with pytest.raises(InvalidInput, match="^alias: must not be in use already"):
        config.add(Account("a", UID_B))
    config.remove("a")
    assert (config.monitoring, config.sources) == (None, ["b"])
    with pytest.raises(InvalidInput, match="^alias: must name a configured account"):
        config.remove("a")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[accounts.a]\nuid = "123"\n',
            r"accounts\.a\.uid: must be 16 digits \(got 3 characters\)",
        ),
        ('vault = "plain"\n', r"vault: must be one of keyring, file, memory"),
        (
            f'[accounts.a]\nuid = "{UID_A}"\ncredential = {{ source = "magic" }}\n',
            r"accounts\.a\.credential: must be source",
        ),
        ("not toml [", r"config\.toml: "),
    ],
)
def test_a_broken_config_names_the_entry(text: str, message: str) -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(profiles.ConfigError, match=message):
        profiles.load()


# --- import candidates ------------------------------------------------------------------


def test_candidates_from_the_aliyun_cli_and_the_environment(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, token = secrets.token_urlsafe(22), secrets.token_urlsafe(40)
    _cli_config(
        isolated_home,
        [
            {
                "name": "default",
                "mode": "AK",
                "access_key_id": KEY_A,
                "access_key_secret": secret,
                "region_id": "cn-beijing",
            },
            {
                "name": "Work Role",
                "mode": "RamRoleArn",
                "access_key_id": KEY_A,
                "access_key_secret": secret,
                "ram_role_arn": f"acs:ram::{UID_B}:role/arms-admin",
                "ram_session_name": "me",
            },
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "r"},
        ],
    )
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "Work Role")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenvironment1234")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", token)
    found = profiles.import_candidates()
    assert [c.name for c in found] == [
        "Work Role",
        "default",
        "ecs",
        "env",
    ]  # the CLI's default first
    work, default, ecs, env = found
    assert (
        work.default
        and work.uid == UID_B
        and work.alias == "work-role"
        and work.credential == CliProfile("Work Role")
    )
    assert default.region == "cn-beijing" and default.uid is None and default.problem is None
    assert "EcsRamRole is not supported" in ecs.problem
    assert env.credential == EnvCredentials() and env.access_key_id == "LTAIenvironment1234"
    assert secret not in repr(found) and token not in repr(found)
    assert redaction.redact(secret + token) == "********"


def test_no_candidates_on_a_clean_machine() -> None:
    assert profiles.import_candidates() == []


@pytest.mark.parametrize(
    ("name", "alias"),
    [("Prod A", "prod-a"), ("9lives", "p-9lives"), ("___", "p"), ("x" * 40, "x" * 32)],
)
def test_suggest_alias(name: str, alias: str) -> None:
    assert profiles.suggest_alias(name) == alias


# --- resolving --------------------------------------------------------------------------


def test_resolve_cli_profiles_at_use_time(isolated_home: Path) -> None:
    secret, token = secrets.token_urlsafe(22), secrets.token_urlsafe(40)
    _cli_config(
        isolated_home,
        [
            {"name": "ak", "mode": "AK", "access_key_id": KEY_A, "access_key_secret": secret},
            {
                "name": "sts",
                "mode": "StsToken",
                "access_key_id": "STS.abcdefgh12",
                "access_key_secret": secret,
                "sts_token": token,
            },
            {
                "name": "role",
                "mode": "RamRoleArn",
                "access_key_id": KEY_A,
                "access_key_secret": secret,
                "ram_role_arn": f"acs:ram::{UID_B}:role/arms-admin",
            },
        ],
    )
    ak = resolve_credentials(Account("a", UID_A, credential=CliProfile("ak")))
    assert (ak.base.access_key_id, ak.base.access_key_secret, ak.base.security_token) == (
        KEY_A,
        secret,
        None,
    )
    assert ak.assume_role_arn is None
    sts = resolve_credentials(Account("a", UID_A, credential=CliProfile("sts")))
    assert sts.base.security_token == token
    role = resolve_credentials(Account("a", UID_B, credential=CliProfile("role")))
    assert (role.assume_role_arn, role.session_name) == (
        f"acs:ram::{UID_B}:role/arms-admin",
        "armstui",
    )
    assert secret not in repr(role) and token not in repr(sts)
    with pytest.raises(
        CredentialError, match=r"^profile 'gone' not found in ~/\.aliyun/config\.json$"
    ):
        resolve_credentials(Account("a", UID_A, credential=CliProfile("gone")))


def test_cli_problems_are_named_without_the_secret(isolated_home: Path) -> None:
    secret = secrets.token_urlsafe(22)
    _cli_config(
        isolated_home,
        [{"name": "half", "mode": "StsToken", "access_key_id": KEY_A, "access_key_secret": secret}],
    )
    with pytest.raises(CredentialError) as info:
        resolve_credentials(Account("a", UID_A, credential=CliProfile("half")))
    assert (
        str(info.value)
        == "profile 'half' in ~/.aliyun/config.json has mode StsToken but no sts_token"
    )
    (isolated_home / ".aliyun" / "config.json").write_text(
        '{"profiles": [{"access_key_secret": "' + secret + '"'
    )
    with pytest.raises(CredentialError) as info:
        resolve_credentials(Account("a", UID_A, credential=CliProfile("half")))
    assert "cannot be read as JSON" in str(info.value) and secret not in str(info.value)


def test_resolve_environment_at_use_time(monkeypatch: pytest.MonkeyPatch) -> None:
    account = Account("ci", UID_A, credential=EnvCredentials())
    with pytest.raises(CredentialError, match="^ALIBABA_CLOUD_ACCESS_KEY_ID is not set$"):
        resolve_credentials(account)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_A)
    with pytest.raises(CredentialError, match="^ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set$"):
        resolve_credentials(account)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-value")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token-value")
    got = resolve_credentials(account).base
    assert (got.access_key_id, got.access_key_secret, got.security_token) == (
        KEY_A,
        "env-secret-value",
        "env-token-value",
    )


def test_resolve_vault_keys() -> None:
    mem = MemoryVault()
    account = Account("a", UID_A, credential=VaultKey(KEY_A))
    with pytest.raises(CredentialError, match=r"^no secret for key LTAI…0123 in the vault"):
        resolve_credentials(account, mem)
    mem.store(vault_name(KEY_A), "vault-secret-value")
    assert resolve_credentials(account, mem).base.access_key_secret == "vault-secret-value"


# --- the sandbox ------------------------------------------------------------------------


def _sandbox_json(tmp_path: Path) -> tuple[Path, dict]:
    accounts = {
        alias: {
            "uid": uid,
            "access_key_id": f"LTAI{alias[:4]}000000000000",
            "access_key_secret": secrets.token_hex(15),
        }
        for alias, uid in (
            ("outsider", "3000000000000003"),
            ("monitoring", UID_A),
            ("source", UID_B),
        )
    }
    path = tmp_path / "sandbox.json"
    path.write_text(
        json.dumps({"endpoint": "127.0.0.1:1234", "region": "cn-hangzhou", "accounts": accounts})
    )
    return path, accounts


def test_sandbox_accounts_come_from_sandbox_json(tmp_path: Path) -> None:
    path, seeded = _sandbox_json(tmp_path)
    accounts = profiles.sandbox_accounts(path)
    assert [a.alias for a in accounts] == ["monitoring", "source", "outsider"]
    assert accounts[0].uid == UID_A and accounts[0].credential == SandboxKey(
        seeded["monitoring"]["access_key_id"], path
    )
    resolved = resolve_credentials(accounts[1])
    assert resolved.base.access_key_secret == seeded["source"]["access_key_secret"]
    assert all(seeded[a]["access_key_secret"] not in repr(accounts) for a in seeded)
    with pytest.raises(ValueError):
        profiles.Config().add(accounts[0])  # never written to the real config


def test_a_missing_sandbox_is_explained(tmp_path: Path) -> None:
    with pytest.raises(profiles.ConfigError, match="does not exist: is the sandbox running"):
        profiles.sandbox_accounts(tmp_path / "sandbox.json")


def test_the_real_sandbox_description(sandbox) -> None:
    """Against the sandbox's own world, whatever it seeds."""
    from tests.support.sandbox import RunningSandbox

    assert isinstance(sandbox, RunningSandbox)
    info = {"endpoint": "x", "region": "cn-hangzhou", "accounts": sandbox.accounts}
    path = Path(paths.data_dir()) / "sandbox.json"
    path.write_text(json.dumps(info))
    accounts = profiles.sandbox_accounts(path)
    assert [a.alias for a in accounts][:3] == ["monitoring", "source", "outsider"]
    for account in accounts:
        seeded = sandbox.accounts[account.alias]
        base = resolve_credentials(account).base
        assert (account.uid, base.access_key_id, base.access_key_secret) == (
            seeded["uid"],
            seeded["access_key_id"],
            seeded["access_key_secret"],
        )
