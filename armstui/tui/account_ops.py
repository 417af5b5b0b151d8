"""Adding, importing and removing accounts from the app (the CLI's `armstui accounts`
rules: armstui/cli/accounts.py). Blocking (vault, config file): call from a worker.

Saved accounts live in config.toml (:mod:`armstui.profiles`); their secrets go straight
into the workspace's vault under :func:`armstui.credentials.vault_name`. Sandbox accounts
come from sandbox.json and are never saved: changes to them (production flag, roles)
last for the session.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from armstui import credentials as cred
from armstui import profiles
from armstui.model import (
    Account,
    validate_access_key_id,
    validate_access_key_secret,
    validate_alias,
    validate_region,
    validate_uid,
)


@dataclass(frozen=True)
class NewAccount:
    """What the add-account form gathered. The secret never shows in a repr."""

    alias: str
    uid: str
    region: str
    access_key_id: str
    secret: str = field(repr=False)
    production: bool = False

    def validated(self) -> Account:
        """The account, or InvalidInput naming the field and the rule (never the value)."""
        validate_access_key_secret(self.secret, "secret")
        return Account(
            validate_alias(self.alias, "alias"),
            validate_uid(self.uid, "account ID"),
            validate_region(self.region, "region"),
            cred.VaultKey(validate_access_key_id(self.access_key_id, "AccessKey ID")),
            self.production,
        )


def add(workspace: Any, new: NewAccount, *, sandbox: bool) -> Account:
    """Store the secret in the vault, then save the account (removing the secret again if
    saving fails). On the sandbox the account lasts for the session only."""
    account = new.validated()
    if account.alias in workspace.accounts:
        from armstui.model import InvalidInput

        raise InvalidInput(
            "alias", "must not be in use already (remove the account first)", account.alias
        )
    name = cred.vault_name(new.access_key_id)
    workspace.vault.store(name, new.secret)
    if not sandbox:
        try:
            config = profiles.load()
            config.add(account)
            profiles.save(config)
        except BaseException:
            workspace.vault.delete(name)
            raise
    workspace.accounts[account.alias] = account
    return account


def import_candidate(
    workspace: Any, candidate: profiles.ImportCandidate, alias: str, uid: str, production: bool
) -> Account:
    account = Account(
        validate_alias(alias, "alias"),
        validate_uid(uid, "account ID"),
        candidate.region,
        candidate.credential,
        production,
    )
    config = profiles.load()
    config.add(account)
    profiles.save(config)
    workspace.accounts[account.alias] = account
    return account


def remove(workspace: Any, alias: str) -> str:
    """Remove the account and (unless another account shares it) its secret; what was done."""
    config = profiles.load()
    account = config.remove(alias)
    ref = account.credential
    note = ""
    if isinstance(ref, cred.VaultKey) and not any(a.credential == ref for a in config.accounts):
        deleted = workspace.vault.delete(cred.vault_name(ref.access_key_id))
        note = "; its secret was deleted from the vault" if deleted else ""
    profiles.save(config)
    workspace.accounts.pop(alias, None)
    return f"Removed {alias}{note}."


def set_production(workspace: Any, alias: str, production: bool, *, sandbox: bool) -> None:
    account = dataclasses.replace(workspace.accounts[alias], production=production)
    if not sandbox:
        config = profiles.load()
        config.accounts = [account if a.alias == alias else a for a in config.accounts]
        profiles.save(config)
    workspace.accounts[alias] = account


def save_roles(monitoring: str | None, sources: list[str]) -> None:
    config = profiles.load()
    config.monitoring, config.sources = monitoring, list(sources)
    profiles.save(config)


def saved_roles() -> tuple[str | None, list[str]]:
    config = profiles.load()
    return config.monitoring, list(config.sources)


def reachable(workspace: Any, account: Account) -> str:
    """ "yes", or "no: why" — can the account's secret be read now?"""
    from armstui.secrets.redaction import redact
    from armstui.vault import VaultUnavailable

    try:
        cred.resolve_credentials(account, workspace.vault)
    except (cred.CredentialError, VaultUnavailable) as exc:
        return f"no: {redact(str(exc))}"
    return "yes"
