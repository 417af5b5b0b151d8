"""`armstui secret show`: reveal one stored secret on the operator's terminal, on request.

What can be shown: ``login`` — the console password the role flow generated for a RAM user
(``--user``, default ``arms-operator``) of an account; ``key`` — the AccessKey secret of an
account whose key rests in the vault. The secret is printed to a terminal only (a pipe or a
file would keep it), after a confirmation, and never goes to argv, a log or the journal:
the command takes names, never values, and writes nothing but the terminal line.

Exit codes: 0 shown (or declined: nothing shown); 1 the vault holds no such secret; 2 bad
usage, such as stdout not being a terminal.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from armstui.cli.common import SandboxOptions, sandbox_options
from armstui.cli.errors import BadInput, Failed
from armstui.flows.setup import DEFAULT_OPERATOR_USER
from armstui.model import InvalidInput, validate_user_name
from armstui.secrets.redaction import redact

KINDS = ("login", "key")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _bad(message: str) -> BadInput:
    return BadInput(f"armstui secret show: {redact(message)}")


@click.group()
def secret() -> None:
    """Reveal a stored secret on this terminal (on request, never to a pipe or a file)."""


@secret.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--account", "alias", required=True, metavar="ALIAS", help="The account it belongs to."
)
@click.option(
    "--user",
    default=DEFAULT_OPERATOR_USER,
    show_default=True,
    help="login: the RAM user whose console password to show.",
)
@sandbox_options
def show(kind: str, alias: str, user: str, sandbox: SandboxOptions) -> None:
    """Show KIND for an account: `login` (a RAM user's generated console password) or
    `key` (the account's AccessKey secret). Asks before it prints, and only to a terminal."""
    if not _stdout_is_terminal():
        raise _bad(
            "refusing to print a secret where it is not a terminal (stdout is a pipe or a "
            "file, which would keep it); run the command in a terminal"
        )
    if kind == "login":
        try:
            validate_user_name(user, field="--user")
        except InvalidInput as exc:
            raise _bad(str(exc)) from None
    workspace = _open(sandbox, alias)
    with workspace:
        account = workspace.accounts[alias]
        name, what = _entry(kind, account, user)
        if not click.confirm(f"Show {what} on this terminal?", default=False, err=True):
            click.echo("Not shown.", err=True)
            return
        try:
            value = workspace.vault.read(name)
        except Exception as exc:  # the vault's own errors (VaultUnavailable, ...) say what to do
            raise _bad(f"the vault could not be read: {exc}") from None
    if not value:
        hint = "`armstui apply --flow role` generates it" if kind == "login" else "add it again"
        raise Failed(f"armstui secret show: {what} is not in the vault ({hint})")
    click.echo(value)
    click.echo("Clear it from the screen and the scrollback when done.", err=True)


def _open(sandbox: SandboxOptions, alias: str) -> Any:
    from armstui.accounts import open_workspace
    from armstui.flows.workspace import WorkspaceError
    from armstui.vault import read_passphrase_file

    def passphrase() -> str | None:
        given = read_passphrase_file()
        if given is None and _stdin_is_terminal():
            given = click.prompt("Vault passphrase", hide_input=True, err=True)
        return given

    try:
        workspace = open_workspace(sandbox, passphrase=passphrase)
    except WorkspaceError as exc:
        raise _bad(str(exc)) from None
    if alias not in workspace.accounts:
        workspace.close()
        known = ", ".join(workspace.accounts) or "none"
        raise _bad(f"--account: must name a configured account (known: {known}), got {alias!r}")
    return workspace


def _entry(kind: str, account: Any, user: str) -> tuple[str, str]:
    """The vault entry and how it is called in messages."""
    from armstui import credentials as cred
    from armstui.flows.role import password_vault_name

    if kind == "login":
        return (
            password_vault_name(account.uid, user),
            f"the console password of RAM user {user} in {account.alias} ({account.uid})",
        )
    if not isinstance(account.credential, cred.VaultKey):
        source = account.credential.describe() if account.credential else "no credentials"
        raise _bad(f"--account {account.alias}: its key is not in the vault ({source})")
    key_id = account.credential.access_key_id
    return cred.vault_name(key_id), f"the AccessKey secret of {account.alias}"
