"""`armstui accounts`: secrets from stdin or a hidden prompt into the vault, never anywhere else."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from armstui import paths, profiles
from armstui.cli import accounts as accounts_cli
from armstui.cli import main
from armstui.credentials import CliProfile, EnvCredentials, VaultKey, vault_name
from armstui.secrets import file_vault as vault_file
from armstui.vault import KeyringVault

UID = "1234567890123456"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, ["accounts", *args], input=input, env=env, catch_exceptions=False
    )


def add(
    alias: str, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """``accounts add ALIAS --uid UID --access-key-id ...``: ``args`` start with the key ID."""
    return run("add", alias, "--uid", UID, "--access-key-id", *args, input=input, env=env)


def new_key_id() -> str:
    return "LTAI" + secrets.token_hex(10)


def rows(output: str) -> dict[str, dict[str, str]]:
    """`accounts list`'s table: alias -> column -> cell (columns are 2+ spaces apart)."""
    lines = output.splitlines()
    header = lines[0].split()
    starts = [lines[0].index(name) for name in header]
    table = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
        table[cells[0]] = dict(zip(header, cells))
    return table


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def assert_nowhere(secret: str, home: Path, *results: Result) -> None:
    for result in results:
        assert secret not in result.output and secret not in (result.stderr or "")
    for path in files_under(home):
        assert secret.encode() not in path.read_bytes(), f"{path} holds the secret"


@pytest.fixture
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault_file, "SCRYPT_N", 2**12)


# --- add / list / remove with the real Secret Service ---------------------------------------


def test_add_from_stdin_goes_to_the_secret_service_only(
    secret_service: str, isolated_home: Path
) -> None:
    key_id, secret = new_key_id(), secrets.token_urlsafe(22)
    added = run(
        "add",
        "prod-a",
        "--uid",
        UID,
        "--access-key-id",
        key_id,
        "--production",
        input=secret + "\n",
    )
    assert added.exit_code == 0, added.output
    assert f"Added prod-a ({UID}, cn-hangzhou)" in added.output
    assert KeyringVault("armstui").read(vault_name(key_id)) == secret
    assert KeyringVault("armstui-sandbox").read(vault_name(key_id)) is None  # namespaced
    config = profiles.load()
    assert config.vault == "keyring"
    assert (
        config.account("prod-a").credential == VaultKey(key_id)
        and config.account("prod-a").production
    )
    listed = run("list")
    assert listed.exit_code == 0
    assert rows(listed.stdout)["prod-a"] == {
        "ALIAS": "prod-a",
        "UID": UID,
        "REGION": "cn-hangzhou",
        "CREDENTIALS": f"key {key_id[:4]}…{key_id[-4:]} in the vault",
        "READABLE": "yes",
        "NOTES": "production",
    }
    assert key_id not in listed.output  # shown shortened
    assert_nowhere(secret, isolated_home, added, listed)

    removed = run("remove", "prod-a")
    assert removed.exit_code == 0 and "secret was deleted from the keyring vault" in removed.output
    assert KeyringVault("armstui").read(vault_name(key_id)) is None
    assert profiles.load().accounts == []


def test_add_prompts_hidden_on_a_terminal(
    secret_service: str, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_cli, "_stdin_is_terminal", lambda: True)
    key_id, secret = new_key_id(), secrets.token_urlsafe(22)
    result = run("add", "prod-a", "--uid", UID, "--access-key-id", key_id, input=secret + "\n")
    assert result.exit_code == 0, result.output
    assert "AccessKey secret for prod-a" in result.output
    assert KeyringVault("armstui").read(vault_name(key_id)) == secret
    assert_nowhere(secret, isolated_home, result)
    KeyringVault("armstui").delete(vault_name(key_id))


def test_a_removed_vault_secret_shows_as_unreachable(secret_service: str) -> None:
    key_id = new_key_id()
    assert add("a", key_id, input="some-secret-1\n").exit_code == 0
    KeyringVault("armstui").delete(vault_name(key_id))
    listed = run("list")
    assert rows(listed.stdout)["a"]["READABLE"].startswith(
        f"no: no secret for key {key_id[:4]}…{key_id[-4:]} in the vault"
    )


