"""`armstui whoami` and `armstui switch`: the operators' quick identity checks.

``whoami --account ALIAS`` calls STS GetCallerIdentity (no permission needed) and prints the
account ID, identity type and ARN. ``switch --account ALIAS --role-arn ARN`` calls
AssumeRole as that account, then GetCallerIdentity and ARMS ListTraceApps as the role, and
prints who we became and the applications visible. The STS credentials stay in memory.

Exit codes (DESIGN.md): 0 ok; 1 a cloud error (code, request ID and hint on stderr); 2 bad
input, naming the flag and the rule, before any call is made.

AssumeRole answers ``NoPermission`` both when the caller lacks ``sts:AssumeRole`` and when
the role's trust policy does not admit it (reference §4), and also when the caller is an
account's root identity: "Roles may not be assumed by root accounts." (Alibaba Cloud's STS
common errors; RAM FAQ: AssumeRole must be called by a RAM user or role). To say which, a
refusal is followed by one GetCallerIdentity; AccessDeniedDetail's ``PolicyType`` (when the
service names the trust policy) settles it for RAM users. The sandbox lets a root key
assume a trusting role (a known difference, kept so its seeded accounts can rehearse).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, NoReturn

import click

from armstui.cli.common import EXIT_FAILED, EXIT_USAGE, SandboxOptions, sandbox_options
from armstui.model import InvalidInput, role_arn_uid, validate_role_arn, validate_session_name
from armstui.vault import redact

DEFAULT_SESSION_NAME = "armstui-switch"
MIN_DURATION, MAX_DURATION = 900, 43200  # AssumeRole DurationSeconds bounds (reference §4)


def _usage(command: str, message: str) -> NoReturn:
    click.echo(f"armstui {command}: {redact(message)}", err=True)
    raise SystemExit(EXIT_USAGE)


class _Failed(Exception):
    """A CloudError with the one line that says what it meant for this command."""

    def __init__(self, error: Any, headline: str) -> None:
        super().__init__(headline)
        self.error, self.headline = error, headline


def _cloud_failure(command: str, error: Any, headline: str | None = None) -> NoReturn:
    if headline:
        click.echo(f"armstui {command}: {redact(headline)}", err=True)
    click.echo(f"armstui {command}: {error}", err=True)  # CloudError.__str__ is redacted
    raise SystemExit(EXIT_FAILED)


# --- finding the account ----------------------------------------------------------------


def _open_vault(command: str, config: Any) -> Any:
    from armstui.vault import VaultUnavailable, open_vault, read_passphrase_file

    def passphrase() -> str | None:
        given = read_passphrase_file()
        if given is None and sys.stdin.isatty():
            given = click.prompt("Vault passphrase", hide_input=True, err=True)
        return given

    try:
        return open_vault(config, passphrase if config.vault == "file" else None)
    except (VaultUnavailable, InvalidInput) as exc:
        _usage(command, str(exc))


def _account(command: str, alias: str, sandbox: SandboxOptions) -> tuple[Any, Any, str | None, Any]:
    """(account, vault, sandbox endpoint, sandbox runtime) or exit 2 naming the problem."""
    from armstui import credentials as cred

    if sandbox.enabled:
        from armstui.sandbox_runtime import ensure_sandbox

        try:
            runtime = ensure_sandbox(sandbox.state_dir)
            accounts = runtime.accounts()
        except (
            OSError,
            ValueError,
        ) as exc:  # a folder we cannot create; a sandbox.json that is not one
            where = sandbox.state_dir or "the default sandbox state dir"
            _usage(
                command,
                f"--sandbox-state: {where} cannot be used ({type(exc).__name__}: {str(exc)[:300]})",
            )
        endpoint: str | None = runtime.endpoint
        vault = None
    else:
        from armstui import profiles

        runtime = None
        try:
            config = profiles.load()
        except profiles.ConfigError as exc:
            _usage(command, str(exc))
        accounts, endpoint, vault = config.accounts, None, None
    account = next((a for a in accounts if a.alias == alias), None)
    if account is None:
        known = ", ".join(a.alias for a in accounts) or "none yet: armstui accounts add"
        _usage(
            command, f"--account: must name a configured account (known: {known}), got {alias!r}"
        )
    if not sandbox.enabled and isinstance(account.credential, cred.VaultKey):
        vault = _open_vault(command, config)
    return account, vault, endpoint, runtime


async def _session(command: str, account: Any, vault: Any, endpoint: str | None) -> Any:
    from armstui.cloud.session import session_for
    from armstui.credentials import CredentialError
    from armstui.vault import VaultUnavailable

    try:
        return await session_for(account, vault, sandbox_endpoint=endpoint)
    except (CredentialError, VaultUnavailable) as exc:
        _usage(command, f"--account {account.alias}: {exc}")


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
    from armstui.cloud import sts
    from armstui.cloud.errors import CloudError

    account, vault, endpoint, runtime = _account("whoami", alias, sandbox)

    async def run() -> Any:
        session = await _session("whoami", account, vault, endpoint)
        return await sts.get_caller_identity(session)

    try:
        identity = asyncio.run(run())
    except CloudError as error:
        _cloud_failure("whoami", error, f"cannot tell who {alias}'s credentials are")
    finally:
        if runtime is not None:
            runtime.stop()
    _print_identity(identity)


# --- switch --------------------------------------------------------------------------------


def _assume_role_failure(error: Any, caller: Any, role_arn: str) -> str:
    """One line that says precisely why AssumeRole failed."""
    role_account = role_arn_uid(role_arn)
    if error.code == "EntityNotExist.Role":
        return f"role missing: account {role_account} has no role {role_arn.rsplit('/', 1)[-1]}"
    if error.code.startswith("InvalidSecurityToken") and error.code.endswith("Expired"):
        return "expired: the account's STS credentials have expired"
    if error.code == "InvalidParameter.DurationSeconds":
        return "--duration exceeds the role's maximum session duration (MaxSessionDuration)"
    if not error.code.startswith(("NoPermission", "Forbidden")):
        return f"AssumeRole of {role_arn} failed"
    if "root account" in (error.message or "").lower():
        account = caller.account_id if caller else "the account"
        return (
            f"root account: roles may not be assumed with account {account}'s own AccessKey; switch as a RAM "
            "user of that account allowed sts:AssumeRole (the role flow makes arms-operator)"
        )
    policy_type = (error.access_denied or {}).get("PolicyType", "")
    names_trust = (
        "trust" in policy_type.lower()
        or "assumerolepolicy" in policy_type.lower()
        or "trust" in (error.message or "").lower()
    )
    who = caller.arn if caller else "the caller"
    if names_trust or (caller is not None and caller.identity_type == "Account"):
        account = caller.account_id if caller else "the caller's account"
        return (
            f"not trusted: the trust policy of {role_arn} does not admit {who} "
            f"(add acs:ram::{account}:root to its Principal.RAM)"
        )
    if policy_type:
        return f"no sts:AssumeRole: {who} lacks sts:AssumeRole (attach AliyunSTSAssumeRoleAccess)"
    return (
        f"refused: {who} lacks sts:AssumeRole (attach AliyunSTSAssumeRoleAccess), "
        f"or the trust policy of {role_arn} does not admit it"
    )


@click.command()
@click.option(
    "--account", "alias", required=True, metavar="ALIAS", help="The account to switch from."
)
@click.option(
    "--role-arn", required=True, metavar="ARN", help="acs:ram::<account ID>:role/<role name>"
)
@click.option(
    "--session-name",
    default=DEFAULT_SESSION_NAME,
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
        _usage("switch", str(exc))
    if not MIN_DURATION <= duration <= MAX_DURATION:
        _usage(
            "switch", f"--duration: must be {MIN_DURATION}-{MAX_DURATION} seconds (got {duration})"
        )

    from armstui.cloud import arms, sts
    from armstui.cloud.errors import CloudError

    account, vault, endpoint, runtime = _account("switch", alias, sandbox)

    async def run() -> tuple[Any, Any, list[Any]]:
        session = await _session("switch", account, vault, endpoint)
        try:
            assumed = await session.assume(role_arn, session_name, duration)
        except CloudError as error:
            caller = None
            if error.code.startswith(("NoPermission", "Forbidden")):
                try:
                    caller = await sts.get_caller_identity(session)
                except CloudError:
                    pass
            raise _Failed(error, _assume_role_failure(error, caller, role_arn)) from None
        identity = await sts.get_caller_identity(assumed)
        try:
            apps = await arms.list_trace_apps(assumed)
        except CloudError as error:
            raise _Failed(
                error, f"switched into {identity.arn}, but cannot list its ARMS applications"
            ) from None
        return assumed, identity, apps

    try:
        assumed, identity, apps = asyncio.run(run())
    except _Failed as failed:
        _cloud_failure("switch", failed.error, failed.headline)
    except CloudError as error:
        _cloud_failure("switch", error)
    finally:
        if runtime is not None:
            runtime.stop()
    _print_identity(identity, f"switched from {alias} into {role_arn}")
    click.echo(f"expires   {assumed.expiration or 'unknown'}")
    click.echo(f"ARMS applications visible: {len(apps)}")
    for app in sorted(apps, key=lambda a: a.app_name):
        where = " ".join(x for x in (app.region_id, app.cluster_id or "", app.language or "") if x)
        click.echo(f"  {app.app_name}  {app.pid}  {where}".rstrip())
