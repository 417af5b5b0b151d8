"""RAM 2015-05-01 (RPC): request parameters in, the shapes the SDK models read out.

Response shapes from alibabacloud_ram20150501 1.3.0's models (``from_map``): single entities
under their name (``{"User": {...}}``), lists wrapped twice (``{"Users": {"User": [...]}}``),
paging with ``IsTruncated``/``Marker``. Permissions are ``ram:<Action>`` on
``acs:ram:*:<uid>:user/<name>``-style resources; the List actions check ``…:user/*``,
``…:role/*`` and ``…:policy/*`` (RAM's authorization tables), so a policy scoped to one
user neither grants nor denies ListUsers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from armstui.sandbox.api import Call, ResourceOf, Service
from armstui.sandbox.errors import invalid_parameter
from armstui.sandbox.services.ram.model import Ram
from armstui.sandbox.services.ram.usage import last_used

api = Service("Ram", "2015-05-01")

_USER_FIELDS = (
    "UserName",
    "UserId",
    "DisplayName",
    "Comments",
    "Email",
    "MobilePhone",
    "CreateDate",
    "UpdateDate",
)
_ROLE_FIELDS = (
    "RoleName",
    "RoleId",
    "Arn",
    "Description",
    "AssumeRolePolicyDocument",
    "MaxSessionDuration",
    "CreateDate",
    "UpdateDate",
    "RolePrincipalName",
    "IsServiceLinkedRole",
)
_POLICY_FIELDS = (
    "PolicyName",
    "PolicyType",
    "Description",
    "DefaultVersion",
    "CreateDate",
    "UpdateDate",
    "AttachmentCount",
)


def _ram(call: Call) -> Ram:
    return Ram(call.state.store, call.account_id, call.state.clock.iso(call.state.clock.now()))


def _pick(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: record[f] for f in fields if f in record}


def _user_arn(call: Call) -> str:
    return f"acs:ram:*:{call.account_id}:user/{call.params.get('UserName', '*')}"


def _role_arn(call: Call) -> str:
    return f"acs:ram:*:{call.account_id}:role/{call.params.get('RoleName', '*').lower()}"


def _policy_arn(call: Call) -> str:
    return f"acs:ram:*:{call.account_id}:policy/{call.params.get('PolicyName', '*')}"


def _page(call: Call, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    size = call.int_param("MaxItems", 100, low=1, high=1000) or 100
    marker = call.param("Marker") or "0"
    if not marker.isdigit():  # our markers are offsets; anything else did not come from us
        raise invalid_parameter("Marker", "is not a marker this service returned")
    start = int(marker)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, {"IsTruncated": more, **({"Marker": str(start + size)} if more else {})}


# --- operations: one model call with the request's parameters ---------------------------------

Read = Callable[[Call], Any]
"""One request parameter, read (and checked) as a model method takes it."""


def _required(*names: str) -> tuple[Read, ...]:
    return tuple(partial(Call.required, name=name) for name in names)


def _optional(*names: str) -> tuple[Read, ...]:
    return tuple(partial(Call.param, name=name) for name in names)


def _integer(name: str) -> Read:
    return partial(Call.int_param, name=name)


def _flag(name: str) -> Read:
    """A boolean parameter, or None where the request leaves it out."""
    return lambda call: None if call.param(name) is None else call.bool_param(name)


def _view(key: str, fields: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The answer ``{key: the record's fields}``."""
    return lambda record: {key: _pick(record, fields)}


def _operation(
    action: str,
    resource: ResourceOf,
    call: Callable[..., Any],
    params: tuple[Read, ...],
    view: Callable[[Any], dict[str, Any]] | None = None,
    **options: Any,
) -> None:
    """Register the RAM API ``action``: ``call`` of the caller's account's model with
    ``params`` read from the request in order, and ``options``; it answers ``view`` of what
    ``call`` returns, or nothing."""

    @api.rpc(action, permission=f"ram:{action}", resource=resource)
    def handle(request: Call) -> dict[str, Any]:
        done = call(_ram(request), *(read(request) for read in params), **options)
        return view(done) if view else {}


# --- users (Get, Delete, List and policy attachments: _principal_operations below) -------------

