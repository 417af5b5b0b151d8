"""STS 2015-04-01: who am I, and becoming a role.

GetCallerIdentity needs no permission and returns ``AccountId, UserId, Arn, IdentityType
(Account|RAMUser|AssumedRoleUser), PrincipalId, RoleId`` (``UserId`` only for an account or
RAM user, ``RoleId`` only for a role). AssumeRole takes ``RoleArn``, ``RoleSessionName``
(2-64 of ``[A-Za-z0-9.@_-]``), ``DurationSeconds`` (900 up to the role's maximum, default
3600) and returns ``Credentials{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}``
and ``AssumedRoleUser{Arn, AssumedRoleId}``. Refusals: 403 ``NoPermission`` (caller lacks
``sts:AssumeRole`` or the trust policy does not admit it), 404 ``EntityNotExist.Role``.
SDK: alibabacloud_sts20150401 ``models.AssumeRoleRequest`` / ``GetCallerIdentityResponseBody``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import reading, required
from armstui.model import Credentials, short_key_id
from armstui.secrets.redaction import redactor

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession


@dataclass(frozen=True)
class CallerIdentity:
    account_id: str
    identity_type: str  # Account | RAMUser | AssumedRoleUser
    arn: str
    principal_id: str | None = None
    user_id: str | None = None
    role_id: str | None = None
    server_time: float | None = None  # the answer's HTTP Date (epoch seconds), for clock skew


@dataclass(frozen=True, repr=False)
class StsCredentials:
    """Temporary credentials from AssumeRole. Held in memory only; never printed."""

    access_key_id: str
    access_key_secret: str
    security_token: str
    expiration: str | None
    assumed_role_arn: str | None = None
    assumed_role_id: str | None = None

    def __post_init__(self) -> None:
        redactor.add(self.access_key_secret)
        redactor.add(self.security_token)

    def __repr__(self) -> str:
        return (
            f"StsCredentials(access_key_id={short_key_id(self.access_key_id)!r}, access_key_secret='****', "
            f"security_token='****', expiration={self.expiration!r}, assumed_role_arn={self.assumed_role_arn!r})"
        )

    __str__ = __repr__

    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.access_key_secret, self.security_token)


async def get_caller_identity(session: CloudSession) -> CallerIdentity:
    async def invoke(client: Any, runtime: Any) -> Any:
        return await client.get_caller_identity_with_options_async(runtime)

    response = await session.call("sts", "GetCallerIdentity", invoke, mutating=False)
    body = response.body
    where = ("sts", "GetCallerIdentity", session.alias)
    with reading(*where):
        return CallerIdentity(
            required(body.account_id, "AccountId", *where),
            required(body.identity_type, "IdentityType", *where),
            required(body.arn, "Arn", *where),
            _optional(body.principal_id),
            _optional(body.user_id),
            _optional(body.role_id),
            _http_date(getattr(response, "headers", None)),
        )


def _http_date(headers: Any) -> float | None:
    """The ``Date`` header as epoch seconds; None when absent or unreadable."""
    from email.utils import parsedate_to_datetime

    if not isinstance(headers, dict):
        return None
    text = next((v for k, v in headers.items() if str(k).lower() == "date"), None)
    try:
        return parsedate_to_datetime(str(text)).timestamp() if text else None
    except (TypeError, ValueError):
        return None


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def assume_role(
    session: CloudSession,
    role_arn: str,
    session_name: str,
    duration: int = 3600,
    policy: dict[str, Any] | None = None,
) -> StsCredentials:
    """Not marked mutating: a lost answer only leaves an unused token, so reads' retries apply."""
    from alibabacloud_sts20150401 import models

    request = models.AssumeRoleRequest(
        role_arn=role_arn,
        role_session_name=session_name,
        duration_seconds=duration,
        policy=json.dumps(policy, separators=(",", ":")) if policy else None,
    )

    async def invoke(client: Any, runtime: Any) -> Any:
        return await client.assume_role_with_options_async(request, runtime)

    body = (await session.call("sts", "AssumeRole", invoke, mutating=False)).body
    where = ("sts", "AssumeRole", session.alias)
    with reading(*where):
        creds, user = body.credentials, body.assumed_role_user
        if creds is None:
            required(None, "Credentials", *where)
        return StsCredentials(
            required(creds.access_key_id, "Credentials.AccessKeyId", *where),
            required(creds.access_key_secret, "Credentials.AccessKeySecret", *where),
            required(creds.security_token, "Credentials.SecurityToken", *where),
            _optional(creds.expiration),
            _optional(user.arn) if user else None,
            _optional(user.assumed_role_id) if user else None,
        )
