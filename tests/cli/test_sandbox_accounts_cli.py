"""`armstui --sandbox accounts add|remove` for RAM users created in the sandbox, then
`whoami` and `switch` as them: the README's switch example, end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from armstui.cloud import ram
from armstui.cloud.session import CloudSession
from armstui.credentials import vault_name
from armstui.model import Credentials
from armstui.secrets import file_vault
from tests.support.cli import add_account, add_source_admin, apply_role_flow, sandbox_cli
from tests.support.sandbox import RunningSandbox


def _root(sandbox: RunningSandbox, alias: str) -> CloudSession:
    a = sandbox.accounts[alias]
    return CloudSession(
        alias,
        a["uid"],
        sandbox.state.region,
        Credentials(a["access_key_id"], a["access_key_secret"]),
        endpoint=sandbox.endpoint,
    )


def _operator_key(sandbox: RunningSandbox) -> tuple[str, str]:
    """B's arms-operator (as the role flow makes it) gets a key, as its admin would."""

    async def make() -> tuple[str, str]:
        b = _root(sandbox, "source")
        key = await ram.create_access_key(b, "arms-operator")
        return key.access_key_id, key.secret

    return asyncio.run(make())


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_the_readme_switch_runs_as_a_ram_user_of_b(
    sandbox: RunningSandbox, state_dir: Path, tmp_path: Path
) -> None:
    a, b = sandbox.uid("monitoring"), sandbox.uid("source")
    # The README: the role flow makes A's role arms-admin and B's user arms-operator.
    apply_role_flow(state_dir)
    key_id, secret = _operator_key(sandbox)

    added = add_account(state_dir, "b-operator", b, key_id, secret, "--vault", "file")
    assert added.exit_code == 0, added.output
    assert "secret in the file vault" in added.stdout

    me = sandbox_cli(state_dir, "whoami", "--account", "b-operator")
    assert me.exit_code == 0, me.output
    assert f"arn       acs:ram::{b}:user/arms-operator" in me.stdout

    switched = sandbox_cli(
        state_dir,
        "switch",
        "--account",
        "b-operator",
        "--role-arn",
        f"acs:ram::{a}:role/arms-admin",
    )
    assert switched.exit_code == 0, switched.output
    assert f"account   {a}" in switched.stdout and "type      AssumedRoleUser" in switched.stdout

    # The secret rests encrypted in the sandbox's own vault.enc; nowhere in clear.
    assert (state_dir / "vault.enc").exists()
    assert files_holding(tmp_path, secret) == []
    assert secret not in added.output + me.output + switched.output
    assert "b-operator" in (state_dir / "config.toml").read_text()
    assert not (Path(os.environ["HOME"]) / ".config" / "armstui" / "config.toml").exists()


