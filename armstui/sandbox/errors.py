"""The error every sandbox handler raises, answered in the real Alibaba Cloud shape.

RPC services answer ``{"RequestId", "HostId", "Code", "Message", "Recommend"}`` with a 4xx or
5xx status; the SDK (alibabacloud_tea_openapi ``do_request``) reads ``Code``/``code`` and
``RequestId``/``requestId`` and raises ``ClientException`` (4xx) or ``ServerException`` (5xx).
CS (ROA) answers lower-case ``code``, ``message``, ``requestId``. Source:
alibabacloud_tea_openapi 0.4.6 (client.py, do_request).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with its HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def missing_parameter(name: str) -> ApiError:
    return ApiError(
        400,
        f"MissingParameter.{name}",
        f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
    )


def invalid_parameter(name: str, why: str) -> ApiError:
    return ApiError(400, f"InvalidParameter.{name}", f'The parameter "{name}" is invalid: {why}')


def no_permission(action: str, principal_arn: str) -> ApiError:
    """RAM's refusal. Real message: "You are not authorized to do this action. You should be
    authorized by RAM."; we name the action, as newer gateways do through
    AccessDeniedDetail.AuthAction."""
    return ApiError(
        403,
        "NoPermission",
        f"You are not authorized to do this action ({action}). You should be authorized by RAM.",
        AccessDeniedDetail={
            "AuthAction": action,
            "AuthPrincipalDisplayName": principal_arn,
            "NoPermissionType": "ImplicitDeny",
            "PolicyType": "AccountLevelIdentityBasedPolicy",
        },
    )
