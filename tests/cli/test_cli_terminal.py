"""The CLI at a terminal: declining the apply prompt applies nothing and exits 0 saying so;
each step is printed once when the live lines and the summary share one terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models
from click.testing import CliRunner

from armstui.cli import flows as cli_flows
from armstui.cli import main
from armstui.flows.runner import StepState
from armstui.flows.step import Outcome
from tests.support.sandbox import RunningSandbox

ROLE = ("--flow", "role", "--monitoring", "monitoring", "--source", "source")


def test_declining_the_prompt_applies_nothing_and_exits_0(
    state_dir: Path, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_flows, "interactive_or_yes", lambda *a, **k: True)  # "a terminal"
    result = CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), "apply", *ROLE], input="n\n"
    )
    assert "Apply these changes?" in result.output, result.output
    assert result.exit_code == 0, result.output
    assert "Nothing applied" in result.output
    roles = sandbox.client("ram", "monitoring").list_roles(ram_models.ListRolesRequest())
    assert "arms-admin" not in [r.role_name for r in roles.body.roles.role]


def test_on_one_terminal_the_live_line_is_rewritten_not_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    done = StepState("s1", "a step", "monitoring", "role", Outcome.OK, "fine")
    running = StepState("s2", "another", "monitoring", "role", Outcome.RUNNING)
    monkeypatch.setattr(cli_flows, "_one_terminal", lambda: True)
    cli_flows._progress(running)
    cli_flows._progress(done)
    err = capsys.readouterr().err
    assert err.startswith(cli_flows.CLEAR_LINE) and "a step" in err
    assert "\n" not in err, "the live line stays one line, cleared before the summary"
    assert "another" not in err

    monkeypatch.setattr(cli_flows, "_one_terminal", lambda: False)  # piped: a line each
    cli_flows._progress(done)
    assert capsys.readouterr().err.endswith("a step [monitoring]\n")
