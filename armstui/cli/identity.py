"""`armstui whoami` and `armstui switch`: the operators' quick identity checks.

``whoami --account ALIAS`` calls STS GetCallerIdentity (no permission needed) and prints the
account ID, identity type and ARN. ``switch --account ALIAS --role-arn ARN`` calls
AssumeRole as that account, then GetCallerIdentity and ARMS ListTraceApps as the role, and
prints who we became and the applications visible (:mod:`armstui.identity` says why a
refusal happened). The STS credentials stay in memory.

Exit codes: 0 ok; 1 a cloud error (code, request ID and hint on stderr); 2 bad input,
naming the flag and the rule, before any call is made. STS refuses AssumeRole with an
account's root AccessKey: switch from an account configured with a RAM user's key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from armstui.cli.common import SandboxOptions, passphrase, sandbox_options
from armstui.cli.errors import BadInput, Failed
from armstui.identity import SWITCH_SESSION_NAME, SwitchFailed
from armstui.model import InvalidInput, validate_role_arn, validate_session_name
from armstui.secrets.redaction import redact

MIN_DURATION, MAX_DURATION = 900, 43200  # AssumeRole DurationSeconds bounds

T = TypeVar("T")


def _usage(command: str, message: str) -> BadInput:
    return BadInput(f"armstui {command}: {redact(message)}")


def _cloud_failure(command: str, error: Any, headline: str | None = None) -> Failed:
    lines = [f"armstui {command}: {redact(headline)}"] if headline else []
    lines.append(f"armstui {command}: {error}")  # CloudError.__str__ is redacted
    return Failed("\n".join(lines))


def _as_account(
    command: str, alias: str, sandbox: SandboxOptions, call: Callable[[Any], Awaitable[T]]
) -> T:
    """Open the workspace (the vault only if the account's secret is in it), check the
    account, and run ``call(workspace)``; bad input exits 2 before any call is made."""
    from armstui.accounts import open_workspace
    from armstui.credentials import CredentialError
    from armstui.flows.workspace import WorkspaceError
    from armstui.vault import VaultUnavailable

    try:
        workspace = open_workspace(sandbox, passphrase=passphrase, vault_for=alias)
    except WorkspaceError as exc:
        raise _usage(command, str(exc)) from None
    with workspace:
        if alias not in workspace.accounts:
            known = ", ".join(workspace.accounts) or "none yet: armstui accounts add"
            raise _usage(
                command,
                f"--account: must name a configured account (known: {known}), got {alias!r}",
            )

        async def run() -> T:
            try:
                await workspace.session(alias)
            except (CredentialError, VaultUnavailable) as exc:
                raise _usage(command, f"--account {alias}: {exc}") from None
            return await call(workspace)

        return asyncio.run(run())


# --- whoami ----------------------------------------------------------------------------------


def _print_identity(identity: Any, title: str | None = None) -> None:
    if title:
        click.echo(title)
    click.echo(f"account   {identity.account_id}")
    click.echo(f"type      {identity.identity_type}")
    click.echo(f"arn       {identity.arn}")


@click.command()
@click.option(
    "--account",
    "alias",
    required=True,
    metavar="ALIAS",
    help="The account whose credentials to ask about.",
)
@sandbox_options
def whoami(alias: str, sandbox: SandboxOptions) -> None:
    """The caller identity behind an account's credentials (STS GetCallerIdentity)."""
    from armstui.cloud.errors import CloudError

    try:
        identity = _as_account("whoami", alias, sandbox, lambda ws: ws.whoami(alias))
    except CloudError as error:
        raise _cloud_failure(
            "whoami", error, f"cannot tell who {alias}'s credentials are"
        ) from None
    _print_identity(identity)


# --- switch --------------------------------------------------------------------------------


@click.command()
@click.option(
    "--account", "alias", required=True, metavar="ALIAS", help="The account to switch from."
)
@click.option(
    "--role-arn", required=True, metavar="ARN", help="acs:ram::<account ID>:role/<role name>"
)
@click.option(
    "--session-name",
    default=SWITCH_SESSION_NAME,
    show_default=True,
    help="The role session name (2-64 of letters, digits, '.', '@', '-', '_').",
)
@click.option(
    "--duration",
    default=3600,
    show_default=True,
    type=int,
    help=f"Seconds the STS credentials last ({MIN_DURATION}-{MAX_DURATION}, up to the role's maximum).",
)
@sandbox_options
def switch(
    alias: str, role_arn: str, session_name: str, duration: int, sandbox: SandboxOptions
) -> None:
    """Assume a role, print who you became and the ARMS applications visible as that identity."""
    try:
        validate_role_arn(role_arn, "--role-arn")
        validate_session_name(session_name, "--session-name")
    except InvalidInput as exc:
        raise _usage("switch", str(exc)) from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise _usage(
            "switch", f"--duration: must be {MIN_DURATION}-{MAX_DURATION} seconds (got {duration})"
        )

    from armstui.cloud.errors import CloudError

    try:
        switched = _as_account(
            "switch",
            alias,
            sandbox,
            lambda ws: ws.switch(alias, role_arn, session_name, duration),
        )
    except SwitchFailed as failed:
        raise _cloud_failure("switch", failed.error, failed.headline) from None
    except CloudError as error:
        raise _cloud_failure("switch", error) from None
    _print_identity(switched.identity, f"switched from {alias} into {role_arn}")
    click.echo(f"expires   {switched.expiration or 'unknown'}")
    click.echo(f"ARMS applications visible: {len(switched.apps)}")
    for app in sorted(switched.apps, key=lambda a: a.app_name):
        where = " ".join(x for x in (app.region_id, app.cluster_id or "", app.language or "") if x)
        click.echo(f"  {app.app_name}  {app.pid}  {where}".rstrip())
