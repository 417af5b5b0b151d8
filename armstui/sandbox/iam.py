"""Who is calling, and may they? Principals, AccessKeys, STS sessions and policy evaluation.

Records (in the store):
- ``account``        key ``<uid>``: ``{uid, name}``
- ``ram.accesskey``  key ``<AccessKeyId>``: ``{AccessKeyId, AccessKeySecret, AccountId, UserName
  (None for the account's root key), Status (Active|Inactive), CreateDate}``
- ``ram.user``       key ``<uid>/<UserName>``: the RAM user (owned by services/ram)
- ``ram.role``       key ``<uid>/<rolename lower-cased>``: the RAM role (owned by services/ram)
- ``ram.attachment`` key ``<uid>/<User|Role>/<name>/<PolicyType>/<PolicyName>``
- ``ram.policy``     key ``<uid>/<PolicyName>``: a custom policy with its document
- ``sts.session``    key ``<STS AccessKeyId>``: an assumed-role session

Rules, from RAM's documentation: the account's root identity may do
anything in its own account; a RAM user or an assumed role only what its policies allow;
an explicit Deny wins over any Allow; actions are ``service:Action`` with ``*`` wildcards and
compared case-insensitively; a session policy given to AssumeRole narrows the role's
permissions further. ARNs: ``acs:ram::<uid>:root``, ``acs:ram::<uid>:user/<name>``,
``acs:ram::<uid>:role/<name lower-cased>``, and for an assumed role
``acs:ram::<uid>:assumed-role/<role>/<session>`` (no public document confirms the assumed-role
ARN format; this is the form AWS uses and the RAM console shows).

Wildcards: ``*`` (any run of characters) and ``?`` (one character) in Action and Resource;
nothing else is special (RAM's "Policy elements" page). Resources are compared
case-insensitively here (UNCONFIRMED; RAM's own ARNs are lower-case for roles).

Conditions (RAM "Policy elements": a Condition block holds operators, each operator keys,
each key a value or a list; the block holds when every operator and every key holds, a key
when any value matches). The sandbox evaluates the operators StringEquals, StringNotEquals,
StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike and Bool on the
one key it knows, ``sts:ExternalId`` (trust policies, AssumeRole's ExternalId); a known key
absent from the request never holds. Anything else it cannot evaluate (RAM's other operators,
keys like acs:SourceIp or acs:CurrentTime) fails closed: such an Allow grants nothing, and
such a Deny denies, saying why. A Condition that is not even shaped like one, or names an
operator RAM does not have, is malformed: :func:`check_policy_conditions` refuses it as
CreatePolicy does (MalformedPolicyDocument).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from armstui.policy import (
    Unevaluable,
    as_list,
    as_list_of_dicts,
    condition_outcome,
    condition_problem,
    decide,
    matches,
)
from armstui.policy import (
    evaluate as evaluate,  # re-exported: callers name it iam.evaluate
)
from armstui.sandbox.errors import ApiError, no_permission

if TYPE_CHECKING:
    from armstui.sandbox.store import Store

_ALNUM = string.ascii_letters + string.digits


def _allows_everywhere(description: str, *actions: str) -> dict[str, Any]:
    """A system policy allowing ``actions`` on every resource (``Description`` is not part of
    the document RAM returns)."""
    return {
        "Description": description,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": actions[0] if len(actions) == 1 else list(actions),
                "Resource": "*",
            }
        ],
        "Version": "1",
    }


SYSTEM_POLICIES: dict[str, dict[str, Any]] = {
    "AdministratorAccess": _allows_everywhere("Full access to every service.", "*"),
    "AliyunRAMFullAccess": _allows_everywhere("Full access to RAM.", "ram:*"),
    "AliyunRAMReadOnlyAccess": _allows_everywhere(
        "Read-only access to RAM.", "ram:Get*", "ram:List*"
    ),
    "AliyunSTSAssumeRoleAccess": _allows_everywhere("Call STS AssumeRole.", "sts:AssumeRole"),
    "AliyunARMSFullAccess": _allows_everywhere("Full access to ARMS.", "arms:*"),
    "AliyunARMSReadOnlyAccess": _allows_everywhere(
        "Read-only access to ARMS.",
        "arms:Get*",
        "arms:List*",
        "arms:Describe*",
        "arms:Search*",
        "arms:Query*",
    ),
    "AliyunCSFullAccess": _allows_everywhere(
        "Full access to Container Service for Kubernetes.", "cs:*"
    ),
    "AliyunECSFullAccess": _allows_everywhere("Full access to ECS.", "ecs:*"),
}


@dataclass(frozen=True)
class Principal:
    """The identity behind a request."""

    account_id: str
    kind: str  # "Account" | "RAMUser" | "AssumedRoleUser" (GetCallerIdentity's IdentityType)
    name: str = ""  # user name, or role name for an assumed role
    principal_id: str = ""  # UserId, or "<RoleId>:<session>"
    role_id: str = ""
    session_name: str = ""
    access_key_id: str = ""
    session_policy: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def arn(self) -> str:
        if self.kind == "Account":
            return f"acs:ram::{self.account_id}:root"
        if self.kind == "RAMUser":
            return f"acs:ram::{self.account_id}:user/{self.name}"
        return f"acs:ram::{self.account_id}:assumed-role/{self.name.lower()}/{self.session_name}"


def new_access_key_id() -> str:
    """Shaped like a real one: ``LTAI`` + 20 characters (24 in all)."""
    return "LTAI" + "".join(secrets.choice(_ALNUM) for _ in range(20))


def new_sts_access_key_id() -> str:
    """``STS.`` + 28 characters (like ``STS.L4aBSCSJVMuKg5U1****``)."""
    return "STS." + "".join(secrets.choice(_ALNUM) for _ in range(28))


def new_security_token() -> str:
    """An opaque token; only its digest (:func:`token_digest`) is stored."""
    return "CAIS" + secrets.token_urlsafe(96)


def new_secret(length: int = 30) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_numeric_id(length: int = 16) -> str:
    return str(secrets.choice(range(1, 10))) + "".join(
        secrets.choice(string.digits) for _ in range(length - 1)
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- authentication -------------------------------------------------------------------


def authenticate(
    store: Store, access_key_id: str, security_token: str | None, now: float
) -> tuple[Principal, str]:
    """The principal behind an AccessKey (and STS token), and the secret to check the
    signature with. Raises the real errors for unknown, inactive or expired credentials."""
    if access_key_id.startswith("STS."):
        return _authenticate_sts(store, access_key_id, security_token, now)
    key = store.peek("ram.accesskey", access_key_id)  # read only
    if key is None:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if key["Status"] != "Active":
        raise ApiError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
    if key.get("UserName") is None:
        return Principal(
            key["AccountId"], "Account", principal_id=key["AccountId"], access_key_id=access_key_id
        ), key["AccessKeySecret"]
    user = store.peek("ram.user", f"{key['AccountId']}/{key['UserName']}")
    if user is None:  # a key outliving its user cannot happen through RAM; be strict anyway
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    principal = Principal(
        key["AccountId"],
        "RAMUser",
        name=user["UserName"],
        principal_id=user["UserId"],
        access_key_id=access_key_id,
    )
    return principal, key["AccessKeySecret"]


def _authenticate_sts(
    store: Store, access_key_id: str, token: str | None, now: float
) -> tuple[Principal, str]:
    session = store.peek("sts.session", access_key_id)  # read only
    if not token:
        raise ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
    if session is None:
        # Either the key or the token is foreign to us; the real service cannot tell which.
        raise ApiError(
            400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed."
        )
    if token_digest(token) != session["TokenDigest"]:
        raise ApiError(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )
    if now >= session["Expiration"]:
        raise ApiError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
    principal = Principal(
        session["AccountId"],
        "AssumedRoleUser",
        name=session["RoleName"],
        principal_id=f"{session['RoleId']}:{session['RoleSessionName']}",
        role_id=session["RoleId"],
        session_name=session["RoleSessionName"],
        access_key_id=access_key_id,
        session_policy=copy.deepcopy(session.get("Policy")),
    )
    return principal, session["AccessKeySecret"]


# --- authorization ----------------------------------------------------------------------


def policy_document(
    store: Store, account_id: str, policy_type: str, policy_name: str
) -> dict[str, Any] | None:
    if policy_type == "System":
        return SYSTEM_POLICIES.get(policy_name)
    custom = store.peek("ram.policy", f"{account_id}/{policy_name}")  # read only
    return json.loads(custom["PolicyDocument"]) if custom else None


def attached_policies(
    store: Store, account_id: str, holder_kind: str, holder_name: str
) -> list[dict[str, Any]]:
    """Attachment records of a user (``User``) or role (``Role``)."""
    return store.list("ram.attachment", f"{account_id}/{holder_kind}/{holder_name}/")


def documents_of(store: Store, principal: Principal) -> list[dict[str, Any]]:
    if principal.kind == "RAMUser":
        holder = ("User", principal.name)
    elif principal.kind == "AssumedRoleUser":
        holder = ("Role", principal.name.lower())
    else:
        return []
    docs = []
    kind, name = holder
    for att in store.view("ram.attachment", f"{principal.account_id}/{kind}/{name}/"):
        doc = policy_document(store, principal.account_id, att["PolicyType"], att["PolicyName"])
        if doc is not None:
            docs.append(doc)
    return docs


def check_policy_conditions(document: Any, field: str = "PolicyDocument") -> None:
    """Raise MalformedPolicyDocument when any statement of ``document`` has a malformed
    Condition (see :func:`condition_problem`)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in as_list_of_dicts(statements):
        problem = condition_problem(statement.get("Condition"))
        if problem:
            raise ApiError(400, "MalformedPolicyDocument", f"The {field} is malformed: {problem}.")