# CreateUser takes these; UpdateUser takes each with "New" before it, and NewUserName
_USER_DETAILS = ("DisplayName", "Comments", "Email", "MobilePhone")
_user_view = _view("User", _USER_FIELDS)

_operation(
    "CreateUser",
    _user_arn,
    Ram.create_user,
    (*_required("UserName"), *_optional(*_USER_DETAILS)),
    _user_view,
)
_operation(
    "UpdateUser",
    _user_arn,
    Ram.update_user,
    (*_required("UserName"), *_optional(*(f"New{f}" for f in ("UserName", *_USER_DETAILS)))),
    _user_view,
)


# --- AccessKeys --------------------------------------------------------------------------------


_operation(
    "CreateAccessKey",
    _user_arn,
    Ram.create_key,
    _required("UserName"),
    _view("AccessKey", ("AccessKeyId", "AccessKeySecret", "Status", "CreateDate")),
)


@api.rpc("ListAccessKeys", permission="ram:ListAccessKeys", resource=_user_arn)
def list_access_keys(call: Call) -> dict[str, Any]:
    keys = _ram(call).keys(_ram(call).user(call.required("UserName"))["UserName"])
    return {
        "AccessKeys": {
            "AccessKey": [_pick(k, ("AccessKeyId", "Status", "CreateDate")) for k in keys]
        }
    }


_operation(
    "UpdateAccessKey",
    _user_arn,
    Ram.update_key,
    _required("UserName", "UserAccessKeyId", "Status"),
)


@api.rpc("GetAccessKeyLastUsed", permission="ram:GetAccessKeyLastUsed", resource=_user_arn)
def get_access_key_last_used(call: Call) -> dict[str, Any]:
    """When the key last signed a request or onepilot last reported with it (services/ram/
    usage.py), as ``2015-01-23T12:33:18Z``. A key never used has an empty ``LastUsedDate``
    (the real answer for an unused key is not documented)."""
    key_id = call.required("UserAccessKeyId")
    _ram(call).key(call.required("UserName"), key_id)
    clock = call.state.clock
    at = last_used(call.state.store, clock, key_id)
    return {"AccessKeyLastUsed": {"LastUsedDate": clock.iso(clock.present(at)) if at else ""}}


_operation("DeleteAccessKey", _user_arn, Ram.delete_key, _required("UserName", "UserAccessKeyId"))


# --- login profiles ------------------------------------------------------------------------------


_login_view = _view(
    "LoginProfile", ("UserName", "PasswordResetRequired", "MFABindRequired", "CreateDate")
)


_LOGIN_PARAMS = (
    *_required("UserName"),
    *_optional("Password"),
    _flag("PasswordResetRequired"),
    _flag("MFABindRequired"),
)
_operation("CreateLoginProfile", _user_arn, Ram.set_login, _LOGIN_PARAMS, _login_view, create=True)
_operation("GetLoginProfile", _user_arn, Ram.login, _required("UserName"), _login_view)
_operation("UpdateLoginProfile", _user_arn, Ram.set_login, _LOGIN_PARAMS, create=False)
_operation("DeleteLoginProfile", _user_arn, Ram.delete_login, _required("UserName"))


# --- policies -----------------------------------------------------------------------------------


_operation(
    "CreatePolicy",
    _policy_arn,
    Ram.create_policy,
    (*_required("PolicyName", "PolicyDocument"), *_optional("Description")),
    _view("Policy", _POLICY_FIELDS),
)


@api.rpc("GetPolicy", permission="ram:GetPolicy", resource=_policy_arn)
def get_policy(call: Call) -> dict[str, Any]:
    policy = _ram(call).policy(call.required("PolicyName"), call.required("PolicyType"))
    version = {
        "VersionId": policy["DefaultVersion"],
        "IsDefaultVersion": True,
        "PolicyDocument": policy["PolicyDocument"],
        "CreateDate": policy["CreateDate"],
    }
    return {
        "Policy": {**_pick(policy, _POLICY_FIELDS), "PolicyDocument": policy["PolicyDocument"]},
        "DefaultPolicyVersion": version,
    }


