"""RAM 2015-05-01: users, policies, AccessKeys, roles, login profiles.

RPC over ``ram.aliyuncs.com``; SDK alibabacloud_ram20150501 (``client.py``, ``models``).
Facts relied on: the secret of an AccessKey is returned only by ``CreateAccessKey``; a user
has at most two keys (``LimitExceeded.User.AccessKey``); missing entities answer 404
``EntityNotExist.<Kind>`` — the ``get_*`` functions turn that into ``None``; policy
documents travel as JSON strings (``AssumeRolePolicyDocument``, ``PolicyDocument``) and are
dicts here; ``PolicyType`` is ``System`` or ``Custom``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import unquote

from armstui.cloud.errors import CloudError, reading, required
from armstui.cloud.rpc import service_rpc
from armstui.secrets.redaction import redactor

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession


T = TypeVar("T")

HolderKind = Literal["user", "role"]
"""Who a policy is attached to."""


@dataclass(frozen=True)
class User:
    user_name: str
    user_id: str
    display_name: str | None = None
    create_date: str | None = None


@dataclass(frozen=True)
class AttachedPolicy:
    policy_name: str
    policy_type: str  # System | Custom
    attach_date: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    status: str  # Active | Inactive
    create_date: str | None = None


@dataclass(frozen=True, repr=False)
class NewAccessKey:
    """A key just created: the only moment its secret exists. Never printed."""

    access_key_id: str
    secret: str
    status: str = "Active"
    create_date: str | None = None

    def __post_init__(self) -> None:
        redactor.add(self.secret)

    def __repr__(self) -> str:
        return f"NewAccessKey(access_key_id={self.access_key_id!r}, secret='****', status={self.status!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class Role:
    role_name: str
    role_id: str
    arn: str
    trust_policy: dict[str, Any]
    description: str | None = None
    max_session_duration: int | None = None
    create_date: str | None = None


@dataclass(frozen=True)
class Policy:
    policy_name: str
    policy_type: str
    document: dict[str, Any]
    description: str | None = None
    default_version: str | None = None


@dataclass(frozen=True)
class LoginProfile:
    user_name: str
    password_reset_required: bool = False
    mfa_bind_required: bool = False
    create_date: str | None = None


def _models() -> Any:
    from alibabacloud_ram20150501 import models

    return models


_rpc = service_rpc("ram")


async def _ram(session: CloudSession, action: str, *, mutating: bool, **fields: Any) -> Any:
    """The RAM API ``action`` with a request of ``fields`` (the SDK's ``<action>Request``,
    sent by its snake_case method); answers the body."""
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
    return await _rpc(
        session, action, method, getattr(_models(), f"{action}Request")(**fields), mutating=mutating
    )


async def _read_or_none(
    session: CloudSession, action: str, missing_code: str, **fields: Any
) -> Any:
    """The body of the read ``action``, or None where RAM answers ``missing_code`` (404)."""
    try:
        return await _ram(session, action, mutating=False, **fields)
    except CloudError as error:
        if error.code == missing_code:
            return None
        raise


async def _get_entity(
    session: CloudSession, kind: str, parse: Callable[[Any], T], **fields: Any
) -> T | None:
    """``Get<kind>``'s entity (under ``<kind>`` in the body) as ``parse`` reads it, or None
    where RAM answers ``EntityNotExist.<kind>``."""
    body = await _read_or_none(session, f"Get{kind}", f"EntityNotExist.{kind}", **fields)
    return parse(getattr(body, kind.lower())) if body else None


def _document(text: str | None) -> dict[str, Any]:
    """Parse a policy document. RAM returns JSON; some older answers URL-encode it."""
    if not text:
        return {}
    for candidate in (text, unquote(text)):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise CloudError(
        "MalformedPolicyDocument",
        "RAM returned a policy document that is not a JSON object",
        service="ram",
        retryable=False,
    )


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


# --- users ----------------------------------------------------------------------------


def _user(raw: Any) -> User:
    with reading(
        "ram", "User"
    ):  # an answer without its User: a MalformedAnswer, not an AttributeError
        return User(
            required(raw.user_name, "User.UserName", "ram", "User"),
            raw.user_id,
            raw.display_name or None,
            raw.create_date,
        )


async def get_user(session: CloudSession, user_name: str) -> User | None:
    return await _get_entity(session, "User", _user, user_name=user_name)


async def create_user(
    session: CloudSession,
    user_name: str,
    display_name: str | None = None,
    comments: str | None = None,
) -> User:
    fields = {"user_name": user_name, "display_name": display_name, "comments": comments}
    return _user((await _ram(session, "CreateUser", mutating=True, **fields)).user)


async def delete_user(session: CloudSession, user_name: str) -> None:
    await _ram(session, "DeleteUser", user_name=user_name, mutating=True)


# --- policies attached to users and roles ----------------------------------------------


def _attached(body: Any) -> list[AttachedPolicy]:
    items = body.policies.policy if body.policies and body.policies.policy else []
    return [
        AttachedPolicy(p.policy_name, p.policy_type, p.attach_date, p.description or None)
        for p in items
    ]


async def _policy_rpc(
    session: CloudSession,
    action: str,
    kind: HolderKind,
    holder: str,
    *,
    mutating: bool,
    **policy: str,
) -> Any:
    """One policy-attachment call for a user or a role: ``action`` is the API name without
    its holder (``AttachPolicyTo``), which adds ``User`` or ``Role``."""
    holder_field = {f"{kind}_name": holder}
    return await _ram(
        session, action + kind.capitalize(), mutating=mutating, **holder_field, **policy
    )


async def _list_attached(
    session: CloudSession, kind: HolderKind, holder: str
) -> list[AttachedPolicy]:
    return _attached(await _policy_rpc(session, "ListPoliciesFor", kind, holder, mutating=False))


async def _change_attachment(
    session: CloudSession,
    action: str,
    kind: HolderKind,
    holder: str,
    policy_name: str,
    policy_type: str,
) -> None:
    await _policy_rpc(
        session,
        action,
        kind,
        holder,
        mutating=True,
        policy_name=policy_name,
        policy_type=policy_type,
    )


async def list_policies_for_user(session: CloudSession, user_name: str) -> list[AttachedPolicy]:
    return await _list_attached(session, "user", user_name)


async def list_policies_for_role(session: CloudSession, role_name: str) -> list[AttachedPolicy]:
    return await _list_attached(session, "role", role_name)


async def attach_policy_to_user(
    session: CloudSession, user_name: str, policy_name: str, policy_type: str = "System"
) -> None:
    await _change_attachment(session, "AttachPolicyTo", "user", user_name, policy_name, policy_type)


async def detach_policy_from_user(
    session: CloudSession, user_name: str, policy_name: str, policy_type: str = "System"
) -> None:
    await _change_attachment(
        session, "DetachPolicyFrom", "user", user_name, policy_name, policy_type
    )


async def attach_policy_to_role(
    session: CloudSession, role_name: str, policy_name: str, policy_type: str = "System"
) -> None:
    await _change_attachment(session, "AttachPolicyTo", "role", role_name, policy_name, policy_type)


async def detach_policy_from_role(
    session: CloudSession, role_name: str, policy_name: str, policy_type: str = "System"
) -> None:
    await _change_attachment(
        session, "DetachPolicyFrom", "role", role_name, policy_name, policy_type
    )


# --- access keys --------------------------------------------------------------------------


async def list_access_keys(session: CloudSession, user_name: str) -> list[AccessKey]:
    body = await _ram(session, "ListAccessKeys", user_name=user_name, mutating=False)
    items = body.access_keys.access_key if body.access_keys and body.access_keys.access_key else []
    return [AccessKey(k.access_key_id, k.status, k.create_date) for k in items]


async def create_access_key(session: CloudSession, user_name: str) -> NewAccessKey:
    """The one non-idempotent call: store ``.secret`` before anything else can fail."""
    body = await _ram(session, "CreateAccessKey", user_name=user_name, mutating=True)
    key = body.access_key
    return NewAccessKey(
        key.access_key_id, key.access_key_secret, key.status or "Active", key.create_date
    )


async def _on_key(
    session: CloudSession,
    action: str,
    user_name: str,
    access_key_id: str,
    *,
    mutating: bool = True,
    **more: str,
) -> Any:
    """The AccessKey ``action`` on ``user_name``'s key ``access_key_id``."""
    key = {"user_name": user_name, "user_access_key_id": access_key_id}
    return await _ram(session, action, mutating=mutating, **key, **more)


