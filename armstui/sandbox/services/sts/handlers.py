"""STS 2015-04-01 (RPC): GetCallerIdentity and AssumeRole.

GetCallerIdentity needs no permission and returns ``AccountId, UserId, Arn, IdentityType
(Account|RAMUser|AssumedRoleUser), PrincipalId, RoleId``; ``UserId`` only for an account or a
RAM user, ``RoleId`` only for a role (https://help.aliyun.com/document_detail/43767.html).

AssumeRole (alibabacloud_sts20150401's models and the AssumeRole API page): ``RoleArn``, ``RoleSessionName`` (2-64 of letters, digits and
``.@-_``), ``DurationSeconds`` (900 up to the role's MaxSessionDuration, default 3600),
optional ``Policy`` (a session policy that narrows the role, up to 2048 characters, the same
grammar as a custom policy), optional ``ExternalId`` (2-1224 of letters, digits and ``_+=,.@:/-``, matched by
a trust policy's ``{"StringEquals": {"sts:ExternalId": ...}}`` condition). The caller needs
``sts:AssumeRole`` on the role's ARN and the role's trust policy must admit the caller's
account (``acs:ram::<uid>:root``) or the caller itself; both refusals are ``NoPermission``
(403). An account's root identity may not assume any role: ``NoPermission`` (403), "Roles
may not be assumed by root accounts." (STS AssumeRole error codes; the API page's
prerequisites: "You cannot use an Alibaba Cloud account to call this operation"), checked
before the role is even looked up. RAM users and assumed roles may.
Returns ``Credentials{AccessKeyId (STS.…), AccessKeySecret, SecurityToken, Expiration}`` and
``AssumedRoleUser{Arn, AssumedRoleId = <RoleId>:<session>}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from armstui.sandbox import iam
from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import ApiError, invalid_parameter
from armstui.sandbox.services.ram.model import parse_policy_document

api = Service("Sts", "2015-04-01")

_ROLE_ARN = re.compile(r"acs:ram::(\d+):role/([A-Za-z0-9.-]{1,64})")
_SESSION_NAME = re.compile(r"[\w.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
SESSION_POLICY_MAX = 2048


@api.rpc("GetCallerIdentity", permission=None)
def get_caller_identity(call: Call) -> dict[str, Any]:
    p = call.caller
    body = {
        "AccountId": p.account_id,
        "Arn": p.arn,
        "IdentityType": p.kind,
        "PrincipalId": p.principal_id,
    }
    if p.kind in ("Account", "RAMUser"):
        body["UserId"] = p.principal_id
    else:
        body["RoleId"] = p.role_id
    return body


def _role_arn_param(call: Call) -> str:
    return call.params.get("RoleArn", "*")


def _session_policy(call: Call) -> dict[str, Any] | None:
    """The optional session policy, checked with the custom-policy grammar (refused as
    ``InvalidParameter.PolicySize`` / ``.PolicyGrammar``)."""
    text = call.param("Policy")
    if text is None:
        return None
    if len(text) > SESSION_POLICY_MAX:
        raise ApiError(
            400,
            "InvalidParameter.PolicySize",
            f"The session policy exceeds {SESSION_POLICY_MAX} characters.",
        )
    try:
        return parse_policy_document(text, "Policy")
    except ApiError as err:
        raise ApiError(
            400, "InvalidParameter.PolicyGrammar", f"The session policy is malformed: {err.message}"
        ) from None


def _trust_refusal(arn: str, caller: iam.Principal, verdict: str) -> ApiError:
    return ApiError(
        403,
        "NoPermission",
        f"You are not authorized to do this action. You should be authorized by RAM: the trust policy of {arn} does not admit {caller.arn}.",
        AccessDeniedDetail={
            "AuthAction": "sts:AssumeRole",
            "PolicyType": "AssumeRolePolicy",
            "NoPermissionType": "ExplicitDeny" if verdict == "Deny" else "ImplicitDeny",
            "AuthPrincipalDisplayName": caller.arn,
        },
    )


@api.rpc("AssumeRole", permission="sts:AssumeRole", resource=_role_arn_param)
def assume_role(call: Call) -> dict[str, Any]:
    if call.caller.kind == "Account":
        raise ApiError(403, "NoPermission", "Roles may not be assumed by root accounts.")
    arn = call.required("RoleArn")
    match = _ROLE_ARN.fullmatch(arn)
    if match is None:
        raise invalid_parameter("RoleArn", "must look like acs:ram::<account-id>:role/<role-name>")
    session_name = call.required("RoleSessionName")
    if not _SESSION_NAME.fullmatch(session_name):
        raise invalid_parameter("RoleSessionName", "must be 2 to 64 letters, digits or .@-_")
    account_id, role_name = match.groups()
    role = call.state.store.get("ram.role", f"{account_id}/{role_name.lower()}")
    if role is None:
        raise ApiError(404, "EntityNotExist.Role", f"The role does not exist: {arn}.")
    duration = call.int_param("DurationSeconds", 3600) or 3600
    if not 900 <= duration <= role["MaxSessionDuration"]:
        raise invalid_parameter(
            "DurationSeconds",
            f"must be 900 to {role['MaxSessionDuration']} (the role's MaxSessionDuration)",
        )
    session_policy = _session_policy(call)
    external_id = call.param("ExternalId")
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise invalid_parameter("ExternalId", "must be 2 to 1224 of letters, digits and _+=,.@:/-")
    context = {"sts:ExternalId": external_id} if external_id is not None else {}
    verdict = iam.trust_admits(json.loads(role["AssumeRolePolicyDocument"]), call.caller, context)
    if verdict != "Allow":
        raise _trust_refusal(arn, call.caller, verdict)
    now = call.state.clock.now()
    key_id, secret, token = (
        iam.new_sts_access_key_id(),
        iam.new_secret(44),
        iam.new_security_token(),
    )
    expiration = now + duration
    call.state.store.put(
        "sts.session",
        key_id,
        {
            "AccessKeyId": key_id,
            "AccessKeySecret": secret,
            "TokenDigest": iam.token_digest(token),
            "Expiration": expiration,
            "AccountId": account_id,
            "RoleName": role["RoleName"],
            "RoleId": role["RoleId"],
            "RoleSessionName": session_name,
            "Policy": session_policy,
            "AssumedBy": call.caller.arn,
        },
    )
    return {
        "Credentials": {
            "AccessKeyId": key_id,
            "AccessKeySecret": secret,
            "SecurityToken": token,
            "Expiration": call.state.clock.iso(expiration),
        },
        "AssumedRoleUser": {
            "Arn": f"acs:ram::{account_id}:assumed-role/{role['RoleName'].lower()}/{session_name}",
            "AssumedRoleId": f"{role['RoleId']}:{session_name}",
        },
    }
