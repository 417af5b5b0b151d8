"""The command-line contract's surface."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from armstui import __version__
from armstui.cli import main

CONTRACT_COMMANDS = {"accounts", "plan", "apply", "verify", "whoami", "switch", "report", "sandbox"}


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
