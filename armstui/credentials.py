"""Where an account's credentials come from, and turning that into a key pair at use time.

A credential reference is small, non-secret and (for most kinds) saved in config.toml:

- :class:`VaultKey` — an AccessKey whose secret is in the vault (entry :func:`vault_name`);
- :class:`CliProfile` — a profile of the aliyun CLI's ``~/.aliyun/config.json``, read each
  time it is used and never copied. Modes ``AK``, ``StsToken`` and ``RamRoleArn`` (fields
  per aliyun-cli ``config/profile.go``: ``access_key_id``, ``access_key_secret``,
  ``sts_token``, ``ram_role_arn``, ``ram_session_name``);
- :class:`EnvCredentials` — ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``/``SECURITY_TOKEN``
  (the names alibabacloud_credentials reads, ``utils/auth_util.py``), read each time;
- :class:`StsSession` — temporary credentials from AssumeRole, held in memory only;
- :class:`SandboxKey` — a key the sandbox seeded, read from its ``sandbox.json``.

:func:`resolve_credentials` returns the base key pair, and for ``RamRoleArn`` profiles
the role to assume: the cloud layer calls AssumeRole itself through the STS SDK against
our endpoint (alibabacloud_credentials' RamRoleArn provider ignores custom endpoints).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from armstui.model import (
    Account,
    Credentials,
    InvalidInput,
    short_key_id,
    validate_access_key_id,
    validate_access_key_secret,
    validate_role_arn,
    validate_security_token,
    validate_session_name,
)

ENV_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
ENV_PROFILE = "ALIBABA_CLOUD_PROFILE"
CLI_MODES = ("AK", "StsToken", "RamRoleArn")
# The aliyun CLI's file holds a few profiles; anything this large is not one (and is not
# read into memory whole).
MAX_CLI_CONFIG_BYTES = 4 * 1024 * 1024
DEFAULT_SESSION_NAME = "armstui"


class CredentialError(LookupError):
    """The credentials an account refers to cannot be found; the text says which and where."""


class SecretReader(Protocol):
    def read(self, name: str) -> str | None: ...


def cli_config_path() -> Path:
    """The aliyun CLI's file, as both the CLI and alibabacloud_credentials locate it."""
    return Path(os.path.expanduser("~")) / ".aliyun" / "config.json"


def vault_name(access_key_id: str) -> str:
    """The vault entry holding an account AccessKey's secret."""
    return f"accesskey/{access_key_id}"


@dataclass(frozen=True)
class VaultKey:
    access_key_id: str

    def describe(self) -> str:
        return f"key {short_key_id(self.access_key_id)} in the vault"


@dataclass(frozen=True)
class CliProfile:
    name: str

    def describe(self) -> str:
        return f"aliyun CLI profile {shown_name(self.name)}"


@dataclass(frozen=True)
class EnvCredentials:
    def describe(self) -> str:
        return "ALIBABA_CLOUD_* environment variables"


@dataclass(frozen=True)
class StsSession:
    """Temporary credentials, never saved. ``credentials`` masks itself when printed."""

    credentials: Credentials
    role_arn: str | None = None
    expiration: str | None = None

    def describe(self) -> str:
        role = f" of {self.role_arn}" if self.role_arn else ""
        return f"STS session{role} (memory only)"


@dataclass(frozen=True)
class SandboxKey:
    access_key_id: str
    sandbox_json: Path

    def describe(self) -> str:
        return f"sandbox key {short_key_id(self.access_key_id)}"


CredentialRef = VaultKey | CliProfile | EnvCredentials | StsSession | SandboxKey


@dataclass(frozen=True)
class ResolvedCredentials:
    """What the cloud layer signs with; if ``assume_role_arn`` is set, it assumes it first."""

    base: Credentials
    assume_role_arn: str | None = None
    session_name: str | None = None


# --- config.toml form -----------------------------------------------------------------


