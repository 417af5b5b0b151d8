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


# --- users (Get, Delete, List and policy attachments: _principal_operations below) -------------


@api.rpc("CreateUser", permission="ram:CreateUser", resource=_user_arn)
def create_user(call: Call) -> dict[str, Any]:
    user = _ram(call).create_user(
        call.required("UserName"),
        call.param("DisplayName"),
        call.param("Comments"),
        call.param("Email"),
        call.param("MobilePhone"),
    )
    return {"User": _pick(user, _USER_FIELDS)}


@api.rpc("UpdateUser", permission="ram:UpdateUser", resource=_user_arn)
def update_user(call: Call) -> dict[str, Any]:
    user = _ram(call).update_user(
        call.required("UserName"),
        call.param("NewUserName"),
        call.param("NewDisplayName"),
        call.param("NewComments"),
        call.param("NewEmail"),
        call.param("NewMobilePhone"),
    )
    return {"User": _pick(user, _USER_FIELDS)}


# --- AccessKeys --------------------------------------------------------------------------------


@api.rpc("CreateAccessKey", permission="ram:CreateAccessKey", resource=_user_arn)
def create_access_key(call: Call) -> dict[str, Any]:
    key = _ram(call).create_key(call.required("UserName"))
    return {"AccessKey": _pick(key, ("AccessKeyId", "AccessKeySecret", "Status", "CreateDate"))}


@api.rpc("ListAccessKeys", permission="ram:ListAccessKeys", resource=_user_arn)
def list_access_keys(call: Call) -> dict[str, Any]:
    keys = _ram(call).keys(_ram(call).user(call.required("UserName"))["UserName"])
    return {
        "AccessKeys": {
            "AccessKey": [_pick(k, ("AccessKeyId", "Status", "CreateDate")) for k in keys]
        }
    }


@api.rpc("UpdateAccessKey", permission="ram:UpdateAccessKey", resource=_user_arn)
def update_access_key(call: Call) -> dict[str, Any]:
    _ram(call).update_key(
        call.required("UserName"), call.required("UserAccessKeyId"), call.required("Status")
    )
    return {}


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


@api.rpc("DeleteAccessKey", permission="ram:DeleteAccessKey", resource=_user_arn)
def delete_access_key(call: Call) -> dict[str, Any]:
    _ram(call).delete_key(call.required("UserName"), call.required("UserAccessKeyId"))
    return {}


# --- login profiles ------------------------------------------------------------------------------


def _login_view(profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "LoginProfile": _pick(
            profile, ("UserName", "PasswordResetRequired", "MFABindRequired", "CreateDate")
        )
    }


def _flag(call: Call, name: str) -> bool | None:
    return None if call.param(name) is None else call.bool_param(name)


@api.rpc("CreateLoginProfile", permission="ram:CreateLoginProfile", resource=_user_arn)
def create_login_profile(call: Call) -> dict[str, Any]:
    return _login_view(
        _ram(call).set_login(
            call.required("UserName"),
            call.param("Password"),
            _flag(call, "PasswordResetRequired"),
            _flag(call, "MFABindRequired"),
            create=True,
        )
    )


@api.rpc("GetLoginProfile", permission="ram:GetLoginProfile", resource=_user_arn)
def get_login_profile(call: Call) -> dict[str, Any]:
    return _login_view(_ram(call).login(call.required("UserName")))


@api.rpc("UpdateLoginProfile", permission="ram:UpdateLoginProfile", resource=_user_arn)
def update_login_profile(call: Call) -> dict[str, Any]:
    _ram(call).set_login(
        call.required("UserName"),
        call.param("Password"),
        _flag(call, "PasswordResetRequired"),
        _flag(call, "MFABindRequired"),
        create=False,
    )
    return {}


@api.rpc("DeleteLoginProfile", permission="ram:DeleteLoginProfile", resource=_user_arn)
def delete_login_profile(call: Call) -> dict[str, Any]:
    _ram(call).delete_login(call.required("UserName"))
    return {}


# --- policies -----------------------------------------------------------------------------------


@api.rpc("CreatePolicy", permission="ram:CreatePolicy", resource=_policy_arn)
def create_policy(call: Call) -> dict[str, Any]:
    policy = _ram(call).create_policy(
        call.required("PolicyName"), call.required("PolicyDocument"), call.param("Description")
    )
    return {"Policy": _pick(policy, _POLICY_FIELDS)}


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


@api.rpc("DeletePolicy", permission="ram:DeletePolicy", resource=_policy_arn)
def delete_policy(call: Call) -> dict[str, Any]:
    _ram(call).delete_policy(call.required("PolicyName"))
    return {}


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


@api.rpc("CreateRole", permission="ram:CreateRole", resource=_role_arn)
def create_role(call: Call) -> dict[str, Any]:
    role = _ram(call).create_role(
        call.required("RoleName"),
        call.required("AssumeRolePolicyDocument"),
        call.param("Description"),
        call.int_param("MaxSessionDuration"),
    )
    return {"Role": _pick(role, _ROLE_FIELDS)}


@api.rpc("UpdateRole", permission="ram:UpdateRole", resource=_role_arn)
def update_role(call: Call) -> dict[str, Any]:
    role = _ram(call).update_role(
        call.required("RoleName"),
        call.param("NewAssumeRolePolicyDocument"),
        call.int_param("NewMaxSessionDuration"),
        call.param("NewDescription"),
    )
    return {"Role": _pick(role, _ROLE_FIELDS)}


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

    @api.rpc(f"Get{kind}", permission=f"ram:Get{kind}", resource=p.resource)
    def get(call: Call) -> dict[str, Any]:
        return {kind: _pick(p.find(_ram(call), call.required(name)), p.fields)}

    @api.rpc(f"Delete{kind}", permission=f"ram:Delete{kind}", resource=p.resource)
    def delete(call: Call) -> dict[str, Any]:
        p.delete(_ram(call), call.required(name))
        return {}

    @api.rpc(f"List{kind}s", permission=f"ram:List{kind}s", resource=p.resource)
    def list_all(call: Call) -> dict[str, Any]:
        items, paging = _page(call, p.every(_ram(call)))
        return {f"{kind}s": {kind: [_pick(i, p.fields) for i in items]}, **paging}

    @api.rpc(f"AttachPolicyTo{kind}", permission=f"ram:AttachPolicyTo{kind}", resource=p.resource)
    def attach(call: Call) -> dict[str, Any]:
        _ram(call).attach(
            kind, call.required(name), call.required("PolicyType"), call.required("PolicyName")
        )
        return {}

    @api.rpc(
        f"DetachPolicyFrom{kind}", permission=f"ram:DetachPolicyFrom{kind}", resource=p.resource
    )
    def detach(call: Call) -> dict[str, Any]:
        _ram(call).detach(
            kind, call.required(name), call.required("PolicyType"), call.required("PolicyName")
        )
        return {}

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
