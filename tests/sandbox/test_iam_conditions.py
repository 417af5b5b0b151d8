"""Policy Conditions the sandbox cannot evaluate fail closed: a Deny whose Condition it does not
understand denies and says why; malformed Conditions are refused as MalformedPolicyDocument."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram

from armstui.sandbox import iam
from armstui.sandbox.errors import ApiError
from tests.sandbox.test_iam import _error, _user_holding
from tests.support.sandbox import RunningSandbox

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _deny(condition: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": "ram:ListUsers", "Resource": "*", "Condition": condition}


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},  # an operator the sandbox cannot evaluate
        {"StringEquals": {"acs:CurrentTime": "2026-01-01"}},  # a key it does not know
    ],
)
def test_a_deny_with_an_unevaluable_condition_denies_and_says_why(
    sandbox: RunningSandbox, condition: dict[str, Any]
) -> None:
    client = _user_holding(sandbox, "guarded", "guarded", [ALLOW_ALL, _deny(condition)])
    err = _error(client.list_users, ram.ListUsersRequest())
    assert err.code == "NoPermission"
    assert err.data["AccessDeniedDetail"]["NoPermissionType"] == "ExplicitDeny"
    assert "cannot be evaluated" in err.message and "denies" in err.message
    client.list_roles(ram.ListRolesRequest())  # only the denied action is refused


def test_a_deny_whose_condition_does_not_hold_denies_nothing() -> None:
    deny = _deny({"StringEquals": {"sts:ExternalId": "expected"}})
    docs = [{"Statement": [ALLOW_ALL, deny]}]
    assert iam.evaluate(docs, "ram:ListUsers", context={"sts:ExternalId": "other"}) == "Allow"
    assert iam.evaluate(docs, "ram:ListUsers", context={"sts:ExternalId": "expected"}) == "Deny"


def test_a_trust_policy_deny_with_an_unevaluable_condition_refuses() -> None:
    caller = iam.Principal("1234567890123456", "RAMUser", name="ops")
    arn = "acs:ram::1234567890123456:root"
    trust = {
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [arn]}},
            {
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [arn]},
                "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
            },
        ]
    }
    assert iam.trust_admits(trust, caller) == "Deny"


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ("acs:SourceIp", "object of operators"),
        ({"StringEqualz": {"sts:ExternalId": "x"}}, "StringEqualz"),
        ({"StringEquals": "x"}, "map condition keys"),
        ({"StringEquals": {}}, "map condition keys"),
        ({"StringEquals": {"sts:ExternalId": {"nested": 1}}}, "sts:ExternalId"),
        ({"StringEquals": {"sts:ExternalId": []}}, "sts:ExternalId"),
        ({"StringEquals": {"sts:ExternalId": None}}, "sts:ExternalId"),
    ],
)
def test_malformed_conditions_are_malformed_policy_documents(condition: Any, why: str) -> None:
    doc = {"Version": "1", "Statement": [_deny(condition)]}
    with pytest.raises(ApiError) as info:
        iam.check_policy_conditions(doc)
    assert info.value.code == "MalformedPolicyDocument" and why in info.value.message


def test_well_formed_conditions_pass_the_check() -> None:
    doc = {
        "Version": "1",
        "Statement": [
            _deny({"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}),
            _deny({"Bool": {"acs:SecureTransport": False}, "NumericLessThan": {"k": 3}}),
            ALLOW_ALL,
        ],
    }
    iam.check_policy_conditions(doc)