def verdict_and_reason(
    store: Store, principal: Principal, action: str, resource: str = "*"
) -> tuple[str, str]:
    """What RAM decides for this principal, and why when a Deny failed closed. Root may do
    anything in its account; others need an Allow from their policies, no Deny, and for an
    assumed role with a session policy an Allow from that too (it narrows)."""
    if principal.kind == "Account":
        return "Allow", ""
    result = decide(documents_of(store, principal), action, resource)
    if result[0] != "Allow" or principal.session_policy is None:
        return result
    return decide([principal.session_policy], action, resource)


def verdict(store: Store, principal: Principal, action: str, resource: str = "*") -> str:
    """``Allow``, ``Deny`` or ``ImplicitDeny`` (see :func:`verdict_and_reason`)."""
    return verdict_and_reason(store, principal, action, resource)[0]


def is_allowed(store: Store, principal: Principal, action: str, resource: str = "*") -> bool:
    return verdict(store, principal, action, resource) == "Allow"


def authorize(store: Store, principal: Principal, action: str, resource: str = "*") -> None:
    """Raise NoPermission (403) unless the principal may do ``action`` on ``resource``;
    AccessDeniedDetail.NoPermissionType tells an explicit Deny from a missing Allow."""
    result, why = verdict_and_reason(store, principal, action, resource)
    if result == "Allow":
        return
    error = no_permission(action, principal.arn)
    if result == "Deny":
        error.extra["AccessDeniedDetail"]["NoPermissionType"] = "ExplicitDeny"
    if why:
        error.message = f"{error.message} ({why})"
    raise error