# --- refusals: exit 2, nothing stored --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (
            ["--uid", "123456789012345", "--access-key-id", "LTAI1234567890abcd"],
            "uid: must be 16 digits (got 15 characters)",
        ),
        (
            ["--uid", UID, "--access-key-id", "AKID1234567890abcd"],
            "--access-key-id: must be 'LTAI'",
        ),
        (
            ["--uid", UID, "--access-key-id", "LTAI1234567890abcd", "--region", "Hangzhou"],
            "region: must be a region ID",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    args: list[str], field: str, isolated_home: Path
) -> None:
    secret = secrets.token_urlsafe(22)
    result = run("add", "prod-a", *args, input=secret + "\n")
    assert result.exit_code == 2
    assert field in result.stderr
    assert not paths.config_path().exists()
    assert_nowhere(secret, isolated_home, result)


def test_bad_alias_exits_2() -> None:
    result = run(
        "add",
        "Prod A",
        "--uid",
        UID,
        "--access-key-id",
        "LTAI1234567890abcd",
        input="s3cret-value\n",
    )
    assert result.exit_code == 2 and "alias: must be 1-32 of a-z" in result.stderr


def test_a_secret_pasted_as_the_key_id_is_not_echoed(isolated_home: Path) -> None:
    secret = secrets.token_urlsafe(22)
    result = add("a", secret, input="x\n")
    assert result.exit_code == 2 and "--access-key-id:" in result.stderr
    assert secret not in result.output


def test_there_is_no_secret_option() -> None:
    result = add(
        "a",
        "LTAI1234567890abcd",
        "--secret",
        "s3cret-value",
    )
    assert result.exit_code == 2 and "No such option '--secret'" in result.output


def test_an_empty_secret_is_refused(secret_service: str) -> None:
    result = add("a", new_key_id(), input="\n")
    assert result.exit_code == 2
    assert (
        "secret: must be 1-128 printable characters without spaces (got nothing); nothing was stored"
        in result.stderr
    )
    assert not paths.config_path().exists()


def test_a_plaintext_keyring_is_refused(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_vault import _install_fake_keyrings_alt

    _install_fake_keyrings_alt(monkeypatch)
    secret = secrets.token_urlsafe(22)
    result = add(
        "a",
        "LTAI1234567890abcd",
        input=secret + "\n",
        env={"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"},
    )
    assert result.exit_code == 2
    message = result.stderr
    assert (
        "Refusing the keyring backend keyrings.alt.file.PlaintextKeyring: it stores secrets in a plaintext file"
        in message
    )
    assert "encrypted file vault" in message and "session-only vault" in message
    assert "Plaintext is never offered" in message
    assert not paths.config_path().exists()
    assert_nowhere(secret, isolated_home, result)


def test_no_keyring_at_all_offers_the_two_ways() -> None:
    result = add("a", "LTAI1234567890abcd", input="s3cret-value\n")
    assert result.exit_code == 2
    assert "--vault file" in result.stderr and "session-only" in result.stderr


def test_a_used_alias_is_refused(secret_service: str) -> None:
    key_id = new_key_id()
    assert add("a", key_id, input="first-secret\n").exit_code == 0
    again = add("a", new_key_id(), input="second-secret\n")
    assert again.exit_code == 2 and "alias: 'a' is in use already" in again.stderr
    assert run("remove", "a").exit_code == 0


def test_the_session_only_vault_makes_no_sense_for_a_command() -> None:
    result = add(
        "a",
        "LTAI1234567890abcd",
        "--vault",
        "memory",
        input="x-secret\n",
    )
    assert result.exit_code == 2  # not even a choice: click names the valid ones
    assert "'keyring'" in result.output and "'file'" in result.output


# --- the encrypted file vault ----------------------------------------------------------------


def test_add_into_the_encrypted_file(cheap_kdf: None, isolated_home: Path, tmp_path: Path) -> None:
    passphrase = "a long passphrase"
    pw = tmp_path / "pw"
    pw.write_text(passphrase + "\n")
    env = {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
    key_id, secret = new_key_id(), secrets.token_urlsafe(22)
    added = add(
        "a",
        key_id,
        "--vault",
        "file",
        input=secret + "\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "secret in the file vault" in added.output
    assert profiles.load().vault == "file"
    listed = run("list", env=env)
    assert rows(listed.stdout)["a"]["READABLE"] == "yes"
    assert_nowhere(secret, isolated_home, added, listed)
    assert_nowhere(passphrase, isolated_home, added, listed)

    pw.write_text("the wrong passphrase\n")
    wrong = add("b", new_key_id(), input="other-secret\n", env=env)
    assert wrong.exit_code == 2 and "Wrong passphrase for the encrypted vault" in wrong.stderr
    assert profiles.load().account("b") is None

    locked = run("list")  # no passphrase, no terminal
    assert (
        rows(locked.stdout)["a"]["READABLE"] == "no: vault unavailable"
        and "ARMSTUI_VAULT_PASSPHRASE_FILE" in locked.stderr
    )


def test_the_file_vault_needs_a_passphrase_source(cheap_kdf: None) -> None:
    result = add(
        "a",
        "LTAI1234567890abcd",
        "--vault",
        "file",
        input="s3cret-value\n",
    )
    assert result.exit_code == 2 and "ARMSTUI_VAULT_PASSPHRASE_FILE" in result.stderr
    assert not paths.config_path().exists()


# --- import -----------------------------------------------------------------------------------


def _aliyun_config(home: Path, secret: str) -> None:
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "default",
                "profiles": [
                    {
                        "name": "default",
                        "mode": "AK",
                        "access_key_id": "LTAIdefault123456",
                        "access_key_secret": secret,
                        "region_id": "cn-shanghai",
                    },
                    {
                        "name": "admin",
                        "mode": "RamRoleArn",
                        "access_key_id": "LTAIadmin12345678",
                        "access_key_secret": secret,
                        "ram_role_arn": "acs:ram::6543210987654321:role/arms-admin",
                        "ram_session_name": "ops",
                    },
                    {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "r"},
                ],
            }
        )
    )


