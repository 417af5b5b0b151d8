"""`armstui secret show`: a stored secret, to a terminal only, after a confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

import armstui.cli.secret
from armstui.flows.role import password_vault_name
from tests.conftest import sandbox_secrets
from tests.support.cli import add_source_admin, apply_role_flow, sandbox_cli
from tests.support.sandbox import RunningSandbox


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a terminal (CliRunner's is not)."""
    monkeypatch.setattr(armstui.cli.secret, "_stdout_is_terminal", lambda: True)


@pytest.fixture
def operator_password(sandbox: RunningSandbox, state_dir: Path) -> str:
    """The console password the role flow generated for B's arms-operator."""
    apply_role_flow(state_dir)
    stored = sandbox_secrets(state_dir).get(
        password_vault_name(sandbox.uid("source"), "arms-operator")
    )
    assert stored
    return stored


def test_the_operator_password_is_shown_on_a_terminal_after_yes(
    terminal: None, operator_password: str, state_dir: Path
) -> None:
    shown = sandbox_cli(state_dir, "secret", "show", "login", "--account", "source", input="y\n")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [operator_password]
    assert "console password of RAM user arms-operator" in shown.stderr
    assert operator_password.encode() not in (state_dir / "journal.db").read_bytes()


def test_declined_shows_nothing(terminal: None, operator_password: str, state_dir: Path) -> None:
    declined = sandbox_cli(state_dir, "secret", "show", "login", "--account", "source", input="n\n")
    assert declined.exit_code == 0
    assert operator_password not in declined.output and "Not shown." in declined.stderr


def test_not_a_terminal_is_refused_before_anything_is_read(
    operator_password: str, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(armstui.cli.secret, "_open", lambda *a: opened.append(a))
    piped = sandbox_cli(state_dir, "secret", "show", "login", "--account", "source", input="y\n")
    assert piped.exit_code == 2
    assert "not a terminal" in piped.stderr and operator_password not in piped.output
    assert opened == []


def test_a_secret_the_vault_does_not_hold_exits_1(
    terminal: None, sandbox: RunningSandbox, state_dir: Path
) -> None:
    missing = sandbox_cli(
        state_dir, "secret", "show", "login", "--account", "source", "--user", "nobody", input="y\n"
    )
    assert missing.exit_code == 1
    assert "is not in the vault" in missing.stderr and "nobody" in missing.stderr


def test_an_added_account_key_is_shown(
    terminal: None, sandbox: RunningSandbox, state_dir: Path
) -> None:
    added = add_source_admin(state_dir, sandbox)
    assert added.exit_code == 0, added.output
    shown = sandbox_cli(state_dir, "secret", "show", "key", "--account", "b-admin", input="y\n")
    assert shown.exit_code == 0, shown.output
    admin = sandbox.accounts["source"]["users"]["admin"]  # type: ignore[index]
    assert shown.stdout.splitlines() == [admin["access_key_secret"]]
    seeded = sandbox_cli(state_dir, "secret", "show", "key", "--account", "source", input="y\n")
    assert seeded.exit_code == 2 and "not in the vault" in seeded.stderr
