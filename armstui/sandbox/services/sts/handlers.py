"""STS 2015-04-01 (RPC): GetCallerIdentity, AssumeRole.

GetCallerIdentity needs no permission and returns ``AccountId, UserId, Arn, IdentityType
(Account|RAMUser|AssumedRoleUser), PrincipalId, RoleId``; ``UserId`` only for an account or a
RAM user, ``RoleId`` only for a role (https://help.aliyun.com/document_detail/43767.html,
reference §4).
"""

from __future__ import annotations

from armstui.sandbox.api import Call, Service

api = Service("Sts", "2015-04-01")


@api.rpc("GetCallerIdentity", permission=None)
def get_caller_identity(call: Call) -> dict:
    p = call.caller
    body = {"AccountId": p.account_id, "Arn": p.arn, "IdentityType": p.kind, "PrincipalId": p.principal_id}
    if p.kind in ("Account", "RAMUser"):
        body["UserId"] = p.principal_id
    else:
        body["RoleId"] = p.role_id
    return body
