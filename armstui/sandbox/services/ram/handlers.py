"""RAM 2015-05-01 (RPC): request parameters in, the shapes the SDK models read out.

Response shapes from alibabacloud_ram20150501 1.3.0's models (``from_map``): single entities
under their name (``{"User": {...}}``), lists wrapped twice (``{"Users": {"User": [...]}}``),
paging with ``IsTruncated``/``Marker``. Permissions are ``ram:<Action>`` on
``acs:ram:*:<uid>:user/<name>``-style resources; the List actions check ``…:user/*``,
``…:role/*`` and ``…:policy/*`` (RAM's authorization tables), so a policy scoped to one
user neither grants nor denies ListUsers.
"""

from __future__ import annotations

from typing import Any

from armstui.sandbox.api import Call, Service
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


# --- users -----------------------------------------------------------------------------------


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


@api.rpc("GetUser", permission="ram:GetUser", resource=_user_arn)
def get_user(call: Call) -> dict[str, Any]:
    return {"User": _pick(_ram(call).user(call.required("UserName")), _USER_FIELDS)}


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


@api.rpc("DeleteUser", permission="ram:DeleteUser", resource=_user_arn)
def delete_user(call: Call) -> dict[str, Any]:
    _ram(call).delete_user(call.required("UserName"))
    return {}


@api.rpc("ListUsers", permission="ram:ListUsers", resource=_user_arn)
def list_users(call: Call) -> dict[str, Any]:
    users, paging = _page(call, _ram(call).users())
    return {"Users": {"User": [_pick(u, _USER_FIELDS) for u in users]}, **paging}


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


@api.rpc("AttachPolicyToUser", permission="ram:AttachPolicyToUser", resource=_user_arn)
def attach_policy_to_user(call: Call) -> dict[str, Any]:
    _ram(call).attach(
        "User", call.required("UserName"), call.required("PolicyType"), call.required("PolicyName")
    )
    return {}


@api.rpc("DetachPolicyFromUser", permission="ram:DetachPolicyFromUser", resource=_user_arn)
def detach_policy_from_user(call: Call) -> dict[str, Any]:
    _ram(call).detach(
        "User", call.required("UserName"), call.required("PolicyType"), call.required("PolicyName")
    )
    return {}


@api.rpc("ListPoliciesForUser", permission="ram:ListPoliciesForUser", resource=_user_arn)
def list_policies_for_user(call: Call) -> dict[str, Any]:
    ram = _ram(call)
    name = ram.user(call.required("UserName"))["UserName"]
    return _attachment_view(ram.attachments("User", name), ram)


# --- roles --------------------------------------------------------------------------------------


@api.rpc("CreateRole", permission="ram:CreateRole", resource=_role_arn)
def create_role(call: Call) -> dict[str, Any]:
    role = _ram(call).create_role(
        call.required("RoleName"),
        call.required("AssumeRolePolicyDocument"),
        call.param("Description"),
        call.int_param("MaxSessionDuration"),
    )
    return {"Role": _pick(role, _ROLE_FIELDS)}


@api.rpc("GetRole", permission="ram:GetRole", resource=_role_arn)
def get_role(call: Call) -> dict[str, Any]:
    return {"Role": _pick(_ram(call).role(call.required("RoleName")), _ROLE_FIELDS)}


@api.rpc("UpdateRole", permission="ram:UpdateRole", resource=_role_arn)
def update_role(call: Call) -> dict[str, Any]:
    role = _ram(call).update_role(
        call.required("RoleName"),
        call.param("NewAssumeRolePolicyDocument"),
        call.int_param("NewMaxSessionDuration"),
        call.param("NewDescription"),
    )
    return {"Role": _pick(role, _ROLE_FIELDS)}


@api.rpc("DeleteRole", permission="ram:DeleteRole", resource=_role_arn)
def delete_role(call: Call) -> dict[str, Any]:
    _ram(call).delete_role(call.required("RoleName"))
    return {}


@api.rpc("ListRoles", permission="ram:ListRoles", resource=_role_arn)
def list_roles(call: Call) -> dict[str, Any]:
    roles, paging = _page(call, _ram(call).roles())
    return {"Roles": {"Role": [_pick(r, _ROLE_FIELDS) for r in roles]}, **paging}


@api.rpc("AttachPolicyToRole", permission="ram:AttachPolicyToRole", resource=_role_arn)
def attach_policy_to_role(call: Call) -> dict[str, Any]:
    _ram(call).attach(
        "Role", call.required("RoleName"), call.required("PolicyType"), call.required("PolicyName")
    )
    return {}


@api.rpc("DetachPolicyFromRole", permission="ram:DetachPolicyFromRole", resource=_role_arn)
def detach_policy_from_role(call: Call) -> dict[str, Any]:
    _ram(call).detach(
        "Role", call.required("RoleName"), call.required("PolicyType"), call.required("PolicyName")
    )
    return {}


@api.rpc("ListPoliciesForRole", permission="ram:ListPoliciesForRole", resource=_role_arn)
def list_policies_for_role(call: Call) -> dict[str, Any]:
    ram = _ram(call)
    name = ram.role(call.required("RoleName"))["RoleName"].lower()
    return _attachment_view(ram.attachments("Role", name), ram)
