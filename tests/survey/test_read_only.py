"""Read-only mode: the sessions refuse every change before sending it, the CLI refuses the
changing commands up front, and the reading ones still work. Proven from the sandbox's
request log."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from armstui.cli import main
from armstui.cloud import ram
from armstui.cloud.session import READ_ONLY, ReadOnly, session_for
from armstui.flows.setup import Setup
from armstui.flows.workspace import Workspace
from armstui.model import Account
from armstui.profiles import Config, load, save
from tests.support.sandbox import RunningSandbox
from tests.survey.support import actions, mutating_calls, session


def cli(state_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--read-only", "--sandbox", "--sandbox-state", str(state_dir), *args]
    )


FLOW = ["--flow", "ack", "--monitoring", "monitoring", "--source", "source"]


@pytest.mark.parametrize(
    "command",
    [
        ["apply", *FLOW, "--yes"],
        ["rotate", "--monitoring", "monitoring", "--source", "source", "--yes"],
        ["teardown", *FLOW, "--yes"],
    ],
)
def test_changing_commands_are_refused_before_anything_runs(
    state_dir: Path, sandbox: RunningSandbox, command: list[str]
) -> None:
    result = cli(state_dir, *command)
    assert result.exit_code == 2
    assert "refused in read-only mode (--read-only)" in result.output
    assert actions(sandbox) == []


def test_reading_commands_still_work_and_change_nothing(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    codes = {
        name: cli(state_dir, *args).exit_code
        for name, args in {
            "status": ["status", "--monitoring", "monitoring", "--source", "source"],
            "doctor": ["doctor"],
            "plan": ["plan", *FLOW],
            "verify": ["verify", *FLOW],
        }.items()
    }
    assert all(code in (0, 1, 3) for code in codes.values()), codes
    assert codes["doctor"] == 0 and codes["status"] == 3
    assert {"GetCallerIdentity", "DescribeClustersV1", "ListTraceApps"} <= set(actions(sandbox))
    assert mutating_calls(sandbox) == []


def test_a_session_refuses_a_change_without_sending_it(sandbox: RunningSandbox) -> None:
    marked = session(sandbox, "monitoring")
    marked.read_only = True
    with pytest.raises(ReadOnly) as refused:
        asyncio.run(ram.create_user(marked, "someone"))
    assert refused.value.code == READ_ONLY
    assert "RAM CreateUser" in str(refused.value) and "monitoring is read-only" in str(
        refused.value
    )
    assert asyncio.run(ram.get_user(marked, "admin")) is not None  # reads still go
    assert "CreateUser" not in actions(sandbox) and "GetUser" in actions(sandbox)


def test_a_read_only_account_makes_a_flow_fail_without_changing_anything(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    workspace.accounts["monitoring"] = dataclasses.replace(
        workspace.accounts["monitoring"], read_only=True
    )
    result = workspace.run_sync(
        Setup(flow="ack", monitoring="monitoring", sources=("source",)), "apply"
    )
    assert result.exit_code != 0
    assert any(s.error_code == READ_ONLY for s in result.states)
    assert [a for a in mutating_calls(sandbox) if a in {"CreateUser", "CreateAccessKey"}] == []


def test_the_read_only_mark_is_saved_and_reaches_the_session(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    save(Config([Account("ro", "1" * 16, read_only=True), Account("rw", "2" * 16)], "memory"), path)
    assert "read_only = true" in path.read_text()
    assert {a.alias: a.read_only for a in load(path).accounts} == {"ro": True, "rw": False}
    marked = dataclasses.replace(workspace.accounts["monitoring"], read_only=True)
    opened = asyncio.run(session_for(marked, workspace.vault, sandbox_endpoint=workspace.endpoint))
    assert opened.read_only is True
    # a made-up secret no message contains: the redactor masks every secret it has seen
    assert opened.with_credentials("id", "S3cret-For-This-Test-Only-0042").read_only is True
