"""`armstui secret show`: a stored secret, to a terminal only, after a confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import armstui.cli.secret
from armstui.cli import main
from armstui.flows.role import password_vault_name
from armstui.secrets import file_vault
from armstui.secrets.sandbox_vault import open_sandbox_vault
from tests.support.sandbox import RunningSandbox


def run(
    state_dir: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    return CliRunner().invoke(
        main, ["--sandbox-state", str(state_dir), *args], input=input, env=env
    )


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a terminal (CliRunner's is not)."""
    monkeypatch.setattr(armstui.cli.secret, "_stdout_is_terminal", lambda: True)


@pytest.fixture
def operator_password(sandbox: RunningSandbox, state_dir: Path) -> str:
    """The console password the role flow generated for B's arms-operator."""
    applied = run(
        state_dir,
        "apply",
        "--flow",
        "role",
        "--monitoring",
        "monitoring",
        "--source",
        "source",
        "--yes",
    )
    assert applied.exit_code == 0, applied.output
    stored = open_sandbox_vault(state_dir).read(
        password_vault_name(sandbox.uid("source"), "arms-operator")
    )
    assert stored
    return stored


def test_the_operator_password_is_shown_on_a_terminal_after_yes(
    terminal: None, operator_password: str, state_dir: Path
) -> None:
    shown = run(state_dir, "secret", "show", "login", "--account", "source", input="y\n")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [operator_password]
    assert "console password of RAM user arms-operator" in shown.stderr
    assert operator_password.encode() not in (state_dir / "journal.db").read_bytes()


def test_declined_shows_nothing(terminal: None, operator_password: str, state_dir: Path) -> None:
    declined = run(state_dir, "secret", "show", "login", "--account", "source", input="n\n")
    assert declined.exit_code == 0
    assert operator_password not in declined.output and "Not shown." in declined.stderr


def test_not_a_terminal_is_refused_before_anything_is_read(
    operator_password: str, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(armstui.cli.secret, "_open", lambda *a: opened.append(a))
    piped = run(state_dir, "secret", "show", "login", "--account", "source", input="y\n")
    assert piped.exit_code == 2
    assert "not a terminal" in piped.stderr and operator_password not in piped.output
    assert opened == []


def test_a_secret_the_vault_does_not_hold_exits_1(
    terminal: None, sandbox: RunningSandbox, state_dir: Path
) -> None:
    missing = run(
        state_dir, "secret", "show", "login", "--account", "source", "--user", "nobody", input="y\n"
    )
    assert missing.exit_code == 1
    assert "is not in the vault" in missing.stderr and "nobody" in missing.stderr


def test_an_added_account_key_is_shown(
    terminal: None,
    sandbox: RunningSandbox,
    state_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    pw = tmp_path / "pw"
    pw.write_text("a sandbox passphrase\n")
    env = {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(pw)}
    admin = sandbox.accounts["source"]["users"]["admin"]  # type: ignore[index]
    added = run(
        state_dir,
        "accounts",
        "add",
        "b-admin",
        "--uid",
        sandbox.uid("source"),
        "--access-key-id",
        admin["access_key_id"],
        "--vault",
        "file",
        input=admin["access_key_secret"] + "\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    shown = run(state_dir, "secret", "show", "key", "--account", "b-admin", input="y\n", env=env)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [admin["access_key_secret"]]
    seeded = run(state_dir, "secret", "show", "key", "--account", "source", input="y\n")
    assert seeded.exit_code == 2 and "not in the vault" in seeded.stderr
