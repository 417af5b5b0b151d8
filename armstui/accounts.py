"""Accounts and the workspace they are used in, for the command line and the app alike.

Opening the workspace (the sandbox, or the saved accounts with the chosen vault); adding,
importing, removing and listing accounts. Who an account is (whoami) and becoming a role
(switch) are :mod:`armstui.identity`, reached through the workspace. Nothing here prints or prompts: callers pass in what they
gathered (a secret, a passphrase or a callable that asks for it) and show what comes
back. Everything here blocks (keyring, files, cloud calls): the app calls it from its
thread workers.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from armstui import credentials as cred
from armstui import model, paths, profiles
from armstui.flows.journal import Journal, JournalUnreadable
from armstui.flows.workspace import Workspace, WorkspaceError
from armstui.model import Account, InvalidInput, validate_alias
from armstui.secrets.base import PASSPHRASE_FILE_ENV
from armstui.secrets.redaction import redact
from armstui.vault import Passphrase, Vault, VaultUnavailable, open_vault


class SandboxChoice(Protocol):
    """Whether to act on the local emulator, and its state dir (the CLI's --sandbox)."""

    @property
    def enabled(self) -> bool: ...

    @property
    def state_dir(self) -> Path | None: ...


class VaultNotOpened(WorkspaceError):
    """The chosen vault did not open (no usable keyring, a missing, wrong or too short
    passphrase): the message says why and what to do. ``needs``: the vault kind that holds
    the secrets already (a sandbox's saved choice, or the saved accounts' vault), the only
    one opened (the app then asks only for that one); None: the app offers the others."""

    def __init__(self, message: str, needs: str | None = None) -> None:
        super().__init__(message)
        self.needs = needs


# --- opening the workspace --------------------------------------------------------------


def open_workspace(
    sandbox: SandboxChoice | None = None,
    *,
    start_sandbox: bool = True,
    vault_kind: str | None = None,
    passphrase: Passphrase = None,
    vault_for: str | None = None,
) -> Workspace:
    """The one way to open a workspace. Raises :class:`WorkspaceError` (exit code 2) naming
    what to fix, :class:`VaultNotOpened` when the vault is the problem.

    - ``sandbox`` enabled: the sandbox serving its state dir (started in this process
      unless ``start_sandbox`` is False or one already answers), its seeded accounts and
      those added to it, the vault chosen for it (:func:`sandbox_vault`) and its journal.
    - otherwise: the accounts saved in config.toml with the vault ``vault_kind`` (default:
      the configured one), unlocked with ``passphrase`` when it is the encrypted file.

    ``vault_for``: open the vault only if that account's secret rests in it (the identity
    commands need no vault for an aliyun CLI profile or a sandbox's seeded key).
    """
    if sandbox is not None and sandbox.enabled:
        return _open_sandbox(
            sandbox.state_dir,
            start_sandbox,
            vault_kind=vault_kind,
            passphrase=passphrase,
            vault_for=vault_for,
        )
    config = load_config()
    needs_vault = vault_for is None or _secret_in_vault(config.account(vault_for))
    vault = _saved_accounts_vault(config, vault_kind, passphrase) if needs_vault else None
    return Workspace(
        {a.alias: a for a in config.accounts},
        vault,
        _journal(paths.journal_path()),
        saved_roles=(config.monitoring, list(config.sources)),
    )


def open_sandbox_workspace(
    info: Path,
    *,
    runtime: Any = None,
    vault_kind: str | None = None,
    passphrase: Passphrase = None,
    vault_for: str | None = None,
) -> Workspace:
    """The sandbox described by ``info`` (its sandbox.json): its seeded accounts and those
    the operator added (:func:`sandbox_settings_path`), its vault (:func:`sandbox_vault`:
    ``vault_kind``, else the one chosen for it; opened only if ``vault_for``'s secret
    rests in it, when given) and its journal beside it, and its clock speed for our waits."""
    from armstui.sandbox_runtime import BadDescription, read_description

    state_dir = info.parent
    saved = load_config_at(sandbox_settings_path(state_dir))
    try:
        described = read_description(info)
        accounts = {a.alias: a for a in profiles.sandbox_accounts(info)}
        accounts.update({a.alias: a for a in saved.accounts if a.alias not in accounts})
        endpoint, speed = str(described["endpoint"]), float(described.get("speed", 1.0))
    except BadDescription as exc:
        raise WorkspaceError(f"--sandbox-state: {info.parent} cannot be used: {exc}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WorkspaceError(
            f"--sandbox-state: {info.parent} cannot be used: its {info.name} is not a sandbox "
            f"description ({type(exc).__name__}); start the sandbox again "
            f"(`armstui sandbox serve --state {info.parent}`)"
        ) from None
    needs_vault = vault_for is None or _secret_in_vault(accounts.get(vault_for))
    vault = sandbox_vault(state_dir, vault_kind, passphrase) if needs_vault else None
    return Workspace(
        accounts,
        vault,
        _journal(state_dir / "journal.db"),
        endpoint=endpoint,
        runtime=runtime,
        time_scale=speed,
    )


def _journal(path: Path) -> Journal:
    """The journal, or WorkspaceError (exit 1) naming it and how to move it aside."""
    try:
        return Journal(path)
    except JournalUnreadable as exc:
        raise WorkspaceError(str(exc), exit_code=1) from None
    except OSError as exc:
        raise WorkspaceError(
            f"the journal {path} cannot be opened ({exc.strerror or type(exc).__name__}). "
            f"Nothing was changed. Move it aside and run again: mv {path} {path}.broken",
            exit_code=1,
        ) from None


def _open_sandbox(state_dir: Path | None, start: bool, **vault: Any) -> Workspace:
    from armstui import sandbox_runtime

    where = state_dir or sandbox_runtime.default_state_dir()
    try:
        runtime = sandbox_runtime.ensure_sandbox(where) if start else None
    except (OSError, ValueError) as exc:  # a folder we cannot create; a state we cannot read
        raise WorkspaceError(
            f"--sandbox-state: {state_dir or 'the default sandbox state dir'} cannot be used "
            f"({type(exc).__name__}: {redact(str(exc))[:300]})"
        ) from None
    info = where / sandbox_runtime.SANDBOX_JSON
    if not info.exists():
        raise WorkspaceError(
            f"no sandbox in {where}: run `armstui --sandbox` or "
            f"`armstui sandbox serve --state {where}`"
        )
    try:
        return open_sandbox_workspace(info, runtime=runtime, **vault)
    except BaseException:
        if runtime is not None:
            runtime.stop()
        raise


def load_config() -> profiles.Config:
    """The saved settings, or WorkspaceError naming the file and the entry."""
    return load_config_at(None)


def load_config_at(path: Path | None) -> profiles.Config:
    """The settings in ``path`` (None: config.toml), or WorkspaceError naming the entry."""
    try:
        return profiles.load(path)
    except profiles.ConfigError as exc:
        raise WorkspaceError(str(exc)) from None


def update_config(
    change: Callable[[profiles.Config], None], path: Path | None = None
) -> profiles.Config:
    """Change the saved settings under their lock (see :func:`armstui.profiles.update`);
    WorkspaceError naming the file when they cannot be read or written."""
    try:
        return profiles.update(change, path)
    except profiles.ConfigError as exc:
        raise WorkspaceError(str(exc)) from None


def _saved_accounts_vault(
    config: profiles.Config, kind: str | None, passphrase: Passphrase
) -> Vault:
    """The vault of the saved accounts: ``kind`` (the app's choice) or the configured one.
    Once an account's secret rests in the configured vault, that is the only one opened:
    another would hide those secrets and keep what flows create apart from them."""
    holds = any(_secret_in_vault(a) for a in config.accounts)
    chosen = kind or config.vault
    if holds and chosen != config.vault:
        raise VaultNotOpened(
            f"The saved accounts' secrets are in the {config.vault} vault, so the {chosen} "
            "vault is refused (it would leave them behind): "
            f"{_opens(config.vault, 'armstui')}.",
            needs=config.vault,
        )
    try:
        return open_chosen_vault(chosen, passphrase)
    except VaultNotOpened as exc:
        raise VaultNotOpened(str(exc), needs=config.vault if holds else None) from None


def open_chosen_vault(kind: str, passphrase: Passphrase = None) -> Vault:
    """The vault of ``kind``, or :class:`VaultNotOpened` saying why."""
    try:
        return open_vault(kind, passphrase)
    except (VaultUnavailable, InvalidInput) as exc:  # InvalidInput: a too short passphrase
        raise VaultNotOpened(str(exc)) from None


def vault_file_exists(sandbox_state: Path | None = None) -> bool:
    """Whether the encrypted file vault (of the sandbox in ``sandbox_state``, if given) was
    created already (else its passphrase is new)."""
    if sandbox_state is not None:
        from armstui.secrets.sandbox_vault import VAULT_FILE

        return (sandbox_state / VAULT_FILE).exists()
    return paths.vault_file_path().exists()


# --- a sandbox: its vault, and the accounts the operator adds to it ---------------------------


def sandbox_state_dir(sandbox: SandboxChoice) -> Path:
    """The state dir of the chosen sandbox (the default one unless --sandbox-state)."""
    from armstui import sandbox_runtime

    return sandbox.state_dir or sandbox_runtime.default_state_dir()


def sandbox_settings_path(state_dir: Path) -> Path:
    """The settings of the accounts the operator added to the sandbox in ``state_dir`` (for
    RAM users they created there): config.toml's format, in the sandbox's own folder, so
    they go with that sandbox and never mix with the real accounts."""
    return Path(state_dir) / "config.toml"


def sandbox_vault(state_dir: Path, kind: str | None = None, passphrase: Passphrase = None) -> Vault:
    """The vault every secret of the sandbox in ``state_dir`` rests in (its seeded keys
    aside, which stay in its sandbox.json): the one saved in the sandbox's config.toml,
    else ``kind`` (the app's or ``--vault``'s choice), else the keyring when a secure one
    exists, else the encrypted file when ``ARMSTUI_VAULT_PASSPHRASE_FILE`` names its
    passphrase. A choice made here is saved in that config.toml before anything moves into
    it, so the sandbox's secrets stay in one place; a session-only vault lasts for the
    session and is not saved. Then the secrets an older version left in the plaintext
    ``vault.json`` move into it (:func:`armstui.vault.move_plaintext_entries`).

    :class:`VaultNotOpened` says why none opened and how to choose one; with a saved
    choice it names that vault (``needs``) and refuses any other ``kind``, session-only
    too: the secrets already in the saved vault would be out of sight and new ones would
    rest where the next session does not look."""
    from armstui.vault import move_plaintext_entries, open_sandbox_vault

    settings = sandbox_settings_path(state_dir)
    saved = load_config_at(settings).vault if settings.exists() else None
    if saved is not None and kind is not None and kind != saved:
        raise VaultNotOpened(_switch_refused(state_dir, saved, kind), needs=saved)
    chosen = saved or kind or default_sandbox_vault(state_dir)
    try:
        vault = open_sandbox_vault(state_dir, chosen, passphrase)
    except (VaultUnavailable, InvalidInput) as exc:  # InvalidInput: a too short passphrase
        raise VaultNotOpened(str(exc), needs=saved) from None
    if saved is None and chosen != "memory":

        def remember(config: profiles.Config) -> None:
            # Under the settings' lock: another process may have chosen since we read.
            if settings.exists() and config.vault != chosen:
                raise VaultNotOpened(
                    _switch_refused(state_dir, config.vault, chosen), needs=config.vault
                )
            config.vault = chosen

        update_config(remember, settings)
    try:
        move_plaintext_entries(Path(state_dir), vault)
    except VaultUnavailable as exc:
        raise VaultNotOpened(str(exc), needs=saved) from None
    return vault


def _opens(saved: str, again: str) -> str:
    """What opens the vault of kind ``saved`` that holds the secrets already (``again``:
    what to open again once the keyring is unlocked)."""
    return {
        "keyring": f"unlock the keyring and open {again} again",
        "file": f"give its passphrase (when asked, or in a file named by {PASSPHRASE_FILE_ENV})",
    }.get(saved, f"choose the {saved} vault")


def _switch_refused(state_dir: Path, saved: str, kind: str) -> str:
    """Why the sandbox's saved vault is not swapped for ``kind``, and what opens it."""
    return (
        f"The sandbox's secrets are in the {saved} vault, so the {kind} vault is refused: "
        f"{_opens(saved, 'the sandbox')}. That choice is saved in "
        f"{sandbox_settings_path(state_dir)}; another vault would hide the secrets kept there, and those created now would be lost to the next "
        "session (to start afresh, use another sandbox: --sandbox-state DIR)."
    )


def default_sandbox_vault(state_dir: Path) -> str:
    """The vault kind a sandbox with no saved choice takes: the keyring when a secure one
    exists, else the encrypted file when ``ARMSTUI_VAULT_PASSPHRASE_FILE`` is set; else
    :class:`VaultNotOpened` saying how to choose."""
    from armstui.vault import keyring_problem

    problem = keyring_problem()
    if problem is None:
        return "keyring"
    if os.environ.get(PASSPHRASE_FILE_ENV):
        return "file"
    from armstui.secrets.sandbox_vault import VAULT_FILE

    why = problem.split(". ", 1)[0].rstrip(".")
    raise VaultNotOpened(
        "The sandbox needs a vault for the secrets its flows create, and this machine has no "
        f"secure keyring. The keyring: {why}. Choose the encrypted file "
        f"{Path(state_dir) / VAULT_FILE}: set {PASSPHRASE_FILE_ENV} to a file (mode 0600) that "
        "holds its passphrase (8 characters or more), or run `armstui --sandbox` and choose "
        "in the app (the encrypted file, or session only). Plaintext is never offered."
    )


def seeded_sandbox_aliases(state_dir: Path) -> list[str]:
    """The aliases the sandbox seeded (read-only), from its sandbox.json (WorkspaceError)."""
    from armstui import sandbox_runtime

    try:
        return [
            a.alias
            for a in profiles.sandbox_accounts(Path(state_dir) / sandbox_runtime.SANDBOX_JSON)
        ]
    except profiles.ConfigError as exc:
        raise WorkspaceError(
            f"{exc}; start it first: armstui sandbox serve --state {state_dir}"
        ) from None


def _secret_in_vault(account: Account | None) -> bool:
    return account is not None and isinstance(account.credential, cred.VaultKey)


# --- adding -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldNames:
    """What each value is called in messages: the CLI names its flags, the app its fields."""

    alias: str = "alias"
    uid: str = "account ID"
    region: str = "region"
    access_key_id: str = "AccessKey ID"
    secret: str = "secret"


CLI_FIELDS = FieldNames("alias", "--uid", "--region", "--access-key-id", "secret")


@dataclass(frozen=True)
class NewAccount:
    """An account whose AccessKey secret goes into the vault. The secret never shows in a
    repr; it may be filled in later (the CLI reads it once the flags are checked)."""

    alias: str
    uid: str
    region: str
    access_key_id: str
    secret: str = field(default="", repr=False)
    production: bool = False

    def validated(self, names: FieldNames = FieldNames(), *, with_secret: bool = True) -> Account:
        """The account, or InvalidInput naming the field and the rule (never the value);
        The secret is checked first, unless ``with_secret`` is False (the CLI checks its
        flags before it asks for the secret)."""
        if with_secret:
            model.validate_access_key_secret(self.secret, names.secret)
        return Account(
            validate_alias(self.alias, names.alias),
            model.validate_uid(self.uid, names.uid),
            model.validate_region(self.region, names.region),
            cred.VaultKey(
                model.validate_access_key_id(self.access_key_id.strip(), names.access_key_id)
            ),
            self.production,
        )


def add_account(
    workspace: Workspace | None,
    new: NewAccount,
    vault: Vault,
    *,
    saved: bool = True,
    vault_kind: str | None = None,
    names: FieldNames = FieldNames(),
    settings: Path | None = None,
) -> Account:
    """Check ``new``, store its secret in ``vault``, then save the account in config.toml
    (removing the secret again when saving fails). ``vault_kind`` is saved as the chosen
    vault with it. ``saved=False``: the account lasts for the session. ``settings``: another
    settings file than config.toml (a sandbox's own, :func:`sandbox_settings_path`).

    Raises InvalidInput (nothing stored), VaultUnavailable (nothing stored) or
    WorkspaceError (config.toml cannot be read or written; nothing stored).
    """
    account = new.validated(names)
    if workspace is not None and account.alias in workspace.accounts:
        raise InvalidInput(
            names.alias, "must not be in use already (remove the account first)", account.alias
        )
    name = cred.vault_name(account.credential.access_key_id)  # type: ignore[union-attr]
    vault.store(name, new.secret)
    if saved:

        def add(config: profiles.Config) -> None:
            config.add(account)
            if vault_kind is not None:
                config.vault = vault_kind

        try:
            update_config(add, settings)
        except BaseException:
            vault.delete(name)
            raise
    if workspace is not None:
        workspace.accounts[account.alias] = account
    return account


# --- importing --------------------------------------------------------------------------


def import_candidates() -> list[profiles.ImportCandidate]:
    """The aliyun CLI profiles and environment credentials that can be imported
    (CredentialError when ~/.aliyun/config.json cannot be read)."""
    return profiles.import_candidates()


def imported_as(config: profiles.Config, candidate: profiles.ImportCandidate) -> str | None:
    """The alias of the account that already uses ``candidate``'s credentials, if any."""
    return next((a.alias for a in config.accounts if a.credential == candidate.credential), None)


def account_for(
    candidate: profiles.ImportCandidate,
    alias: str,
    uid: str,
    region: str | None = None,
    production: bool = False,
    names: FieldNames = FieldNames(),
) -> Account:
    """The account that uses ``candidate``'s credentials (InvalidInput naming the field)."""
    return Account(
        validate_alias(alias.strip(), names.alias),
        model.validate_uid(uid.strip(), names.uid),
        model.validate_region(region or candidate.region, names.region),
        candidate.credential,
        production,
    )


def save_accounts(workspace: Workspace | None, accounts: Iterable[Account]) -> None:
    """Add accounts whose credentials are not secret (aliyun CLI profiles, environment) to
    config.toml, all or none (InvalidInput for an alias in use, WorkspaceError)."""
    accounts = list(accounts)

    def add(config: profiles.Config) -> None:
        for account in accounts:
            config.add(account)

    update_config(add)
    if workspace is not None:
        workspace.accounts.update({a.alias: a for a in accounts})


# --- removing and changing ---------------------------------------------------------------


@dataclass(frozen=True)
class Removed:
    account: Account
    vault_kind: str | None = None  # the vault its secret was deleted from, if it was asked
    secret_deleted: bool = False

    def describe(self) -> str:
        note = ""
        if self.vault_kind is not None:
            note = (
                f"; its secret was deleted from the {self.vault_kind} vault"
                if self.secret_deleted
                else "; the vault held no secret for it"
            )
        return f"Removed {self.account.alias}{note}."


def remove_account(
    workspace: Workspace | None,
    alias: str,
    vault: Vault | Callable[[], Vault] | None = None,
    *,
    keep_secret: bool = False,
    settings: Path | None = None,
) -> Removed:
    """Remove the account from config.toml (or ``settings``) and its secret from the vault,
    unless another account shares it or ``keep_secret``. ``vault`` (default: the
    workspace's) is opened only when a secret is to be deleted, so it may be a callable
    that opens it.

    InvalidInput for an unknown alias, VaultUnavailable (nothing removed), WorkspaceError.
    """
    validate_alias(alias)
    outcome: list[Removed] = []

    def remove(config: profiles.Config) -> None:
        account = config.remove(alias)
        ref = account.credential
        removed = Removed(account)
        shared = any(a.credential == ref for a in config.accounts)
        if isinstance(ref, cred.VaultKey) and not keep_secret and not shared:
            chosen = vault if vault is not None else getattr(workspace, "vault", None)
            opened = chosen() if callable(chosen) else chosen
            if opened is not None:
                deleted = opened.delete(cred.vault_name(ref.access_key_id))
                removed = Removed(account, opened.kind, deleted)
        outcome.append(removed)

    update_config(remove, settings)
    removed = outcome[0]
    if workspace is not None:
        workspace.accounts.pop(alias, None)
    return removed


def set_production(workspace: Workspace, alias: str, production: bool, *, saved: bool) -> None:
    """Mark an account as production or not; ``saved=False`` (the sandbox): for the session."""
    account = dataclasses.replace(workspace.accounts[alias], production=production)
    if saved:

        def mark(config: profiles.Config) -> None:
            config.accounts = [account if a.alias == alias else a for a in config.accounts]

        update_config(mark)
    workspace.accounts[alias] = account


def save_roles(monitoring: str | None, sources: list[str]) -> None:
    """Remember which account monitors and which are sources."""

    def remember(config: profiles.Config) -> None:
        config.monitoring, config.sources = monitoring, list(sources)

    update_config(remember)


# --- listing ----------------------------------------------------------------------------


def reachable(account: Account, vault: Vault | VaultUnavailable | None) -> str:
    """ "yes", or "no: why" — can the account's credentials be read now? ``vault`` may be
    the reason it could not be opened."""
    if isinstance(vault, VaultUnavailable):
        if isinstance(account.credential, cred.VaultKey):
            return "no: vault unavailable"
        vault = None
    try:
        cred.resolve_credentials(account, vault)
    except (cred.CredentialError, VaultUnavailable) as exc:
        return f"no: {redact(str(exc))}"
    return "yes"


def roles_note(config: profiles.Config, account: Account) -> str:
    """ "production", "monitoring", "source" as they apply, comma separated."""
    notes = ["production"] if account.production else []
    if config.monitoring == account.alias:
        notes.append("monitoring")
    if account.alias in config.sources:
        notes.append("source")
    return ", ".join(notes)


@dataclass(frozen=True)
class AccountRow:
    account: Account
    credentials: str
    reachable: str
    notes: str


def account_rows(
    accounts: Iterable[Account],
    vault: Vault | VaultUnavailable | None,
    config: profiles.Config | None = None,
) -> list[AccountRow]:
    """What ``armstui accounts list`` shows per account (sandbox accounts: no config)."""
    return [
        AccountRow(
            a,
            a.credential.describe() if a.credential else "(none)",
            reachable(a, vault),
            roles_note(config, a) if config is not None else "read-only",
        )
        for a in accounts
    ]


def sandbox_account_list(state_dir: Path | None) -> list[Account]:
    """The sandbox's seeded accounts, read from its sandbox.json (ConfigError)."""
    from armstui import sandbox_runtime

    where = state_dir or sandbox_runtime.default_state_dir()
    return profiles.sandbox_accounts(where / sandbox_runtime.SANDBOX_JSON)


def sandbox_saved_accounts(state_dir: Path) -> profiles.Config:
    """The settings of the accounts the operator added to the sandbox (ConfigError)."""
    return profiles.load(sandbox_settings_path(state_dir))