def test_an_added_sandbox_account_survives_a_restart_and_can_be_removed(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    b = sandbox.uid("source")
    added = add_source_admin(state_dir, sandbox, "--vault", "file")
    assert added.exit_code == 0, added.output

    # Another armstui process (a restart) finds it, its secret in the vault.
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "armstui",
            "--sandbox-state",
            str(state_dir),
            "whoami",
            "--account",
            "b-admin",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert f"acs:ram::{b}:user/admin" in again.stdout

    listed = sandbox_cli(state_dir, "accounts", "list")
    assert listed.exit_code == 0, listed.output
    assert any(line.startswith("b-admin") for line in listed.stdout.splitlines())
    assert any(line.startswith("monitoring") for line in listed.stdout.splitlines())

    no_passphrase: dict[str, str | None] = {"ARMSTUI_VAULT_PASSPHRASE_FILE": None}
    locked = sandbox_cli(state_dir, "whoami", "--account", "b-admin", env=no_passphrase)
    assert locked.exit_code == 2 and "ARMSTUI_VAULT_PASSPHRASE_FILE" in locked.stderr
    assert locked.exception is None or isinstance(locked.exception, SystemExit)
    seeded = sandbox_cli(state_dir, "whoami", "--account", "source", env=no_passphrase)
    # needs no vault
    assert seeded.exit_code == 0, seeded.output

    removed = sandbox_cli(state_dir, "accounts", "remove", "b-admin")
    assert removed.exit_code == 0, removed.output
    assert "its secret was deleted from the file vault" in removed.stdout
    gone = sandbox_cli(state_dir, "whoami", "--account", "b-admin")
    assert gone.exit_code == 2 and "--account" in gone.stderr


def test_a_seeded_sandbox_account_stays_read_only(sandbox: RunningSandbox, state_dir: Path) -> None:
    removed = sandbox_cli(state_dir, "accounts", "remove", "source")
    assert removed.exit_code == 2 and "seeded" in removed.stderr
    added = add_account(
        state_dir, "monitoring", sandbox.uid("monitoring"), "LTAI5tAbCdEfGhIjKlMn", "S" * 30
    )
    assert added.exit_code == 2 and "seeded" in added.stderr
    assert json.loads((state_dir / "sandbox.json").read_text())["accounts"]["source"]


def test_sandbox_secrets_can_rest_in_the_keyring(
    sandbox: RunningSandbox, bare_state_dir: Path, secret_service: str
) -> None:
    state_dir = bare_state_dir
    admin = sandbox.accounts["source"]["users"]["admin"]  # type: ignore[index]
    added = add_source_admin(state_dir, sandbox)
    assert added.exit_code == 0, added.output
    assert "secret in the keyring vault" in added.stdout
    apply_role_flow(state_dir)  # its generated password and key go to the keyring too
    assert files_holding(state_dir, admin["access_key_secret"]) == [state_dir / "sandbox.json"]
    assert not (state_dir / "vault.enc").exists()
    me = sandbox_cli(state_dir, "whoami", "--account", "b-admin")
    assert me.exit_code == 0, me.output
    assert ":user/admin" in me.stdout
    assert sandbox_cli(state_dir, "accounts", "remove", "b-admin").exit_code == 0
    assert "b-admin" not in (state_dir / "config.toml").read_text()


def test_without_a_vault_a_flow_is_refused_before_it_creates_anything(
    sandbox: RunningSandbox, bare_state_dir: Path
) -> None:
    """No keyring, no choice, no passphrase: exit 2 naming how to choose; nothing created."""
    refused = sandbox_cli(
        bare_state_dir, "apply", "--flow", "role", "--monitoring", "monitoring",
        "--source", "source", "--yes",
    )  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "ARMSTUI_VAULT_PASSPHRASE_FILE" in refused.stderr
    assert "armstui --sandbox" in refused.stderr
    b = sandbox.uid("source")
    assert [u["UserName"] for u in sandbox.state.store.list("ram.user", f"{b}/")] == ["admin"]
    assert not [c for c in sandbox.state.store.list("ram.role")]
    assert sorted(p.name for p in bare_state_dir.iterdir()) == ["sandbox.json"]


def test_a_seeded_account_needs_no_vault(sandbox: RunningSandbox, bare_state_dir: Path) -> None:
    me = sandbox_cli(bare_state_dir, "whoami", "--account", "source")
    assert me.exit_code == 0, me.output
    assert f"acs:ram::{sandbox.uid('source')}:root" in me.stdout
    assert sorted(p.name for p in bare_state_dir.iterdir() if "vault" in p.name) == []


def test_a_passphrase_file_chooses_the_encrypted_file_for_the_sandbox(
    sandbox: RunningSandbox, bare_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    pw = tmp_path / "pw"
    pw.write_text("a sandbox passphrase\n")
    env = {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
    applied = sandbox_cli(
        bare_state_dir, "apply", "--flow", "role", "--monitoring", "monitoring",
        "--source", "source", "--yes", env=env,
    )  # fmt: skip
    assert applied.exit_code == 0, applied.output
    assert 'vault = "file"' in (bare_state_dir / "config.toml").read_text()
    assert (bare_state_dir / "vault.enc").exists()


def test_adding_to_a_sandbox_with_no_vault_chosen_takes_the_one_it_would(
    sandbox: RunningSandbox, bare_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = add_source_admin(bare_state_dir, sandbox)  # no keyring, no passphrase file
    assert refused.exit_code == 2 and "ARMSTUI_VAULT_PASSPHRASE_FILE" in refused.stderr
    assert not (bare_state_dir / "config.toml").exists()
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    pw = tmp_path / "pw"
    pw.write_text("a sandbox passphrase\n")
    added = add_source_admin(
        bare_state_dir, sandbox, env={"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
    )
    assert added.exit_code == 0, added.output
    assert "secret in the file vault" in added.stdout
    assert 'vault = "file"' in (bare_state_dir / "config.toml").read_text()


def test_the_sandbox_s_vault_is_not_switched_by_adding_an_account(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    switched = add_source_admin(state_dir, sandbox, "--vault", "keyring")
    assert switched.exit_code == 2
    assert "The sandbox's secrets are in the file vault, so the keyring vault is refused" in (
        switched.stderr
    )
    assert "b-admin" not in (state_dir / "config.toml").read_text()


def test_a_refused_secret_leaves_an_older_sandbox_s_plaintext_secrets_where_they_were(
    sandbox: RunningSandbox, bare_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret is checked before the vault is chosen: a refused one moves nothing, so
    the vault.json an older armstui left goes, later, into the vault then saved as chosen."""
    from tests.conftest import SANDBOX_PASSPHRASE, sandbox_secrets

    plaintext = {"login/1/op": "old-password-1"}
    legacy = bare_state_dir / "vault.json"
    legacy.write_text(json.dumps(plaintext))
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    pw = tmp_path / "pw"
    pw.write_text(SANDBOX_PASSPHRASE + "\n")
    env = {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
    admin = sandbox.accounts["source"]["users"]["admin"]  # type: ignore[index]
    b, key_id = sandbox.uid("source"), admin["access_key_id"]
    refused = add_account(bare_state_dir, "b-admin", b, key_id, "not a secret", env=env)
    assert refused.exit_code == 2 and "nothing was stored" in refused.stderr
    assert json.loads(legacy.read_text()) == plaintext
    assert sorted(p.name for p in bare_state_dir.iterdir()) == ["sandbox.json", "vault.json"]

    added = add_source_admin(bare_state_dir, sandbox, env=env)
    assert added.exit_code == 0, added.output
    assert 'vault = "file"' in (bare_state_dir / "config.toml").read_text()
    assert not legacy.exists()
    assert sandbox_secrets(bare_state_dir) == {
        **plaintext,
        vault_name(key_id): admin["access_key_secret"],
    }