def test_import_lists_candidates_without_a_terminal(isolated_home: Path) -> None:
    secret = secrets.token_urlsafe(22)
    _aliyun_config(isolated_home, secret)
    result = run("import")
    assert result.exit_code == 0
    assert (
        "1. aliyun CLI profile 'default': AK, key LTAI…3456, cn-shanghai (current)" in result.output
    )
    assert (
        "aliyun CLI profile 'ecs': EcsRamRole, cn-hangzhou -- cannot import: mode EcsRamRole is not supported"
        in result.output
    )
    assert "Choose with --profile NAME, --env or --all." in result.output
    assert not paths.config_path().exists()
    assert secret not in result.output


def test_import_a_cli_profile(isolated_home: Path) -> None:
    secret = secrets.token_urlsafe(22)
    _aliyun_config(isolated_home, secret)
    missing_uid = run("import", "--profile", "default")
    assert (
        missing_uid.exit_code == 2
        and "--uid: needed for aliyun CLI profile 'default'" in missing_uid.stderr
    )
    done = run("import", "--profile", "default", "--uid", UID)
    assert done.exit_code == 0, done.output
    assert f"Imported default ({UID}, cn-shanghai): aliyun CLI profile 'default'" in done.output
    # RamRoleArn profiles know their account: the role's
    role = run("import", "--profile", "admin", "--alias", "ops-admin")
    assert role.exit_code == 0 and "Imported ops-admin (6543210987654321" in role.output
    config = profiles.load()
    assert [a.credential for a in config.accounts] == [CliProfile("default"), CliProfile("admin")]
    assert secret.encode() not in paths.config_path().read_bytes()
    listed = run("list")
    assert [r["READABLE"] for r in rows(listed.stdout).values()] == ["yes", "yes"]
    assert run("import", "--profile", "default", "--uid", UID).output.startswith(
        "aliyun CLI profile 'default': already imported as default"
    )
    assert_nowhere(secret, isolated_home / ".config", done, role, listed)


