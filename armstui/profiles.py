"""Non-secret settings: the accounts, the chosen vault and the chosen aliases, in TOML.

The file is ``platformdirs.user_config_path("armstui") / "config.toml"`` (on Linux
``~/.config/armstui/config.toml``), or ``$ARMSTUI_CONFIG``. Read with ``tomllib``,
written with ``tomli_w`` atomically (temp file + rename), mode 0600 in a 0700 folder::

    vault = "keyring"            # keyring | file | memory (never a passphrase)
    monitoring = "prod-a"
    sources = ["prod-b"]

    [accounts.prod-a]
    uid = "1234567890123456"
    region = "cn-hangzhou"
    production = true
    read_only = true             # armstui never changes anything in this account
    credential = { source = "vault", access_key_id = "LTAI..." }   # or "aliyun-cli", "env"

It never holds a secret: :func:`save` refuses any text the vault's redactor knows, and
:func:`load` refuses an entry named like a secret (``access_key_secret``, ``password``…)
written in by hand, saying where secrets go. Changes go through :func:`update`, which
holds an ``flock`` on ``config.toml.lock`` while it reads, changes and writes, so two
processes adding accounts at once do not lose either.
Sandbox accounts come from the sandbox's ``sandbox.json`` (:func:`sandbox_accounts`) and
are never written here. :func:`import_candidates` lists what can be imported from the
aliyun CLI's ``~/.aliyun/config.json`` and the ``ALIBABA_CLOUD_*`` variables.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from armstui import credentials as cred
from armstui.model import (
    DEFAULT_REGION,
    Account,
    InvalidInput,
    role_arn_uid,
    validate_alias,
    validate_region,
)
from armstui.paths import CONFIG_ENV, config_path
from armstui.secrets.base import VAULT_KINDS
from armstui.secrets.private_files import (
    ensure_private_dir,
    is_special_file,
    write_private_file,
)
from armstui.secrets.redaction import redact, redactor

SANDBOX_ALIASES = ("monitoring", "source", "outsider")
# Names a hand-written secret would go by; such an entry is refused, never dropped quietly.
_SECRET_NAMES = re.compile(r"secret|password|passphrase|token|private", re.IGNORECASE)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, still atomic
    fcntl = None  # type: ignore[assignment]


class ConfigError(ValueError):
    """config.toml (or sandbox.json) cannot be used; the text names the file and the entry."""


@dataclass
class Config:
    accounts: list[Account] = field(default_factory=list)
    vault: str = "keyring"
    monitoring: str | None = None
    sources: list[str] = field(default_factory=list)

    def account(self, alias: str) -> Account | None:
        return next((a for a in self.accounts if a.alias == alias), None)

    def add(self, account: Account) -> None:
        if self.account(account.alias) is not None:
            raise InvalidInput(
                "alias", "must not be in use already (remove the account first)", account.alias
            )
        if account.credential is not None:
            cred.to_config(account.credential)  # raises for memory-only and sandbox references
        self.accounts.append(account)

    def remove(self, alias: str) -> Account:
        account = self.account(alias)
        if account is None:
            raise InvalidInput("alias", "must name a configured account", alias)
        self.accounts.remove(account)
        if self.monitoring == alias:
            self.monitoring = None
        self.sources = [s for s in self.sources if s != alias]
        return account


# --- reading and writing ----------------------------------------------------------------


def load(path: Path | None = None) -> Config:
    """The saved settings; an empty Config when there is no file yet."""
    path = path or config_path()
    if is_special_file(path):
        raise ConfigError(f"{path}: not a regular file; move it aside (mv {path} {path}.broken)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:  # nesting deeper than tomllib's recursion allows
        raise ConfigError(f"{path}: nested too deeply to be armstui's settings") from None
    secret_entry = _secret_entry(data)
    if secret_entry is not None:
        raise ConfigError(
            f"{path}: {secret_entry}: secrets do not belong in this file; delete that line and "
            "store the secret in the vault (`armstui accounts add ALIAS --uid UID "
            "--access-key-id ID` asks for it, hidden)"
        )
    try:
        return _from_toml(data)
    except InvalidInput as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _secret_entry(data: Mapping[str, Any], where: str = "") -> str | None:
    """The dotted name of the first entry named like a secret, if any (never its value)."""
    for key, value in data.items():
        name = f"{where}.{_table_name(str(key))}" if where else _table_name(str(key))
        if _SECRET_NAMES.search(str(key)):
            return name
        if isinstance(value, dict):
            found = _secret_entry(value, name)
            if found is not None:
                return found
    return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (released by the OS if we die)."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        if path != config_path() or not os.environ.get(CONFIG_ENV):
            ensure_private_dir(lock_path.parent)  # $ARMSTUI_CONFIG's folder is the operator's
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be locked for writing ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def update(change: Callable[[Config], None], path: Path | None = None) -> Config:
    """Read the settings, apply ``change`` and write them back, all under the file's lock,
    so concurrent changes are applied one after the other. Returns the saved settings."""
    path = path or config_path()
    with _locked(path):
        config = load(path)
        change(config)
        save(config, path)
    return config


def _from_toml(data: Mapping[str, Any]) -> Config:
    vault = data.get("vault", "keyring")
    if vault not in VAULT_KINDS:
        raise InvalidInput("vault", f"must be one of {', '.join(VAULT_KINDS)}", repr(vault)[:20])
    accounts = []
    tables = data.get("accounts") or {}
    if not isinstance(tables, dict):
        raise InvalidInput("accounts", "must be a table of [accounts.ALIAS] tables")
    for alias, entry in tables.items():
        where = f"accounts.{_table_name(alias)}"
        if not isinstance(entry, dict):
            raise InvalidInput(where, "must be a table")
        try:
            if "credential" in entry and not isinstance(entry["credential"], dict):
                raise InvalidInput(
                    f"{where}.credential",
                    'must be a table such as { source = "vault", access_key_id = "LTAI…" }',
                )
            credential = (
                cred.from_config(entry["credential"], f"{where}.credential")
                if "credential" in entry
                else None
            )
            production = entry.get("production", False)
            if not isinstance(production, bool):
                raise InvalidInput("production", "must be true or false")
            read_only = entry.get("read_only", False)
            if not isinstance(read_only, bool):
                raise InvalidInput("read_only", "must be true or false")
            accounts.append(
                Account(
                    alias,
                    entry.get("uid", ""),
                    entry.get("region", DEFAULT_REGION),
                    credential,
                    production,
                    read_only,
                )
            )
        except InvalidInput as exc:
            field_name = exc.field if exc.field.startswith(where) else f"{where}.{exc.field}"
            raise InvalidInput(field_name, exc.rule, exc.got) from None
    sources = data.get("sources", [])
    monitoring = data.get("monitoring")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise InvalidInput("sources", "must be a list of aliases")
    if monitoring is not None and not isinstance(monitoring, str):
        raise InvalidInput("monitoring", "must be an alias")
    return Config(accounts, vault, monitoring, list(sources))


def _table_name(alias: str) -> str:
    """An [accounts.X] name as it is safe to show (a bad one may hold anything)."""
    return alias if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", alias) else cred.shown_name(alias)


def to_toml(config: Config) -> str:
    data: dict[str, Any] = {"vault": config.vault}
    if config.monitoring:
        data["monitoring"] = config.monitoring
    if config.sources:
        data["sources"] = list(config.sources)
    accounts: dict[str, Any] = {}
    for account in config.accounts:
        entry: dict[str, Any] = {
            "uid": account.uid,
            "region": account.region,
            "production": account.production,
        }
        if account.read_only:
            entry["read_only"] = True
        if account.credential is not None:
            entry["credential"] = cred.to_config(account.credential)
        accounts[account.alias] = entry
    if accounts:
        data["accounts"] = accounts
    text = tomli_w.dumps(data)
    if redact(text) != text:
        where = next(
            (f"accounts.{a}" for a, e in accounts.items() if redact(repr(e)) != repr(e)),
            "the settings",
        )
        raise ConfigError(f"refusing to write config.toml: {where} contains a secret")
    return text


def save(config: Config, path: Path | None = None) -> Path:
    """Write atomically, mode 0600; the default folder is made 0700. ConfigError (naming
    the file) when it cannot be written, e.g. $ARMSTUI_CONFIG in a folder we may not create."""
    path = path or config_path()
    text = to_toml(config).encode("utf-8")
    try:
        if not os.environ.get(CONFIG_ENV):
            ensure_private_dir(path.parent)
        write_private_file(path, text)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be written ({exc.strerror or type(exc).__name__})"
        ) from None
    return path


# --- import candidates ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCandidate:
    """Something ``armstui accounts import`` can add. ``problem`` is why it cannot, if so."""

    name: str  # the CLI profile name, or "env"
    credential: cred.CliProfile | cred.EnvCredentials
    access_key_id: str | None
    region: str
    mode: str
    uid: str | None = None  # known for RamRoleArn profiles (the role's account)
    default: bool = False  # the profile the aliyun CLI would use now
    problem: str | None = None

    @property
    def alias(self) -> str:
        return suggest_alias(self.name)


def suggest_alias(name: str) -> str:
    """A valid alias close to ``name`` ("Prod A" -> "prod-a")."""
    alias = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    if not alias or not alias[0].isalpha():
        alias = "p-" + alias
    return alias[:32].rstrip("-_") or "imported"


def import_candidates(
    env: Mapping[str, str] | None = None, cli_config: Path | None = None
) -> list[ImportCandidate]:
    """The aliyun CLI profiles and the environment credentials, default first.

    The CLI's default is ``ALIBABA_CLOUD_PROFILE``, else the file's ``current``
    (aliyun-cli ``config/configuration.go``). Secrets read on the way are handed to the
    redactor and dropped: candidates hold none.
    """
    env = os.environ if env is None else env
    found: list[ImportCandidate] = []
    path = cli_config or cred.cli_config_path()
    if path.exists():
        data = cred.read_cli_config(path)
        default = env.get(cred.ENV_PROFILE) or data.get("current")
        for profile in data.get("profiles", []):
            if (
                isinstance(profile, dict)
                and isinstance(profile.get("name"), str)
                and profile["name"]
            ):
                found.append(_cli_candidate(profile, profile["name"] == default))
    if env.get(cred.ENV_ID):
        redactor.add(env.get(cred.ENV_SECRET))
        redactor.add(env.get(cred.ENV_TOKEN))
        problem = None if env.get(cred.ENV_SECRET) else f"{cred.ENV_SECRET} is not set"
        found.append(
            ImportCandidate(
                "env",
                cred.EnvCredentials(),
                env[cred.ENV_ID],
                env.get("ALIBABA_CLOUD_REGION_ID") or DEFAULT_REGION,
                "StsToken" if env.get(cred.ENV_TOKEN) else "AK",
                problem=problem,
            )
        )
    return sorted(found, key=lambda c: not c.default)


def _is_region(value: str) -> bool:
    try:
        validate_region(value)
    except InvalidInput:
        return False
    return True


def _cli_candidate(profile: dict[str, Any], default: bool) -> ImportCandidate:
    """A profile as a candidate; whatever is wrong with it (a missing or mistyped field) is
    its ``problem``, never an exception: one bad profile must not hide the others."""
    for name in ("access_key_secret", "sts_token"):
        if isinstance(profile.get(name), str):
            redactor.add(profile[name])
    mode = cred.cli_mode(profile)
    key_id = profile.get("access_key_id")
    region = profile.get("region_id") or DEFAULT_REGION
    problem, uid = None, None
    wrong_type = next(
        (
            f
            for f in (
                "access_key_id",
                "access_key_secret",
                "sts_token",
                "region_id",
                "ram_role_arn",
            )
            if profile.get(f) is not None and not isinstance(profile[f], str)
        ),
        None,
    )
    if mode not in cred.CLI_MODES:
        problem = cred.unsupported_mode(mode)
    elif wrong_type:
        problem = f"{wrong_type}: must be a string"
    elif region != DEFAULT_REGION and not _is_region(region):
        problem = "region_id: must be a region ID such as cn-hangzhou or ap-southeast-1"
    elif not key_id or not profile.get("access_key_secret"):
        problem = "it has no AccessKey pair"
    elif mode == "RamRoleArn":
        try:
            uid = role_arn_uid(profile.get("ram_role_arn") or "")
        except InvalidInput as exc:
            problem = str(exc)
    return ImportCandidate(
        profile["name"],
        cred.CliProfile(profile["name"]),
        key_id if isinstance(key_id, str) and key_id else None,
        region if isinstance(region, str) and _is_region(region) else DEFAULT_REGION,
        mode if isinstance(mode, str) else "?",
        uid,
        default,
        problem,
    )


# --- the sandbox ------------------------------------------------------------------------


def sandbox_accounts(sandbox_json: Path) -> list[Account]:
    """The sandbox's seeded accounts (``monitoring``, ``source``, ``outsider``), read-only.

    ``sandbox.json``: ``{"endpoint", "region", "accounts": {alias: {"uid",
    "access_key_id", "access_key_secret"}}}``. The secrets stay in that file; each account
    refers to its key with :class:`~armstui.credentials.SandboxKey`.
    """
    sandbox_json = Path(sandbox_json)
    try:
        info = json.loads(sandbox_json.read_text(encoding="utf-8"))
        region = info.get("region") or DEFAULT_REGION
        entries = info["accounts"]
        if not isinstance(entries, dict):
            raise TypeError("accounts is not an object")
        order = [a for a in SANDBOX_ALIASES if a in entries] + sorted(
            set(entries) - set(SANDBOX_ALIASES)
        )
        accounts = []
        for alias in order:
            entry = entries[alias]
            redactor.add(entry.get("access_key_secret"))
            validate_alias(alias)
            accounts.append(
                Account(
                    alias,
                    entry["uid"],
                    region,
                    cred.SandboxKey(entry["access_key_id"], sandbox_json),
                )
            )
        return accounts
    except FileNotFoundError:
        raise ConfigError(f"{sandbox_json} does not exist: is the sandbox running?") from None
    except (OSError, ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        raise ConfigError(
            f"{sandbox_json}: not a sandbox description ({type(exc).__name__}: {redact(str(exc))})"
        ) from None
