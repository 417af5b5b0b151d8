"""`armstui accounts list|add|import|remove`: the accounts armstui acts in.

Secrets are read from a hidden prompt, or from stdin's first line when stdin is not a
terminal; never from argv (there is no --secret option) and never echoed. The encrypted
file vault's passphrase comes from a hidden prompt or from the file named by
``ARMSTUI_VAULT_PASSPHRASE_FILE``. Bad input exits 2 naming the field and the rule, with
nothing stored. ``--sandbox`` shows the sandbox's seeded accounts, which are read-only.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from armstui import credentials as cred
from armstui import profiles
from armstui.cli.common import EXIT_USAGE, SandboxOptions, sandbox_options
from armstui.model import (
    DEFAULT_REGION,
    Account,
    InvalidInput,
    short_key_id,
    validate_access_key_id,
    validate_access_key_secret,
    validate_alias,
    validate_region,
    validate_uid,
)
from armstui.vault import VaultUnavailable, open_vault, read_passphrase_file, redact


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"armstui accounts {command}: {redact(message)}", err=True)
    raise SystemExit(EXIT_USAGE)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _load_config(command: str) -> profiles.Config:
    try:
        return profiles.load()
    except profiles.ConfigError as exc:
        _fail(command, str(exc))


def _save(command: str, config: profiles.Config) -> None:
    try:
        profiles.save(config)
    except profiles.ConfigError as exc:
        _fail(command, str(exc))


def _refuse_sandbox(command: str, sandbox: SandboxOptions) -> None:
    if sandbox.enabled:
        _fail(
            command,
            "the sandbox's accounts (monitoring, source, outsider) are read-only; "
            "`armstui accounts list --sandbox` shows them",
        )


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


def _open(command: str, kind: str) -> Any:
    try:
        if kind == "file":
            creating = not profiles.vault_file_path().exists()
            return open_vault("file", _passphrase(creating))
        return open_vault(kind)
    except (VaultUnavailable, InvalidInput) as exc:
        _fail(command, str(exc))


# --- list -----------------------------------------------------------------------------------


@click.group()
def accounts() -> None:
    """Manage accounts: list, add, import, remove."""


@accounts.command("list")
@sandbox_options
def list_accounts(sandbox: SandboxOptions) -> None:
    """Show each account, where its credentials come from, and whether they are reachable."""
    if sandbox.enabled:
        info = _sandbox_state_dir(sandbox) / "sandbox.json"
        try:
            rows, roles, vault = profiles.sandbox_accounts(info), {}, None
        except profiles.ConfigError as exc:
            _fail("list", str(exc))
    else:
        config = _load_config("list")
        rows = config.accounts
        roles = {a.alias: _roles(config, a) for a in rows}
        if not rows:
            click.echo(
                "No accounts yet: `armstui accounts add ALIAS --uid UID --access-key-id ID` "
                "or `armstui accounts import`."
            )
            return
        vault = (
            _vault_for_list(config)
            if any(isinstance(a.credential, cred.VaultKey) for a in rows)
            else None
        )
    table = [("ALIAS", "UID", "REGION", "CREDENTIALS", "REACHABLE", "NOTES")]
    for account in rows:
        source = account.credential.describe() if account.credential else "(none)"
        table.append(
            (
                account.alias,
                account.uid,
                account.region,
                source,
                _reachable(account, vault),
                roles.get(account.alias, "read-only"),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _roles(config: profiles.Config, account: Account) -> str:
    notes = ["production"] if account.production else []
    if config.monitoring == account.alias:
        notes.append("monitoring")
    if account.alias in config.sources:
        notes.append("source")
    return ", ".join(notes)


def _vault_for_list(config: profiles.Config) -> Any:
    try:
        if config.vault == "file":
            passphrase = read_passphrase_file()
            if passphrase is None and _stdin_is_terminal():
                passphrase = click.prompt("Vault passphrase", hide_input=True, err=True)
            return open_vault("file", passphrase)
        return open_vault(config.vault)
    except VaultUnavailable as exc:
        click.echo(f"armstui accounts list: {redact(str(exc))}", err=True)
        return exc


def _reachable(account: Account, vault: Any) -> str:
    if isinstance(vault, VaultUnavailable) and isinstance(account.credential, cred.VaultKey):
        return "no: vault unavailable"
    try:
        cred.resolve_credentials(account, vault)
    except (cred.CredentialError, VaultUnavailable) as exc:
        return f"no: {redact(str(exc))}"
    return "yes"


def _sandbox_state_dir(sandbox: SandboxOptions) -> Path:
    if sandbox.state_dir is not None:
        return sandbox.state_dir
    from armstui.sandbox_runtime import default_state_dir

    return default_state_dir()


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
    """
    _refuse_sandbox("add", sandbox)
    try:
        account = Account(
            validate_alias(alias),
            validate_uid(uid, "--uid"),
            validate_region(region, "--region"),
            cred.VaultKey(validate_access_key_id(access_key_id.strip(), "--access-key-id")),
            production,
        )
    except InvalidInput as exc:
        _fail("add", str(exc))
    config = _load_config("add")
    if config.account(alias) is not None:
        _fail(
            "add",
            f"alias: '{alias}' is in use already (remove it first: armstui accounts remove {alias})",
        )
    kind = vault_kind or config.vault
    if kind != config.vault and any(
        isinstance(a.credential, cred.VaultKey) for a in config.accounts
    ):
        _fail(
            "add",
            f"--vault: the accounts' secrets are in the {config.vault} vault; "
            f"switching to {kind} would leave them behind (remove them first)",
        )
    if kind == "memory":
        _fail(
            "add",
            "--vault: the session-only vault forgets everything when this command exits; "
            "use it inside the app, or choose --vault file",
        )
    vault = _open("add", kind)
    secret = _read_secret(f"{alias} ({short_key_id(account.credential.access_key_id)})")
    try:
        validate_access_key_secret(secret)
    except InvalidInput as exc:
        _fail("add", f"{exc}; nothing was stored")
    config.vault = kind
    name = cred.vault_name(account.credential.access_key_id)
    try:
        vault.store(name, secret)
    except VaultUnavailable as exc:
        _fail("add", f"{exc} Nothing was stored.")
    try:
        config.add(account)
        profiles.save(config)
    except profiles.ConfigError as exc:
        vault.delete(name)
        _fail("add", f"{exc}; nothing was stored")
    except BaseException:
        vault.delete(name)
        raise
    click.echo(
        f"Added {alias} ({uid}, {region}): key {short_key_id(access_key_id)}, secret in the {kind} vault."
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
        candidates = profiles.import_candidates()
    except cred.CredentialError as exc:
        _fail("import", str(exc))
    config = _load_config("import")
    interactive = _stdin_is_terminal()
    chosen = _select(candidates, profile_names, use_env, take_all, interactive)
    if not chosen:
        return
    if len(chosen) > 1 and (alias or uid):
        _fail(
            "import",
            f"{'--alias' if alias else '--uid'}: only with a single candidate (got {len(chosen)}); "
            "import them one at a time with --profile NAME",
        )
    new: list[Account] = []
    for candidate in chosen:
        done = next(
            (a.alias for a in config.accounts if a.credential == candidate.credential), None
        )
        if done:
            click.echo(f"{_label(candidate)}: already imported as {done}")
            continue
        new.append(_account_for(candidate, alias, uid, region, production, interactive))
    for account in new:
        try:
            config.add(account)
        except InvalidInput as exc:
            _fail("import", f"{exc}; nothing was imported")
    if new:
        _save("import", config)
    for account in new:
        click.echo(
            f"Imported {account.alias} ({account.uid}, {account.region}): {account.credential.describe()}"
        )


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
                _fail(
                    "import",
                    f"--profile: profile {cred.shown_name(name)} not found in ~/.aliyun/config.json (found: {known})",
                )
            chosen.append(found)
        if use_env:
            found = next(
                (c for c in candidates if isinstance(c.credential, cred.EnvCredentials)), None
            )
            if found is None:
                _fail("import", f"--env: {cred.ENV_ID} is not set")
            chosen.append(found)
        for c in chosen:
            if c.problem:
                _fail("import", f"{_label(c)}: {c.problem}")
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
            _fail(
                "import",
                f"choice: must be a number from 1 to {len(candidates)} (got {part[:10]!r})",
            )
        c = candidates[int(part) - 1]
        if c.problem:
            _fail("import", f"{_label(c)}: {c.problem}")
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
            _fail(
                "import",
                f"--uid: needed for {_label(c)} (16 digits; the aliyun CLI does not record the "
                "account ID; the console shows it under Account Center)",
            )
        uid = click.prompt(f"Account ID (16 digits) for {alias}")
    try:
        return Account(
            validate_alias(alias.strip(), fields[0]),
            validate_uid(uid.strip(), fields[1]),
            validate_region(region or c.region, fields[2]),
            c.credential,
            production,
        )
    except InvalidInput as exc:
        _fail("import", f"{exc}; nothing was imported")


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
    _refuse_sandbox("remove", sandbox)
    config = _load_config("remove")
    try:
        validate_alias(alias)
        account = config.remove(alias)
    except InvalidInput as exc:
        known = ", ".join(a.alias for a in config.accounts) or "none"
        _fail("remove", f"{exc}; configured: {known}")
    note = ""
    ref = account.credential
    shared = any(a.credential == ref for a in config.accounts)
    if isinstance(ref, cred.VaultKey) and not keep_secret and not shared:
        vault = _open("remove", config.vault)
        try:
            deleted = vault.delete(cred.vault_name(ref.access_key_id))
        except VaultUnavailable as exc:
            _fail("remove", f"{exc} Nothing was removed (--keep-secret removes the account only).")
        note = (
            f"; its secret was deleted from the {vault.kind} vault"
            if deleted
            else "; the vault held no secret for it"
        )
    _save("remove", config)
    click.echo(f"Removed {alias}{note}.")