async def update_access_key(
    session: CloudSession, user_name: str, access_key_id: str, status: str
) -> None:
    """``status``: ``Active`` or ``Inactive``."""
    await _on_key(session, "UpdateAccessKey", user_name, access_key_id, status=status)


async def delete_access_key(session: CloudSession, user_name: str, access_key_id: str) -> None:
    await _on_key(session, "DeleteAccessKey", user_name, access_key_id)


async def get_access_key_last_used(
    session: CloudSession, user_name: str, access_key_id: str
) -> str | None:
    """When the key last signed a request (UTC ISO 8601), or None if never.

    GetAccessKeyLastUsed (RAM 2015-05-01; SDK ``GetAccessKeyLastUsedResponseBody.
    AccessKeyLastUsed.LastUsedDate``). UNCONFIRMED: how soon RAM updates the date after use."""
    body = await _on_key(session, "GetAccessKeyLastUsed", user_name, access_key_id, mutating=False)
    used = body.access_key_last_used
    return (used.last_used_date or None) if used is not None else None


# --- roles ----------------------------------------------------------------------------------


def _role(raw: Any) -> Role:
    with reading("ram", "Role"):
        return Role(
            required(raw.role_name, "Role.RoleName", "ram", "Role"),
            raw.role_id,
            raw.arn,
            _document(raw.assume_role_policy_document),
            raw.description or None,
            raw.max_session_duration,
            raw.create_date,
        )


