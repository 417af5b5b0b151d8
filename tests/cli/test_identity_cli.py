"""`armstui whoami` and `armstui switch` against the sandbox: output, exit codes, precise failures."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from armstui.cli import main
from armstui.cloud import ram
from armstui.sandbox_runtime import ensure_sandbox, running_endpoint
from tests.support.sandbox import RunningSandbox, add_admin_account, trusting


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _switch(state_dir: Path, alias: str, arn: str) -> Result:
    return run(
        "--sandbox",
        "--sandbox-state",
        str(state_dir),
        "switch",
        "--account",
        alias,
        "--role-arn",
        arn,
    )


def test_whoami_prints_account_type_and_arn(sandbox: RunningSandbox, state_dir: Path) -> None:
    before = sandbox.server.app.request_count
    result = run("--sandbox", "--sandbox-state", str(state_dir), "whoami", "--account", "source")
    assert result.exit_code == 0, result.stderr
    uid = sandbox.uid("source")
    assert result.stdout.splitlines() == [
        f"account   {uid}",
        "type      Account",
        f"arn       acs:ram::{uid}:root",
    ]
    assert (
        sandbox.server.app.request_count > before
    )  # the running sandbox answered; none was started


def test_whoami_with_a_wrong_secret_exits_1_with_code_request_id_and_hint(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    described = json.loads((state_dir / "sandbox.json").read_text())
    wrong = "Wr0ng" * 6
    described["accounts"]["monitoring"]["access_key_secret"] = wrong
    (state_dir / "sandbox.json").write_text(json.dumps(described))
    result = run(
        "--sandbox", "--sandbox-state", str(state_dir), "whoami", "--account", "monitoring"
    )
    assert result.exit_code == 1
    assert (
        "SignatureDoesNotMatch" in result.stderr
        and "request ID" in result.stderr
        and "hint:" in result.stderr
    )
    assert wrong not in result.stderr + result.stdout


def test_unknown_account_is_bad_input_and_makes_no_call(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    before = sandbox.server.app.request_count
    result = run("--sandbox", "--sandbox-state", str(state_dir), "whoami", "--account", "nobody")
    assert result.exit_code == 2
    assert "--account" in result.stderr and "monitoring" in result.stderr
    assert sandbox.server.app.request_count == before


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--role-arn", "acs:ram::123:role/x"], "--role-arn"),
        (
            ["--role-arn", "acs:ram::1234567890123456:role/arms-admin", "--session-name", "x"],
            "--session-name",
        ),
        (
            ["--role-arn", "acs:ram::1234567890123456:role/arms-admin", "--duration", "60"],
            "--duration",
        ),
    ],
)
def test_switch_rejects_bad_input_before_any_call(
    sandbox: RunningSandbox, state_dir: Path, args: list[str], flag: str
) -> None:
    before = sandbox.server.app.request_count
    result = run(
        "--sandbox", "--sandbox-state", str(state_dir), "switch", "--account", "source", *args
    )
    assert result.exit_code == 2
    assert flag in result.stderr
    assert sandbox.server.app.request_count == before


def _trusting_role(sandbox: RunningSandbox, trusted: str) -> str:
    async def make() -> str:
        a = sandbox.session("monitoring")
        role = await ram.create_role(a, "arms-admin", trusting(sandbox.uid(trusted)), "test")
        await ram.attach_policy_to_role(a, "arms-admin", "AliyunARMSReadOnlyAccess", "System")
        return role.arn

    return asyncio.run(make())


def test_switch_prints_who_we_became_and_the_visible_apps(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    arn = _trusting_role(sandbox, "source")
    result = _switch(state_dir, add_admin_account(sandbox, state_dir, "source"), arn)
    assert result.exit_code == 0, result.stderr
    a = sandbox.uid("monitoring")
    assert f"account   {a}" in result.stdout
    assert "type      AssumedRoleUser" in result.stdout
    assert "ARMS applications visible:" in result.stdout


def test_switch_from_an_untrusted_account_says_not_trusted(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    arn = _trusting_role(sandbox, "source")
    result = _switch(state_dir, add_admin_account(sandbox, state_dir, "outsider"), arn)
    assert result.exit_code == 1
    assert (
        "not trusted" in result.stderr
        and "NoPermission" in result.stderr
        and "request ID" in result.stderr
    )


def test_switch_into_a_missing_role_says_role_missing(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    arn = f"acs:ram::{sandbox.uid('monitoring')}:role/no-such-role"
    result = _switch(state_dir, add_admin_account(sandbox, state_dir, "source"), arn)
    assert result.exit_code == 1
    assert "role missing" in result.stderr and "EntityNotExist.Role" in result.stderr


def test_switch_with_a_root_key_says_root_and_nothing_else(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    arn = _trusting_role(sandbox, "source")
    result = _switch(state_dir, "source", arn)  # the account's root AccessKey
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("armstui switch: root account:") and sandbox.uid("source") in first
    assert "Roles may not be assumed by root accounts." in result.stderr
    assert "RAM user" in result.stderr and "request ID" in result.stderr
    assert "trust policy" not in result.stderr  # not the generic either-or hint


def test_sandbox_runtime_starts_one_when_none_serves_and_reuses_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = ensure_sandbox(state, speed=200)
    try:
        assert first.started_here and running_endpoint(state) == first.endpoint
        assert (state / "sandbox.json").stat().st_mode & 0o777 == 0o600
        second = ensure_sandbox(state)
        assert not second.started_here and second.endpoint == first.endpoint
        assert {a.alias for a in second.accounts()} == {"monitoring", "source", "outsider"}
    finally:
        first.stop()
    assert running_endpoint(state) is None  # sandbox.json remains, but nothing answers there


def test_whoami_as_a_process(tmp_path: Path) -> None:
    """From process start, starting the sandbox in-process (its speed is measured in benchmarks)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "armstui",
            "--sandbox",
            "--sandbox-state",
            str(tmp_path / "s"),
            "whoami",
            "--account",
            "monitoring",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("account   ")
