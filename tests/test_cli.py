"""The command-line contract's surface."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from armstui import __version__
from armstui.cli import main

CONTRACT_COMMANDS = {
    "accounts",
    "plan",
    "apply",
    "verify",
    "whoami",
    "switch",
    "report",
    "sandbox",
    "rotate",
    "teardown",
}
# Every command a script may call, groups' subcommands included.
EVERY_COMMAND = [
    *(c.split() for c in sorted(CONTRACT_COMMANDS - {"accounts", "sandbox"})),
    ["accounts", "list"],
    ["accounts", "add"],
    ["accounts", "import"],
    ["accounts", "remove"],
    ["sandbox", "serve"],
]


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_every_contract_subcommand() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {
        line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()
    }
    assert CONTRACT_COMMANDS <= listed


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and f" {command[-1]} " in result.output
    assert "not implemented" not in result.output


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_bad_usage_exits_2_naming_the_flag(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--no-such-flag"])
    assert result.exit_code == 2, result.output
    assert "No such option '--no-such-flag'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["whoami"], "--account"),
        (["switch", "--account", "a"], "--role-arn"),
        (["accounts", "add", "a", "--uid", "1234567890123456"], "--access-key-id"),
        (["plan"], "--flow"),
        (["rotate"], "--flow"),
        (["rotate", "--flow", "ack"], "--monitoring"),
        (["teardown", "--flow", "ack"], "--monitoring"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_a_missing_required_flag_exits_2_naming_it(command: list[str], flag: str) -> None:
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2, result.output
    assert flag in result.stderr


def test_python_dash_m_runs_the_same_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "armstui", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert __version__ in out.stdout


def test_importing_the_cli_does_not_load_an_sdk() -> None:
    code = (
        "import sys, armstui.cli, armstui.tui.app;"
        "loaded = [m for m in sys.modules if m.startswith(('alibabacloud_', 'Tea', 'darabonba'))];"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