# --- trust policies (AssumeRole) ----------------------------------------------------------


def trust_candidates(caller: Principal) -> set[str]:
    """The principal names a role's trust policy may use to admit ``caller`` (RAM,
    "Trust policy for another account": the account as ``acs:ram::<uid>:root``, or one user
    as ``acs:ram::<uid>:user/<name>``; a role's sessions as ``acs:ram::<uid>:role/<name>``)."""
    names = {f"acs:ram::{caller.account_id}:root", caller.arn}
    if caller.kind == "AssumedRoleUser":
        names.add(f"acs:ram::{caller.account_id}:role/{caller.name.lower()}")
    return names


def trust_admits(
    trust: dict[str, Any], caller: Principal, context: dict[str, str] | None = None
) -> str:
    """Does the trust policy let ``caller`` assume the role? ``Allow``, ``Deny`` (a statement
    denies it explicitly) or ``ImplicitDeny`` (no statement names it). Statements apply when
    their Action covers ``sts:AssumeRole``, their ``Principal.RAM`` names the caller and their
    Condition holds (e.g. ``{"StringEquals": {"sts:ExternalId": "..."}}``)."""
    candidates = {c.lower() for c in trust_candidates(caller)}
    admitted = False
    for statement in as_list_of_dicts(trust.get("Statement")):
        if not matches(as_list(statement.get("Action")), "sts:AssumeRole"):
            continue
        principal = statement.get("Principal")
        named = as_list(principal.get("RAM")) if isinstance(principal, dict) else []
        if not any(n.lower() in candidates for n in named):
            continue
        holds = condition_outcome(statement.get("Condition"), context or {})
        if statement.get("Effect") == "Deny":
            if holds is True or isinstance(holds, Unevaluable):
                return "Deny"
            continue
        admitted = admitted or (statement.get("Effect") == "Allow" and holds is True)
    return "Allow" if admitted else "ImplicitDeny"
