"""`armstui accounts list|add|import|remove`: the accounts armstui acts in.

Secrets are read from a hidden prompt, or from stdin's first line when stdin is not a
terminal; never from argv (there is no --secret option) and never echoed. The encrypted
file vault's passphrase comes from a hidden prompt or from the file named by
``ARMSTUI_VAULT_PASSPHRASE_FILE``. Bad input exits 2 naming the field and the rule, with
nothing stored. ``--sandbox``: the sandbox's seeded accounts (read-only) and the accounts
of RAM users the operator created there, saved in the sandbox's state dir with their
secrets in the vault chosen for that sandbox (keyring or encrypted file), where the
secrets its flows create rest too.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from armstui import accounts as ops
from armstui import credentials as cred
from armstui import profiles
from armstui.cli.common import SandboxOptions, sandbox_options
from armstui.cli.errors import BadInput
from armstui.flows.workspace import WorkspaceError
from armstui.model import DEFAULT_REGION, Account, InvalidInput, short_key_id
from armstui.secrets.redaction import redact
from armstui.vault import Vault, VaultUnavailable, read_passphrase_file


def _bad(command: str, message: str) -> BadInput:
    """Exit 2 with ``armstui accounts COMMAND: message`` (redacted) on stderr."""
    return BadInput(f"armstui accounts {command}: {redact(message)}")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _load_config(command: str) -> profiles.Config:
    try:
        return ops.load_config()
    except WorkspaceError as exc:
        raise _bad(command, str(exc)) from None


def _refuse_sandbox(command: str, sandbox: SandboxOptions) -> None:
    if sandbox.enabled:
        raise _bad(
            command,
            "the sandbox's seeded accounts are in its sandbox.json already; to use a RAM "
            "user you created there: `armstui --sandbox accounts add ALIAS --uid UID "
            "--access-key-id ID`",
        )


@dataclasses.dataclass(frozen=True)
class _Place:
    """Where accounts are saved: config.toml and the operator's vault, or a sandbox's own
    settings and the vault chosen for it."""

    settings: Path | None = None  # None: config.toml
    sandbox_state: Path | None = None
    seeded: tuple[str, ...] = ()  # the sandbox's read-only aliases

    @classmethod
    def of(cls, command: str, sandbox: SandboxOptions) -> _Place:
        if not sandbox.enabled:
            return cls()
        state = ops.sandbox_state_dir(sandbox)
        try:
            seeded = tuple(ops.seeded_sandbox_aliases(state))
        except WorkspaceError as exc:
            raise _bad(command, str(exc)) from None
        return cls(ops.sandbox_settings_path(state), state, seeded)

    def load(self, command: str) -> profiles.Config:
        try:
            return profiles.load(self.settings) if self.settings else ops.load_config()
        except (profiles.ConfigError, WorkspaceError) as exc:
            raise _bad(command, str(exc)) from None

    def open_vault(self, command: str, kind: str | None) -> Vault:
        """The vault of ``kind``; a sandbox's is :func:`armstui.accounts.sandbox_vault`
        (its saved choice, which ``kind`` must match, else ``kind``, else the one it takes;
        the choice saved, an older version's plaintext secrets moved in)."""
        if self.sandbox_state is None:
            return _open(command, kind or "keyring")
        state = self.sandbox_state
        try:
            return ops.sandbox_vault(
                state, kind, lambda: _passphrase(not ops.vault_file_exists(state))
            )
        except WorkspaceError as exc:
            raise _bad(command, str(exc)) from None


def _passphrase(creating: bool) -> str | None:
    from_file = read_passphrase_file()
    if from_file is not None or not _stdin_is_terminal():
        return from_file
    if creating:
        click.echo(
            "No encrypted vault yet: choose its passphrase (8+ characters; it cannot be recovered).",
            err=True,
        )
    return click.prompt("Vault passphrase", hide_input=True, confirmation_prompt=creating, err=True)


def _open(command: str, kind: str) -> Vault:
    try:
        if kind == "file":
            return ops.open_chosen_vault("file", _passphrase(not ops.vault_file_exists()))
        return ops.open_chosen_vault(kind)
    except (WorkspaceError, VaultUnavailable) as exc:
        raise _bad(command, str(exc)) from None


# --- list -----------------------------------------------------------------------------------


@click.group()
def accounts() -> None:
    """Manage accounts: list, add, import, remove."""


@accounts.command("list")
@sandbox_options
def list_accounts(sandbox: SandboxOptions) -> None:
    """Show each account, where its credentials come from, and whether they can be read
    here (READABLE: a local check; nothing is sent to the cloud)."""
    if sandbox.enabled:
        try:
            rows = ops.account_rows(ops.sandbox_account_list(sandbox.state_dir), None)
            state = ops.sandbox_state_dir(sandbox)
            added = ops.sandbox_saved_accounts(state)
        except profiles.ConfigError as exc:
            raise _bad("list", str(exc)) from None
        if added.accounts:
            place = _Place(ops.sandbox_settings_path(state), state)
            rows += ops.account_rows(added.accounts, _vault_for_list(added, place), added)
    else:
        config = _load_config("list")
        if not config.accounts:
            click.echo(
                "No accounts yet: `armstui accounts add ALIAS --uid UID --access-key-id ID` "
                "or `armstui accounts import`."
            )
            return
        needs_vault = any(isinstance(a.credential, cred.VaultKey) for a in config.accounts)
        rows = ops.account_rows(
            config.accounts, _vault_for_list(config) if needs_vault else None, config
        )
    table = [("ALIAS", "UID", "REGION", "CREDENTIALS", "READABLE", "NOTES")]
    for row in rows:
        a = row.account
        table.append((a.alias, a.uid, a.region, row.credentials, row.reachable, row.notes))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


def _vault_for_list(
    config: profiles.Config, place: _Place | None = None
) -> Vault | VaultUnavailable:
    """The vault, or why it could not be opened (said on stderr; the listing goes on)."""
    passphrase = None
    try:
        if config.vault == "file":
            passphrase = read_passphrase_file()
            if passphrase is None and _stdin_is_terminal():
                passphrase = click.prompt("Vault passphrase", hide_input=True, err=True)
        if place is not None and place.sandbox_state is not None:
            return ops.sandbox_vault(place.sandbox_state, config.vault, passphrase)
        return ops.open_chosen_vault(config.vault, passphrase)
    except (WorkspaceError, VaultUnavailable) as exc:
        click.echo(f"armstui accounts list: {redact(str(exc))}", err=True)
        return VaultUnavailable(str(exc))


# --- add --------------------------------------------------------------------------------------


@accounts.command()
@click.argument("alias")
@click.option("--uid", required=True, help="The account ID (16 digits).")
@click.option(
    "--access-key-id",
    required=True,
    help="The AccessKey ID; the secret is asked for, or read from stdin.",
)
@click.option("--region", default=DEFAULT_REGION, show_default=True)
@click.option(
    "--production",
    is_flag=True,
    help="Mark the account as production (the app asks before changes).",
)
@click.option(
    "--vault",
    "vault_kind",
    type=click.Choice(["keyring", "file"]),
    default=None,
    help="Where secrets rest: the OS keyring, or an encrypted file (saved as the default).",
)
@sandbox_options
def add(
    sandbox: SandboxOptions,
    alias: str,
    uid: str,
    access_key_id: str,
    region: str,
    production: bool,
    vault_kind: str | None,
) -> None:
    """Add an account whose AccessKey secret goes into the vault.

    The secret is read from a hidden prompt, or from the first line of stdin when stdin
    is not a terminal: `armstui accounts add prod-a --uid ... --access-key-id ... < secret.txt`.
    With --sandbox: an account of a RAM user you created in the sandbox, saved in the
    sandbox's state dir, its secret in the vault you choose for that sandbox.
    """
    new = ops.NewAccount(alias, uid, region, access_key_id, production=production)
    try:
        new.validated(ops.CLI_FIELDS, with_secret=False)
    except InvalidInput as exc:
        raise _bad("add", str(exc)) from None
    place = _Place.of("add", sandbox)
    if alias in place.seeded:
        raise _bad(
            "add", f"alias: '{alias}' is one of the sandbox's seeded accounts; choose another"
        )
    config = place.load("add")
    if config.account(alias) is not None:
        raise _bad(
            "add",
            f"alias: '{alias}' is in use already (remove it first: armstui accounts remove {alias})",
        )
    kind = vault_kind
    if place.sandbox_state is None:  # a sandbox's: ops.sandbox_vault refuses a switch itself
        kind = vault_kind or config.vault
        _refuse_vault_switch(kind, config)
    secret = _read_secret(f"{alias} ({short_key_id(access_key_id.strip())})")
    try:
        account = dataclasses.replace(new, secret=secret)
        account.validated(ops.CLI_FIELDS)  # before the vault opens: nothing moves for nothing
    except InvalidInput as exc:
        raise _bad("add", f"{exc}; nothing was stored") from None
    vault = place.open_vault("add", kind)
    try:
        ops.add_account(
            None,
            account,
            vault,
            vault_kind=vault.kind,
            names=ops.CLI_FIELDS,
            settings=place.settings,
        )
    except VaultUnavailable as exc:
        raise _bad("add", f"{exc} Nothing was stored.") from None
    except (InvalidInput, WorkspaceError) as exc:
        raise _bad("add", f"{exc}; nothing was stored") from None
    click.echo(
        f"Added {alias} ({uid}, {region}): key {short_key_id(access_key_id)}, "
        f"secret in the {vault.kind} vault."
    )


def _refuse_vault_switch(kind: str, config: profiles.Config) -> None:
    """The accounts' secrets stay in the configured vault; none rest in a session-only one."""
    if kind != config.vault and any(
        isinstance(a.credential, cred.VaultKey) for a in config.accounts
    ):
        raise _bad(
            "add",
            f"--vault: the accounts' secrets are in the {config.vault} vault; "
            f"switching to {kind} would leave them behind (remove them first)",
        )
    if kind == "memory":
        raise _bad(
            "add",
            "--vault: the session-only vault forgets everything when this command exits; "
            "use it inside the app, or choose --vault file",
        )


def _read_secret(label: str) -> str:
    if _stdin_is_terminal():
        return click.prompt(f"AccessKey secret for {label}", hide_input=True, err=True).strip()
    return sys.stdin.readline().strip()


# --- import ----------------------------------------------------------------------------------


@accounts.command("import")
@click.option(
    "--profile",
    "profile_names",
    multiple=True,
    metavar="NAME",
    help="An aliyun CLI profile; repeat for several.",
)
@click.option("--env", "use_env", is_flag=True, help="The ALIBABA_CLOUD_ACCESS_KEY_* variables.")
@click.option("--all", "take_all", is_flag=True, help="Every usable candidate.")
@click.option(
    "--alias", default=None, help="The alias (one candidate only; default: from the profile name)."
)
@click.option(
    "--uid", default=None, help="The account ID (one candidate only; RamRoleArn profiles know it)."
)
@click.option("--region", default=None, help="Override the profile's region.")
@click.option("--production", is_flag=True, help="Mark the imported account(s) as production.")
@sandbox_options
def import_accounts(
    sandbox: SandboxOptions,
    profile_names: tuple[str, ...],
    use_env: bool,
    take_all: bool,
    alias: str | None,
    uid: str | None,
    region: str | None,
    production: bool,
) -> None:
    """Add accounts that use aliyun CLI profiles or the environment's credentials.

    Nothing secret is copied: the profile or the variables are read each time they are
    used. Without --profile/--env/--all, lists the candidates (and asks, on a terminal).
    """
    _refuse_sandbox("import", sandbox)
    try:
        candidates = ops.import_candidates()
    except cred.CredentialError as exc:
        raise _bad("import", str(exc)) from None
    config = _load_config("import")
    interactive = _stdin_is_terminal()
    chosen = _select(candidates, profile_names, use_env, take_all, interactive)
    if not chosen:
        return
    if len(chosen) > 1 and (alias or uid):
        raise _bad(
            "import",
            f"{'--alias' if alias else '--uid'}: only with a single candidate (got {len(chosen)}); "
            "import them one at a time with --profile NAME",
        )
    new: list[Account] = []
    for candidate in chosen:
        done = ops.imported_as(config, candidate)
        if done:
            click.echo(f"{_label(candidate)}: already imported as {done}")
            continue
        new.append(_account_for(candidate, alias, uid, region, production, interactive))
    if new:
        try:
            ops.save_accounts(None, new)
        except InvalidInput as exc:
            raise _bad("import", f"{exc}; nothing was imported") from None
        except WorkspaceError as exc:
            raise _bad("import", str(exc)) from None
    for account in new:
        source = account.credential.describe() if account.credential else "(none)"
        click.echo(f"Imported {account.alias} ({account.uid}, {account.region}): {source}")


def _label(c: profiles.ImportCandidate) -> str:
    return c.credential.describe()


def _select(
    candidates: list[profiles.ImportCandidate],
    names: Sequence[str],
    use_env: bool,
    take_all: bool,
    interactive: bool,
) -> list[profiles.ImportCandidate]:
    if take_all:
        for c in candidates:
            if c.problem:
                click.echo(f"skipped {_label(c)}: {c.problem}", err=True)
        return [c for c in candidates if not c.problem]
    if names or use_env:
        chosen = []
        for name in names:
            found = next(
                (
                    c
                    for c in candidates
                    if isinstance(c.credential, cred.CliProfile) and c.name == name
                ),
                None,
            )
            if found is None:
                known = (
                    ", ".join(
                        c.name for c in candidates if isinstance(c.credential, cred.CliProfile)
                    )
                    or "none"
                )
                raise _bad(
                    "import",
                    f"--profile: profile {cred.shown_name(name)} not found in ~/.aliyun/config.json (found: {known})",
                )
            chosen.append(found)
        if use_env:
            found = next(
                (c for c in candidates if isinstance(c.credential, cred.EnvCredentials)), None
            )
            if found is None:
                raise _bad("import", f"--env: {cred.ENV_ID} is not set")
            chosen.append(found)
        for c in chosen:
            if c.problem:
                raise _bad("import", f"{_label(c)}: {c.problem}")
        return chosen
    if not candidates:
        click.echo(
            "Nothing to import: no profiles in ~/.aliyun/config.json and no ALIBABA_CLOUD_ACCESS_KEY_ID."
        )
        return []
    click.echo("Candidates:")
    for i, c in enumerate(candidates, 1):
        key = f"key {short_key_id(c.access_key_id)}, " if c.access_key_id else ""
        note = (
            f" -- cannot import: {c.problem}" if c.problem else (" (current)" if c.default else "")
        )
        click.echo(f"  {i}. {_label(c)}: {c.mode}, {key}{c.region}{note}")
    if not interactive:
        click.echo("Choose with --profile NAME, --env or --all.")
        return []
    answer = click.prompt(
        "Import which (numbers separated by commas; empty for none)", default="", show_default=False
    )
    chosen = []
    for part in filter(None, (p.strip() for p in answer.split(","))):
        # ASCII digits only, and short: str.isdigit() takes '²' and int() then raises; int()
        # of a 5000-digit string raises too (Python's int max_str_digits).
        if not re.fullmatch(r"[0-9]{1,6}", part, flags=re.ASCII) or not 1 <= int(part) <= len(
            candidates
        ):
            raise _bad(
                "import",
                f"choice: must be a number from 1 to {len(candidates)} (got {part[:10]!r})",
            )
        c = candidates[int(part) - 1]
        if c.problem:
            raise _bad("import", f"{_label(c)}: {c.problem}")
        chosen.append(c)
    return chosen


def _account_for(
    c: profiles.ImportCandidate,
    alias: str | None,
    uid: str | None,
    region: str | None,
    production: bool,
    interactive: bool,
) -> Account:
    # Each value is checked under the name of the flag it came from, if it came from one.
    fields = (
        "--alias" if alias else "alias",
        "--uid" if uid else "uid",
        "--region" if region else "region",
    )
    alias = alias or (
        click.prompt(f"Alias for {_label(c)}", default=c.alias) if interactive else c.alias
    )
    uid = uid or c.uid
    if uid is None:
        if not interactive:
            raise _bad(
                "import",
                f"--uid: needed for {_label(c)} (16 digits; the aliyun CLI does not record the "
                "account ID; the console shows it under Account Center)",
            )
        uid = click.prompt(f"Account ID (16 digits) for {alias}")
    try:
        return ops.account_for(c, alias, uid, region, production, ops.FieldNames(*fields))
    except InvalidInput as exc:
        raise _bad("import", f"{exc}; nothing was imported") from None


# --- remove ----------------------------------------------------------------------------------


@accounts.command()
@click.argument("alias")
@click.option(
    "--keep-secret",
    is_flag=True,
    help="Leave the secret in the vault (e.g. when the vault is unavailable).",
)
@sandbox_options
def remove(sandbox: SandboxOptions, alias: str, keep_secret: bool) -> None:
    """Remove an account and its secret from the vault."""
    place = _Place.of("remove", sandbox)
    if alias in place.seeded:
        raise _bad("remove", f"'{alias}' is one of the sandbox's seeded accounts: read-only")
    config = place.load("remove")
    try:
        removed = ops.remove_account(
            None,
            alias,
            lambda: place.open_vault("remove", config.vault),
            keep_secret=keep_secret,
            settings=place.settings,
        )
    except InvalidInput as exc:
        known = ", ".join(a.alias for a in config.accounts) or "none"
        raise _bad("remove", f"{exc}; configured: {known}") from None
    except VaultUnavailable as exc:
        raise _bad(
            "remove", f"{exc} Nothing was removed (--keep-secret removes the account only)."
        ) from None
    except WorkspaceError as exc:
        raise _bad("remove", str(exc)) from None
    click.echo(removed.describe())