def to_config(ref: CredentialRef) -> dict[str, str]:
    """The table saved in config.toml. Memory-only and sandbox references refuse."""
    if isinstance(ref, VaultKey):
        return {"source": "vault", "access_key_id": ref.access_key_id}
    if isinstance(ref, CliProfile):
        return {"source": "aliyun-cli", "profile": ref.name}
    if isinstance(ref, EnvCredentials):
        return {"source": "env"}
    raise ValueError(f"{ref.describe()} is not saved to disk")


def from_config(data: Mapping[str, Any], field: str = "credential") -> CredentialRef:
    source = data.get("source")
    if source == "vault" and isinstance(data.get("access_key_id"), str):
        return VaultKey(validate_access_key_id(data["access_key_id"], f"{field}.access_key_id"))
    if source == "aliyun-cli" and isinstance(data.get("profile"), str) and data["profile"]:
        return CliProfile(data["profile"])
    if source == "env":
        return EnvCredentials()
    raise InvalidInput(
        field, "must be source = 'vault' (with access_key_id), 'aliyun-cli' (with profile) or 'env'"
    )


# --- resolving --------------------------------------------------------------------------


def shown_name(name: object, limit: int = 40) -> str:
    """A profile name as it is safe to print: quoted, control characters escaped, cut at ``limit``."""
    text = name if isinstance(name, str) else f"<{type(name).__name__}>"
    cut = text[:limit]
    if not cut.isprintable():
        cut = cut.encode("unicode_escape", "backslashreplace").decode("ascii")
    return f"'{cut}" + ("…'" if len(text) > limit else "'")


