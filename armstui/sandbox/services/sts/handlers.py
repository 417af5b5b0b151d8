"""STS 2015-04-01 (RPC): GetCallerIdentity and AssumeRole.

GetCallerIdentity needs no permission and returns ``AccountId, UserId, Arn, IdentityType
(Account|RAMUser|AssumedRoleUser), PrincipalId, RoleId``; ``UserId`` only for an account or a
RAM user, ``RoleId`` only for a role (https://help.aliyun.com/document_detail/43767.html,
reference §4).

AssumeRole (reference §4): ``RoleArn``, ``RoleSessionName`` (2-64 of letters, digits and
``.@-_``), ``DurationSeconds`` (900 up to the role's MaxSessionDuration, default 3600),
optional ``Policy`` (a session policy that narrows the role, up to 2048 characters). The
caller needs ``sts:AssumeRole`` and the role's trust policy must admit the caller's account
(``acs:ram::<uid>:root``) or the caller itself; both refusals are ``NoPermission`` (403).
Returns ``Credentials{AccessKeyId (STS.…), AccessKeySecret, SecurityToken, Expiration}`` and
``AssumedRoleUser{Arn, AssumedRoleId = <RoleId>:<session>}``.
"""

from __future__ import annotations

import json
import re
import secrets

from armstui.sandbox import iam
from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import ApiError, invalid_parameter

api = Service("Sts", "2015-04-01")

_ROLE_ARN = re.compile(r"acs:ram::(\d+):role/([A-Za-z0-9.-]{1,64})")
_SESSION_NAME = re.compile(r"[\w.@-]{2,64}", re.ASCII)


@api.rpc("GetCallerIdentity", permission=None)
def get_caller_identity(call: Call) -> dict:
    p = call.caller
    body = {"AccountId": p.account_id, "Arn": p.arn, "IdentityType": p.kind, "PrincipalId": p.principal_id}
    if p.kind in ("Account", "RAMUser"):
        body["UserId"] = p.principal_id
    else:
        body["RoleId"] = p.role_id
    return body


def _role_arn_param(call: Call) -> str:
    return call.params.get("RoleArn", "*")


def _trust_admits(trust: dict, caller: iam.Principal) -> bool:
    candidates = {f"acs:ram::{caller.account_id}:root", caller.arn}
    if caller.kind == "RAMUser":
        candidates.add(f"acs:ram::{caller.account_id}:user/{caller.name}")
    admitted = False
    for statement in trust.get("Statement", []):
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in actions):
            continue
        principals = statement.get("Principal", {}).get("RAM", [])
        principals = {principals} if isinstance(principals, str) else set(principals)
        if principals & candidates:
            if statement.get("Effect") == "Deny":
                return False
            admitted = admitted or statement.get("Effect") == "Allow"
    return admitted


@api.rpc("AssumeRole", permission="sts:AssumeRole", resource=_role_arn_param)
def assume_role(call: Call) -> dict:
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
    duration = call.int_param("DurationSeconds", 3600)
    if not 900 <= duration <= role["MaxSessionDuration"]:
        raise invalid_parameter("DurationSeconds", f"must be 900 to {role['MaxSessionDuration']} (the role's MaxSessionDuration)")
    session_policy = None
    if call.param("Policy"):
        if len(call.required("Policy")) > 2048:
            raise ApiError(400, "InvalidParameter.PolicySize", "The session policy exceeds 2048 characters.")
        try:
            session_policy = json.loads(call.required("Policy"))
        except json.JSONDecodeError:
            raise ApiError(400, "InvalidParameter.PolicyGrammar", "The session policy is not valid JSON.") from None
        if not isinstance(session_policy, dict) or not isinstance(session_policy.get("Statement"), list):
            raise ApiError(400, "InvalidParameter.PolicyGrammar", "The session policy needs a Statement list.")
    if not _trust_admits(json.loads(role["AssumeRolePolicyDocument"]), call.caller):
        raise ApiError(403, "NoPermission",
                       f"You are not authorized to do this action. You should be authorized by RAM: the trust policy of {arn} does not admit {call.caller.arn}.",
                       AccessDeniedDetail={"AuthAction": "sts:AssumeRole", "PolicyType": "AssumeRolePolicy",
                                           "NoPermissionType": "ImplicitDeny",
                                           "AuthPrincipalDisplayName": call.caller.arn})
    now = call.state.clock.now()
    key_id = "STS." + "".join(secrets.choice(iam._ALNUM) for _ in range(28))
    secret, token = iam.new_secret(44), "CAIS" + secrets.token_urlsafe(96)
    expiration = now + duration
    call.state.store.put("sts.session", key_id, {
        "AccessKeyId": key_id, "AccessKeySecret": secret, "TokenDigest": iam.token_digest(token),
        "Expiration": expiration, "AccountId": account_id, "RoleName": role["RoleName"], "RoleId": role["RoleId"],
        "RoleSessionName": session_name, "Policy": session_policy, "AssumedBy": call.caller.arn,
    })
    return {
        "Credentials": {"AccessKeyId": key_id, "AccessKeySecret": secret, "SecurityToken": token,
                        "Expiration": call.state.clock.iso(expiration)},
        "AssumedRoleUser": {"Arn": f"acs:ram::{account_id}:assumed-role/{role['RoleName'].lower()}/{session_name}",
                            "AssumedRoleId": f"{role['RoleId']}:{session_name}"},
    }