async def get_role(session: CloudSession, role_name: str) -> Role | None:
    return await _get_entity(session, "Role", _role, role_name=role_name)


async def create_role(
    session: CloudSession,
    role_name: str,
    trust_policy: dict[str, Any],
    description: str = "",
    max_session_duration: int | None = None,
) -> Role:
    request = _models().CreateRoleRequest(
        role_name=role_name,
        assume_role_policy_document=_json(trust_policy),
        description=description or None,
        max_session_duration=max_session_duration,
    )
    return _role((await _rpc(session, "CreateRole", "create_role", request, mutating=True)).role)


async def update_role(
    session: CloudSession,
    role_name: str,
    trust_policy: dict[str, Any],
    max_session_duration: int | None = None,
) -> Role:
    request = _models().UpdateRoleRequest(
        role_name=role_name,
        new_assume_role_policy_document=_json(trust_policy),
        new_max_session_duration=max_session_duration,
    )
    return _role((await _rpc(session, "UpdateRole", "update_role", request, mutating=True)).role)


async def delete_role(session: CloudSession, role_name: str) -> None:
    await _ram(session, "DeleteRole", role_name=role_name, mutating=True)


# --- custom policies ------------------------------------------------------------------------


async def get_policy(
    session: CloudSession, policy_name: str, policy_type: str = "Custom"
) -> Policy | None:
    body = await _read_or_none(
        session,
        "GetPolicy",
        "EntityNotExist.Policy",
        policy_name=policy_name,
        policy_type=policy_type,
    )
    if body is None:
        return None
    policy, version = body.policy, body.default_policy_version
    text = (
        version.policy_document if version and version.policy_document else None
    ) or policy.policy_document
    return Policy(
        policy.policy_name,
        policy.policy_type,
        _document(text),
        policy.description or None,
        policy.default_version,
    )


async def create_policy(
    session: CloudSession, policy_name: str, document: dict[str, Any], description: str = ""
) -> Policy:
    request = _models().CreatePolicyRequest(
        policy_name=policy_name, policy_document=_json(document), description=description or None
    )
    policy = (await _rpc(session, "CreatePolicy", "create_policy", request, mutating=True)).policy
    return Policy(
        policy.policy_name,
        policy.policy_type or "Custom",
        document,
        policy.description or None,
        policy.default_version,
    )


async def delete_policy(session: CloudSession, policy_name: str) -> None:
    await _ram(session, "DeletePolicy", policy_name=policy_name, mutating=True)


# --- console login ----------------------------------------------------------------------------


def _login(raw: Any) -> LoginProfile:
    return LoginProfile(
        raw.user_name,
        bool(raw.password_reset_required),
        bool(raw.mfabind_required),
        raw.create_date,
    )


async def get_login_profile(session: CloudSession, user_name: str) -> LoginProfile | None:
    body = await _read_or_none(
        session, "GetLoginProfile", "EntityNotExist.User.LoginProfile", user_name=user_name
    )
    return _login(body.login_profile) if body else None


async def _set_password(
    session: CloudSession, action: str, user_name: str, password: str, reset_required: bool
) -> Any:
    """Create or Update ``LoginProfile``: the password is handed to the redactor first."""
    redactor.add(password)
    login = {"password": password, "password_reset_required": reset_required}
    return await _ram(session, action, mutating=True, user_name=user_name, **login)


async def create_login_profile(
    session: CloudSession, user_name: str, password: str, password_reset_required: bool = False
) -> LoginProfile:
    body = await _set_password(
        session, "CreateLoginProfile", user_name, password, password_reset_required
    )
    return _login(body.login_profile)


async def update_login_profile(
    session: CloudSession, user_name: str, password: str, password_reset_required: bool = False
) -> None:
    await _set_password(session, "UpdateLoginProfile", user_name, password, password_reset_required)


async def delete_login_profile(session: CloudSession, user_name: str) -> None:
    await _ram(session, "DeleteLoginProfile", user_name=user_name, mutating=True)
