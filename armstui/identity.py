"""Who an account's credentials are (STS GetCallerIdentity) and becoming a role
(AssumeRole), as ``armstui whoami``/``switch`` and the app's identity screen use them
through :meth:`armstui.flows.workspace.Workspace.whoami` and ``switch``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from armstui.cloud.errors import CloudError
from armstui.model import role_arn_uid

SWITCH_SESSION_NAME = "armstui-switch"
ROOT_HINT = (
    "STS refuses AssumeRole with an account's root AccessKey (\"Roles may not be assumed by "
    'root accounts."): switch with the AccessKey of a RAM user of that account that may call '
    "sts:AssumeRole (AliyunSTSAssumeRoleAccess), e.g. the role flow's arms-operator."
)


class SwitchFailed(CloudError):
    """The cloud error on the way to a role (same code, request ID and hint), with the one
    line that says what it meant: ``headline``."""

    def __init__(self, error: CloudError, headline: str, hint: str | None = None) -> None:
        if hint is not None:  # the service's generic hint would point the wrong way
            error = _rehinted(error, hint)
        super().__init__(*_fields(error)[0], **_fields(error)[1])
        self.error, self.headline = error, headline


def _fields(error: CloudError) -> tuple[tuple[str, str], dict[str, Any]]:
    return (error.code, error.message), {
        "request_id": error.request_id,
        "http_status": error.http_status,
        "hint": error.hint,
        "service": error.service,
        "action": error.action,
        "account": error.account,
        "retryable": error.retryable,
        "missing_action": error.missing_action,
        "access_denied": error.access_denied,
    }


def _rehinted(error: CloudError, hint: str) -> CloudError:
    args, fields = _fields(error)
    return CloudError(*args, **{**fields, "hint": hint})


@dataclass(frozen=True)
class Switched:
    """Who we became and the ARMS applications visible; unpacks as ``(identity, apps)``."""

    identity: Any
    apps: list[Any]
    expiration: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.identity, self.apps))


async def caller_identity(session: Any) -> Any:
    """STS GetCallerIdentity for a session's credentials (needs no permission)."""
    from armstui.cloud import sts

    return await sts.get_caller_identity(session)


async def switch_role(
    session: Any, role_arn: str, session_name: str = SWITCH_SESSION_NAME, duration: int = 3600
) -> Switched:
    """Assume ``role_arn`` from ``session``: who we became and the ARMS apps it sees.
    Raises :class:`SwitchFailed` saying why (AssumeRole refused, or the apps not listed)."""
    from armstui.cloud import arms

    try:
        assumed = await session.assume(role_arn, session_name, duration)
    except CloudError as error:
        caller = None
        if error.code.startswith(("NoPermission", "Forbidden")):
            try:
                caller = await caller_identity(session)
            except CloudError:
                pass
        headline = assume_role_failure(error, caller, role_arn)
        root = headline.startswith("root account:")
        raise SwitchFailed(error, headline, ROOT_HINT if root else None) from None
    identity = await caller_identity(assumed)
    try:
        apps = await arms.list_trace_apps(assumed)
    except CloudError as error:
        raise SwitchFailed(
            error, f"switched into {identity.arn}, but cannot list its ARMS applications"
        ) from None
    return Switched(identity, list(apps), getattr(assumed, "expiration", None))


def assume_role_failure(error: CloudError, caller: Any, role_arn: str) -> str:
    """One line that says precisely why AssumeRole failed.

    AssumeRole answers ``NoPermission`` both when the caller lacks ``sts:AssumeRole`` and
    when the role's trust policy does not admit it, and also — always — when the caller is
    an account's root identity: "Roles may not be assumed by root accounts." (Alibaba
    Cloud's STS common errors; RAM FAQ: AssumeRole must be called by a RAM user or role).
    To say which, a refusal is followed by one GetCallerIdentity (an ``Account`` caller is
    root); AccessDeniedDetail's ``PolicyType`` (when the service names the trust policy)
    settles the rest for RAM users.
    """
    role_account = role_arn_uid(role_arn)
    if error.code == "EntityNotExist.Role":
        return f"role missing: account {role_account} has no role {role_arn.rsplit('/', 1)[-1]}"
    if error.code.startswith("InvalidSecurityToken") and error.code.endswith("Expired"):
        return "expired: the account's STS credentials have expired"
    if error.code == "InvalidParameter.DurationSeconds":
        return "--duration exceeds the role's maximum session duration (MaxSessionDuration)"
    if not error.code.startswith(("NoPermission", "Forbidden")):
        return f"AssumeRole of {role_arn} failed"
    if "root account" in (error.message or "").lower() or (
        caller is not None and caller.identity_type == "Account"
    ):
        account = caller.account_id if caller else "the account"
        return (
            f"root account: roles may not be assumed with account {account}'s own AccessKey; "
            "switch as a RAM user of that account allowed sts:AssumeRole (the role flow makes "
            "arms-operator)"
        )
    policy_type = (error.access_denied or {}).get("PolicyType", "")
    names_trust = (
        "trust" in policy_type.lower()
        or "assumerolepolicy" in policy_type.lower()
        or "trust" in (error.message or "").lower()
    )
    who = caller.arn if caller else "the caller"
    if names_trust:
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