def read_cli_config(path: Path | None = None) -> dict[str, Any]:
    path = path or cli_config_path()
    try:
        if path.stat().st_size > MAX_CLI_CONFIG_BYTES:
            raise CredentialError(
                f"{_tilde(path)} is larger than {MAX_CLI_CONFIG_BYTES // (1024 * 1024)} MB: "
                "not an aliyun CLI configuration"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialError(f"{_tilde(path)} does not exist (run `aliyun configure`)") from None
    except (OSError, ValueError, RecursionError) as exc:
        # Never include the parser's excerpt: the file holds secrets. RecursionError: nesting
        # deeper than the json module's recursion allows.
        raise CredentialError(
            f"{_tilde(path)} cannot be read as JSON ({type(exc).__name__})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
        raise CredentialError(f"{_tilde(path)} has no 'profiles' list")
    return data


def cli_profile(name: str, path: Path | None = None) -> dict[str, Any]:
    path = path or cli_config_path()
    for profile in read_cli_config(path).get("profiles", []):
        if isinstance(profile, dict) and profile.get("name") == name:
            return profile
    raise CredentialError(f"profile {shown_name(name)} not found in {_tilde(path)}")


def cli_mode(profile: Mapping[str, Any]) -> Any:
    """A profile's mode: ``AK`` when unset, as in the aliyun CLI (maybe not a string at all)."""
    return profile.get("mode") or "AK"


def unsupported_mode(mode: Any) -> str:
    plain = isinstance(mode, str) and mode.isprintable() and len(mode) <= 20
    return f"mode {mode if plain else shown_name(mode, 20)} is not supported ({', '.join(CLI_MODES)} are)"


def _checked(validate: Callable[[Any, str], str], value: Any, field: str) -> str:
    """``validate(value, field)``, its InvalidInput turned into a CredentialError (the rule, never the value)."""
    try:
        return validate(value, field)
    except InvalidInput as exc:
        raise CredentialError(str(exc)) from None


def _from_cli_profile(name: str) -> ResolvedCredentials:
    """The profile's credentials, every field checked for shape before anything is signed
    with them: a malformed profile fails here, with no call made."""
    profile = cli_profile(name)
    mode = cli_mode(profile)
    where = f"profile {shown_name(name)} in {_tilde(cli_config_path())}"
    if mode not in CLI_MODES:
        raise CredentialError(f"{where}: {unsupported_mode(mode)}")
    key_id, secret = profile.get("access_key_id"), profile.get("access_key_secret")
    for field, value in (("access_key_id", key_id), ("access_key_secret", secret)):
        if not value:
            raise CredentialError(f"{where} has no {field}")
    key_id = _checked(validate_access_key_id, key_id, f"{where}: access_key_id")
    secret = _checked(validate_access_key_secret, secret, f"{where}: access_key_secret")
    token = profile.get("sts_token") or None
    if mode == "StsToken":
        if not token:
            raise CredentialError(f"{where} has mode StsToken but no sts_token")
        _checked(validate_security_token, token, f"{where}: sts_token")
    base = Credentials(key_id, secret, token if mode == "StsToken" else None)
    if mode != "RamRoleArn":
        return ResolvedCredentials(base)
    arn = profile.get("ram_role_arn")
    if not arn:
        raise CredentialError(f"{where} has mode RamRoleArn but no ram_role_arn")
    _checked(validate_role_arn, arn, f"{where}: ram_role_arn")
    session_name = profile.get("ram_session_name") or DEFAULT_SESSION_NAME
    _checked(validate_session_name, session_name, f"{where}: ram_session_name")
    return ResolvedCredentials(base, arn, session_name)


def _from_env(env: Mapping[str, str]) -> ResolvedCredentials:
    """The ALIBABA_CLOUD_* pair (and token), each checked for shape: a malformed variable
    fails here, naming it, with no call made."""
    for name in (ENV_ID, ENV_SECRET):
        if not env.get(name):
            raise CredentialError(f"{name} is not set")
    token = env.get(ENV_TOKEN) or None
    _checked(validate_access_key_id, env[ENV_ID], ENV_ID)
    _checked(validate_access_key_secret, env[ENV_SECRET], ENV_SECRET)
    if token is not None:
        _checked(validate_security_token, token, ENV_TOKEN)
    return ResolvedCredentials(Credentials(env[ENV_ID], env[ENV_SECRET], token))


def sandbox_secret(ref: SandboxKey) -> str:
    try:
        info = json.loads(ref.sandbox_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CredentialError(
            f"cannot read {ref.sandbox_json} ({type(exc).__name__}): is the sandbox running?"
        ) from None
    for entry in (info.get("accounts") or {}).values():
        if isinstance(entry, dict) and entry.get("access_key_id") == ref.access_key_id:
            secret = entry.get("access_key_secret")
            if isinstance(secret, str) and secret:
                return secret
    raise CredentialError(
        f"no secret for key {short_key_id(ref.access_key_id)} in {ref.sandbox_json}"
    )


def resolve_credentials(
    account: Account, vault: SecretReader | None = None, env: Mapping[str, str] | None = None
) -> ResolvedCredentials:
    """The key pair to sign with for ``account``, read now from wherever it lives.

    Raises :class:`CredentialError` naming what is missing. ``vault`` is needed for
    :class:`VaultKey` only (and may raise ``vault.VaultUnavailable``).
    """
    ref = account.credential
    if isinstance(ref, VaultKey):
        if vault is None:
            raise CredentialError(
                f"account '{account.alias}': its secret is in the vault, and no vault is open"
            )
        secret = vault.read(vault_name(ref.access_key_id))
        if not secret:
            raise CredentialError(
                f"no secret for key {short_key_id(ref.access_key_id)} in the vault "
                f"(add it again: armstui accounts add {account.alias} ...)"
            )
        return ResolvedCredentials(Credentials(ref.access_key_id, secret))
    if isinstance(ref, CliProfile):
        return _from_cli_profile(ref.name)
    if isinstance(ref, EnvCredentials):
        return _from_env(os.environ if env is None else env)
    if isinstance(ref, StsSession):
        return ResolvedCredentials(ref.credentials)
    if isinstance(ref, SandboxKey):
        return ResolvedCredentials(Credentials(ref.access_key_id, sandbox_secret(ref)))
    raise CredentialError(f"account '{account.alias}' has no credentials")


def _tilde(path: Path) -> str:
    home = Path(os.path.expanduser("~"))
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)