def test_import_refusals(isolated_home: Path) -> None:
    _aliyun_config(isolated_home, "cli-secret-value")
    unknown = run("import", "--profile", "nope", "--uid", UID)
    assert unknown.exit_code == 2
    assert (
        "--profile: profile 'nope' not found in ~/.aliyun/config.json (found: default, admin, ecs)"
        in unknown.stderr
    )
    unsupported = run("import", "--profile", "ecs", "--uid", UID)
    assert unsupported.exit_code == 2 and "mode EcsRamRole is not supported" in unsupported.stderr
    bad_uid = run("import", "--profile", "default", "--uid", "12")
    assert (
        bad_uid.exit_code == 2
        and "uid: must be 16 digits (got 2 characters); nothing was imported" in bad_uid.stderr
    )
    no_env = run("import", "--env", "--uid", UID)
    assert (
        no_env.exit_code == 2 and "--env: ALIBABA_CLOUD_ACCESS_KEY_ID is not set" in no_env.stderr
    )
    assert not paths.config_path().exists()


def test_import_all_skips_what_cannot_be_used(isolated_home: Path) -> None:
    _aliyun_config(isolated_home, "cli-secret-value")
    too_many = run("import", "--all", "--uid", UID)
    assert (
        too_many.exit_code == 2 and "--uid: only with a single candidate (got 2)" in too_many.stderr
    )
    (isolated_home / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "admin",
                "profiles": [
                    {
                        "name": "admin",
                        "mode": "RamRoleArn",
                        "access_key_id": "LTAIadmin12345678",
                        "access_key_secret": "x-secret",
                        "ram_role_arn": "acs:ram::6543210987654321:role/arms-admin",
                    },
                    {"name": "ecs", "mode": "EcsRamRole"},
                ],
            }
        )
    )
    result = run("import", "--all")
    assert result.exit_code == 0
    assert "skipped aliyun CLI profile 'ecs'" in result.stderr
    assert [a.alias for a in profiles.load().accounts] == ["admin"]


def test_import_from_the_environment(isolated_home: Path) -> None:
    secret, token = secrets.token_urlsafe(22), secrets.token_urlsafe(40)
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvironment1234",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": token,
    }
    listed = run("import", env=env)
    assert (
        "ALIBABA_CLOUD_* environment variables: StsToken, key LTAI…1234, cn-hangzhou"
        in listed.output
    )
    done = run("import", "--env", "--uid", UID, "--alias", "ci", "--production", env=env)
    assert done.exit_code == 0, done.output
    account = profiles.load().account("ci")
    assert account.credential == EnvCredentials() and account.production
    reachable = run("list", env=env)
    assert rows(reachable.stdout)["ci"]["READABLE"] == "yes"
    unset = run("list")  # read at use time: without the variables it is unreachable
    assert rows(unset.stdout)["ci"]["READABLE"] == "no: ALIBABA_CLOUD_ACCESS_KEY_ID is not set"
    assert_nowhere(secret, isolated_home, listed, done, reachable)
    assert_nowhere(token, isolated_home, listed, done, reachable)


# --- the sandbox ------------------------------------------------------------------------------


def test_sandbox_accounts_are_listed_read_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    seeded = {
        alias: {
            "uid": uid,
            "access_key_id": "LTAI" + secrets.token_hex(10),
            "access_key_secret": secrets.token_hex(15),
        }
        for alias, uid in (
            ("monitoring", UID),
            ("source", "2234567890123456"),
            ("outsider", "3234567890123456"),
        )
    }
    (state / "sandbox.json").write_text(
        json.dumps({"endpoint": "127.0.0.1:1", "region": "cn-hangzhou", "accounts": seeded})
    )
    listed = run("list", "--sandbox-state", str(state))
    assert listed.exit_code == 0
    table = rows(listed.stdout)
    assert list(table) == ["monitoring", "source", "outsider"]
    assert {(r["READABLE"], r["NOTES"]) for r in table.values()} == {("yes", "read-only")}
    assert table["monitoring"]["CREDENTIALS"].startswith("sandbox key LTAI…")
    for entry in seeded.values():
        assert entry["access_key_secret"] not in listed.output
    refused = add(
        "monitoring",
        new_key_id(),
        "--sandbox-state",
        str(state),
        input="s3cret\n",
    )
    assert refused.exit_code == 2 and "seeded" in refused.stderr
    removed = run("remove", "source", "--sandbox-state", str(state))
    assert removed.exit_code == 2 and "read-only" in removed.stderr
    assert not paths.config_path().exists() and not (state / "config.toml").exists()


def test_remove_an_unknown_alias() -> None:
    result = run("remove", "nope")
    assert (
        result.exit_code == 2
        and "alias: must name a configured account (got nope); configured: none" in result.stderr
    )