@api.rpc("ListPolicies", permission="ram:ListPolicies", resource=_policy_arn)
def list_policies(call: Call) -> dict[str, Any]:
    policies, paging = _page(call, _ram(call).policies(call.param("PolicyType")))
    return {"Policies": {"Policy": [_pick(p, _POLICY_FIELDS) for p in policies]}, **paging}


_operation("DeletePolicy", _policy_arn, Ram.delete_policy, _required("PolicyName"))


def _attachment_view(attachments: list[dict[str, Any]], ram: Ram) -> dict[str, Any]:
    items = []
    for a in attachments:
        policy = ram.policy(a["PolicyName"], a["PolicyType"])
        items.append(
            {
                "PolicyName": a["PolicyName"],
                "PolicyType": a["PolicyType"],
                "AttachDate": a["AttachDate"],
                "Description": policy.get("Description", ""),
                "DefaultVersion": policy.get("DefaultVersion", "v1"),
            }
        )
    return {"Policies": {"Policy": items}}


# --- roles (Get, Delete, List and policy attachments: _principal_operations below) -------------


_role_view = _view("Role", _ROLE_FIELDS)
_operation(
    "CreateRole",
    _role_arn,
    Ram.create_role,
    (
        *_required("RoleName", "AssumeRolePolicyDocument"),
        *_optional("Description"),
        _integer("MaxSessionDuration"),
    ),
    _role_view,
)
_operation(
    "UpdateRole",
    _role_arn,
    Ram.update_role,
    (
        *_required("RoleName"),
        *_optional("NewAssumeRolePolicyDocument", "NewDescription"),
        _integer("NewMaxSessionDuration"),
    ),
    _role_view,
)


# --- what users and roles share ---------------------------------------------------------------


@dataclass(frozen=True)
class _Principal:
    """A user or a role: ``kind`` names its actions (``GetUser``, ``ListRoles``...), its
    ``<kind>Name`` parameter, its response key and its policy attachments."""

    kind: str
    fields: tuple[str, ...]
    resource: ResourceOf
    find: Callable[[Ram, str], dict[str, Any]]
    delete: Callable[[Ram, str], None]
    every: Callable[[Ram], list[dict[str, Any]]]
    holder: Callable[[dict[str, Any]], str]  # the name its attachments are stored under


def _principal_operations(p: _Principal) -> None:
    """Get<kind>, Delete<kind>, List<kind>s, AttachPolicyTo<kind>, DetachPolicyFrom<kind> and
    ListPoliciesFor<kind>: the same for users and roles."""
    kind, name = p.kind, f"{p.kind}Name"

    _operation(f"Get{kind}", p.resource, p.find, _required(name), _view(kind, p.fields))
    _operation(f"Delete{kind}", p.resource, p.delete, _required(name))

    @api.rpc(f"List{kind}s", permission=f"ram:List{kind}s", resource=p.resource)
    def list_all(call: Call) -> dict[str, Any]:
        items, paging = _page(call, p.every(_ram(call)))
        return {f"{kind}s": {kind: [_pick(i, p.fields) for i in items]}, **paging}

    attachment = (lambda _call: kind, *_required(name, "PolicyType", "PolicyName"))
    for verb, change in (("AttachPolicyTo", Ram.attach), ("DetachPolicyFrom", Ram.detach)):
        _operation(f"{verb}{kind}", p.resource, change, attachment)

    @api.rpc(f"ListPoliciesFor{kind}", permission=f"ram:ListPoliciesFor{kind}", resource=p.resource)
    def list_policies(call: Call) -> dict[str, Any]:
        ram = _ram(call)
        holder = p.holder(p.find(ram, call.required(name)))
        return _attachment_view(ram.attachments(kind, holder), ram)


_principal_operations(
    _Principal(
        "User",
        _USER_FIELDS,
        _user_arn,
        Ram.user,
        Ram.delete_user,
        Ram.users,
        holder=lambda user: user["UserName"],
    )
)
_principal_operations(
    _Principal(
        "Role",
        _ROLE_FIELDS,
        _role_arn,
        Ram.role,
        Ram.delete_role,
        Ram.roles,
        holder=lambda role: role["RoleName"].lower(),
    )
)
