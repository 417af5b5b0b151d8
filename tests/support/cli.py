"""The command line run in-process against a sandbox whose state lives in a directory."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from armstui.cli import main
from tests.support.sandbox import RunningSandbox


def sandbox_cli(
    state_dir: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """``armstui --sandbox-state STATE_DIR ARGS…``."""
    return CliRunner().invoke(
        main, ["--sandbox-state", str(state_dir), *args], input=input, env=env
    )


def add_account(
    state_dir: Path,
    alias: str,
    uid: str,
    key_id: str,
    secret: str,
    *more: str,
    env: dict[str, str] | None = None,
) -> Result:
    """``accounts add`` with the secret typed on stdin; ``more``: further options."""
    return sandbox_cli(
        state_dir,
        "accounts",
        "add",
        alias,
        "--uid",
        uid,
        "--access-key-id",
        key_id,
        *more,
        input=secret + "\n",
        env=env,
    )


def add_source_admin(
    state_dir: Path, sandbox: RunningSandbox, *more: str, env: dict[str, str] | None = None
) -> Result:
    """``accounts add b-admin`` for the seeded source account's RAM user ``admin``, its
    secret into the sandbox's vault; ``more``: further options."""
    admin = sandbox.accounts["source"]["users"]["admin"]
    return add_account(
        state_dir,
        "b-admin",
        sandbox.uid("source"),
        admin["access_key_id"],
        admin["access_key_secret"],
        *more,
        env=env,
    )


def apply_role_flow(state_dir: Path) -> None:
    """The role flow from the seeded monitoring account to the seeded source, applied."""
    applied = sandbox_cli(
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
