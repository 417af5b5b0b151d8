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
from tests.support.sandbox import RunningSandbox, trusting


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


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
    result = run(
        "--sandbox",
        "--sandbox-state",
        str(state_dir),
        "switch",
        "--account",
        "source",
        "--role-arn",
        arn,
    )
    assert result.exit_code == 0, result.stderr
    a = sandbox.uid("monitoring")
    assert f"account   {a}" in result.stdout
    assert "type      AssumedRoleUser" in result.stdout
    assert "ARMS applications visible:" in result.stdout


def test_switch_from_an_untrusted_account_says_not_trusted(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    arn = _trusting_role(sandbox, "source")
    result = run(
        "--sandbox",
        "--sandbox-state",
        str(state_dir),
        "switch",
        "--account",
        "outsider",
        "--role-arn",
        arn,
    )
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
    result = run(
        "--sandbox",
        "--sandbox-state",
        str(state_dir),
        "switch",
        "--account",
        "source",
        "--role-arn",
        arn,
    )
    assert result.exit_code == 1
    assert "role missing" in result.stderr and "EntityNotExist.Role" in result.stderr


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


def test_a_root_key_refused_by_the_real_sts_is_told_to_switch_as_a_ram_user() -> None:
    """The real STS refuses account root keys ("Roles may not be assumed by root accounts.");
    the sandbox does not, so the diagnosis is checked on the answer itself."""
    from types import SimpleNamespace

    from armstui.cloud.errors import CloudError
    from armstui.identity import assume_role_failure

    error = CloudError(
        "NoPermission",
        "Roles may not be assumed by root accounts.",
        request_id="R-1",
        service="sts",
        action="AssumeRole",
    )
    caller = SimpleNamespace(
        account_id="5555666677778888", identity_type="Account", arn="acs:ram::5555666677778888:root"
    )
    line = assume_role_failure(error, caller, "acs:ram::1111222233334444:role/arms-admin")
    assert line.startswith("root account:") and "RAM user" in line and "5555666677778888" in line
