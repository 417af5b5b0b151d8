"""STS 2015-04-01 in the sandbox: AssumeRole across accounts, its parameter rules and
refusals (a root AccessKey may assume no role), the assumed identity's permissions, and STS credentials' token checks. SDK only."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ram20150501 import models as ram
from alibabacloud_sts20150401 import models as sts
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox, root_arn, trust_statement

ROLE = "arms-admin"


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def _trust(*principals: str) -> str:
    return json.dumps({"Version": "1", "Statement": [trust_statement(*principals)]})


def _role(
    sandbox: RunningSandbox,
    trusted_alias: str = "source",
    max_session: int | None = None,
    policies: tuple[str, ...] = ("AliyunARMSReadOnlyAccess", "AliyunRAMReadOnlyAccess"),
) -> str:
    """A role in A trusted by ``trusted_alias``'s root, with system ``policies``; returns its ARN."""
    root = sandbox.client("ram", "monitoring")
    role = root.create_role(
        ram.CreateRoleRequest(
            role_name=ROLE,
            assume_role_policy_document=_trust(root_arn(sandbox.uid(trusted_alias))),
            max_session_duration=max_session,
        )
    ).body.role
    for name in policies:
        root.attach_policy_to_role(
            ram.AttachPolicyToRoleRequest(role_name=ROLE, policy_type="System", policy_name=name)
        )
    return role.arn


@pytest.fixture
def operator(sandbox: RunningSandbox) -> Any:
    """STS client of B's user ``arms-operator`` with AliyunSTSAssumeRoleAccess."""
    return sandbox.client(
        "sts", **sandbox.user_key("source", "arms-operator", "AliyunSTSAssumeRoleAccess")
    )


def _assume(client: Any, arn: str, session: str = "ops-session", **kwargs: Any) -> Any:
    return client.assume_role(
        sts.AssumeRoleRequest(role_arn=arn, role_session_name=session, **kwargs)
    ).body


def _session_client(sandbox: RunningSandbox, service: str, body: Any, **overrides: str) -> Any:
    c = body.credentials
    creds = {
        "access_key_id": c.access_key_id,
        "access_key_secret": c.access_key_secret,
        "security_token": c.security_token,
        **overrides,
    }
    return sandbox.client(service, **creds)


def test_assume_role_across_accounts(sandbox: RunningSandbox, operator: Any) -> None:
    a = sandbox.uid("monitoring")
    arn = _role(sandbox)
    before = time.time()
    body = _assume(operator, arn, duration_seconds=1800)
    creds = body.credentials
    assert (
        creds.access_key_id.startswith("STS.") and creds.access_key_secret and creds.security_token
    )
    expires = calendar.timegm(time.strptime(creds.expiration, "%Y-%m-%dT%H:%M:%SZ"))
    assert before + 1800 - 5 <= expires <= time.time() + 1800 + 5
    role_id = (
        sandbox.client("ram", "monitoring")
        .get_role(ram.GetRoleRequest(role_name=ROLE))
        .body.role.role_id
    )
    assert body.assumed_role_user.arn == f"acs:ram::{a}:assumed-role/{ROLE}/ops-session"
    assert body.assumed_role_user.assumed_role_id == f"{role_id}:ops-session"

    who = _session_client(sandbox, "sts", body).get_caller_identity().body
    assert (who.identity_type, who.account_id) == ("AssumedRoleUser", a)
    assert who.arn == f"acs:ram::{a}:assumed-role/{ROLE}/ops-session"
    assert who.role_id == role_id and who.principal_id == f"{role_id}:ops-session"
    assert not who.user_id


def test_the_assumed_identity_has_exactly_the_roles_policies(
    sandbox: RunningSandbox, operator: Any
) -> None:
    body = _assume(operator, _role(sandbox))
    as_role = _session_client(sandbox, "ram", body)
    assert [u.user_name for u in as_role.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin"
    ]  # A's users (only the seeded admin), not B's
    err = _error(as_role.create_user, ram.CreateUserRequest(user_name="nope"))
    assert (err.code, err.data["AccessDeniedDetail"]["AuthAction"]) == (
        "NoPermission",
        "ram:CreateUser",
    )
    arms_client = _session_client(sandbox, "arms", body)
    assert arms_client.list_trace_apps(
        arms.ListTraceAppsRequest(region_id="cn-hangzhou")
    ).body.success
    ecs_client = _session_client(sandbox, "ecs", body)
    assert _error(ecs_client.describe_regions, ecs.DescribeRegionsRequest()).code == "NoPermission"


def test_a_session_policy_narrows_the_role(sandbox: RunningSandbox, operator: Any) -> None:
    narrow = json.dumps(
        {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "arms:ListTraceApps", "Resource": "*"}],
        }
    )
    body = _assume(operator, _role(sandbox), policy=narrow)
    assert (
        _session_client(sandbox, "arms", body)
        .list_trace_apps(arms.ListTraceAppsRequest(region_id="cn-hangzhou"))
        .body.success
    )
    err = _error(
        _session_client(sandbox, "ram", body).list_users, ram.ListUsersRequest()
    )  # the role may, the session not
    assert err.code == "NoPermission"
    wide = json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    widened = _assume(operator, _existing_role(sandbox), policy=wide)
    assert (
        _error(
            _session_client(sandbox, "ram", widened).create_user,
            ram.CreateUserRequest(user_name="x"),
        ).code
        == "NoPermission"
    )


def _existing_role(sandbox: RunningSandbox) -> str:
    """The ARN of the existing role (a session policy cannot widen it)."""
    return f"acs:ram::{sandbox.uid('monitoring')}:role/{ROLE}"


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        ("{not json", "InvalidParameter.PolicyGrammar"),
        (json.dumps({"Version": "1"}), "InvalidParameter.PolicyGrammar"),
        (
            json.dumps(
                {"Version": "2", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
            "InvalidParameter.PolicyGrammar",
        ),
        (
            json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*"}]}),
            "InvalidParameter.PolicyGrammar",
        ),
        (
            json.dumps(
                {
                    "Version": "1",
                    "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}],
                }
            ),
            "InvalidParameter.PolicyGrammar",
        ),
        (
            json.dumps(
                {
                    "Version": "1",
                    "Statement": [{"Effect": "Allow", "Action": "x" * 2100, "Resource": "*"}],
                }
            ),
            "InvalidParameter.PolicySize",
        ),
    ],
)
def test_bad_session_policies(
    sandbox: RunningSandbox, operator: Any, policy: str, code: str
) -> None:
    err = _error(lambda: _assume(operator, _role(sandbox), policy=policy))
    assert (err.status_code, err.code) == (400, code)


def test_an_outsider_is_refused_by_the_trust_policy(sandbox: RunningSandbox) -> None:
    arn = _role(sandbox)
    outsider = sandbox.client(
        "sts", **sandbox.user_key("outsider", "stranger", "AliyunSTSAssumeRoleAccess")
    )
    err = _error(lambda: _assume(outsider, arn))
    assert (err.status_code, err.code) == (403, "NoPermission")
    assert err.data["AccessDeniedDetail"]["AuthAction"] == "sts:AssumeRole"
    assert (
        _error(lambda: _assume(sandbox.client("sts", "outsider"), arn)).code == "NoPermission"
    )  # even C's root
    assert sandbox.state.store.count("sts.session") == 0


def test_trust_may_name_a_single_user(sandbox: RunningSandbox) -> None:
    b = sandbox.uid("source")
    sandbox.client("ram", "monitoring").create_role(
        ram.CreateRoleRequest(
            role_name="just-one", assume_role_policy_document=_trust(f"acs:ram::{b}:user/chosen")
        )
    )
    arn = f"acs:ram::{sandbox.uid('monitoring')}:role/just-one"
    chosen = sandbox.client(
        "sts", **sandbox.user_key("source", "chosen", "AliyunSTSAssumeRoleAccess")
    )
    other = sandbox.client(
        "sts", **sandbox.user_key("source", "other", "AliyunSTSAssumeRoleAccess")
    )
    assert _assume(chosen, arn).credentials.security_token
    assert _error(lambda: _assume(other, arn)).code == "NoPermission"


def test_a_caller_without_sts_assume_role_is_refused(sandbox: RunningSandbox) -> None:
    arn = _role(sandbox)
    bare = sandbox.client("sts", **sandbox.user_key("source", "bare", "AliyunRAMReadOnlyAccess"))
    err = _error(lambda: _assume(bare, arn))
    assert (err.status_code, err.code) == (403, "NoPermission")
    assert err.data["AccessDeniedDetail"]["AuthAction"] == "sts:AssumeRole"


def test_a_root_account_may_not_assume_a_role(sandbox: RunningSandbox) -> None:
    """STS refuses any role to an account's root AccessKey, even one the trust policy names
    (STS AssumeRole error codes: NoPermission, "Roles may not be assumed by root accounts.")."""
    arn = _role(sandbox)
    for alias in ("source", "monitoring"):  # the trusted account, and the role's own
        err = _error(lambda alias=alias: _assume(sandbox.client("sts", alias), arn))
        assert (err.status_code, err.code) == (403, "NoPermission")
        assert "Roles may not be assumed by root accounts." in err.message
    assert sandbox.state.store.list("sts.session") == []


def test_the_seeded_admin_user_may_assume_a_trusted_role(sandbox: RunningSandbox) -> None:
    """Each account's ``admin`` (AdministratorAccess) is what a switch runs as instead."""
    admin = sandbox.accounts["source"]["users"]["admin"]
    client = sandbox.client(
        "sts", access_key_id=admin["access_key_id"], access_key_secret=admin["access_key_secret"]
    )
    body = _assume(client, _role(sandbox))
    assert body.credentials.access_key_id.startswith("STS.")
    who = _session_client(sandbox, "sts", body).get_caller_identity().body
    assert (who.identity_type, who.account_id) == ("AssumedRoleUser", sandbox.uid("monitoring"))


def test_a_missing_role_is_entity_not_exist(sandbox: RunningSandbox, operator: Any) -> None:
    err = _error(
        lambda: _assume(operator, f"acs:ram::{sandbox.uid('monitoring')}:role/no-such-role")
    )
    assert (err.status_code, err.code) == (404, "EntityNotExist.Role")


@pytest.mark.parametrize(
    "arn",
    [
        "arms-admin",
        "acs:ram::12ab:role/x",
        "acs:ram::1234567890123456:user/arms-admin",
        "acs:ram::1234567890123456:role/bad_name",
    ],
)
def test_a_bad_role_arn(sandbox: RunningSandbox, operator: Any, arn: str) -> None:
    err = _error(lambda: _assume(operator, arn))
    assert (err.status_code, err.code) == (400, "InvalidParameter.RoleArn")


@pytest.mark.parametrize("session", ["a", "x" * 65, "has space", "semi;colon"])
def test_a_bad_role_session_name(sandbox: RunningSandbox, operator: Any, session: str) -> None:
    err = _error(lambda: _assume(operator, _role(sandbox), session))
    assert (err.status_code, err.code) == (400, "InvalidParameter.RoleSessionName")


def test_role_session_name_accepts_its_characters(sandbox: RunningSandbox, operator: Any) -> None:
    name = "a.b@c-d_e" + "9" * 55  # 64 characters
    assert _assume(operator, _role(sandbox), name).assumed_role_user.arn.endswith("/" + name)


def test_duration_seconds_bounds(sandbox: RunningSandbox, operator: Any) -> None:
    arn = _role(sandbox, max_session=7200)
    for bad in (899, 7201):
        err = _error(lambda bad=bad: _assume(operator, arn, duration_seconds=bad))
        assert (err.status_code, err.code) == (400, "InvalidParameter.DurationSeconds")
        assert "7200" in err.message
    assert _assume(operator, arn, duration_seconds=900).credentials.expiration
    assert _assume(operator, arn, duration_seconds=7200).credentials.expiration


def test_default_max_session_duration_is_an_hour(sandbox: RunningSandbox, operator: Any) -> None:
    arn = _role(sandbox)
    assert (
        _error(lambda: _assume(operator, arn, duration_seconds=3601)).code
        == "InvalidParameter.DurationSeconds"
    )


# --- STS credentials -------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(sandbox: RunningSandbox, operator: Any) -> None:
    body = _assume(operator, _role(sandbox))
    client = _session_client(sandbox, "sts", body)
    assert client.get_caller_identity().body.identity_type == "AssumedRoleUser"
    store = sandbox.state.store
    session = store.get("sts.session", body.credentials.access_key_id)
    session["Expiration"] = time.time() - 1
    store.put("sts.session", body.credentials.access_key_id, session)
    err = _error(client.get_caller_identity)
    assert (err.status_code, err.code) == (400, "InvalidSecurityToken.Expired")


def test_a_tampered_token_is_a_mismatch(sandbox: RunningSandbox, operator: Any) -> None:
    body = _assume(operator, _role(sandbox))
    token = body.credentials.security_token
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    err = _error(_session_client(sandbox, "sts", body, security_token=tampered).get_caller_identity)
    assert (err.status_code, err.code) == (400, "InvalidSecurityToken.MismatchWithAccessKey")
    other = _assume(operator, _existing_role(sandbox), "second")
    swapped = _session_client(sandbox, "sts", body, security_token=other.credentials.security_token)
    assert _error(swapped.get_caller_identity).code == "InvalidSecurityToken.MismatchWithAccessKey"


def test_an_unknown_sts_key_is_malformed(sandbox: RunningSandbox, operator: Any) -> None:
    body = _assume(operator, _role(sandbox))
    client = _session_client(sandbox, "sts", body, access_key_id="STS." + "Z" * 28)
    assert _error(client.get_caller_identity).code == "InvalidSecurityToken.Malformed"


def test_a_missing_token_is_refused(sandbox: RunningSandbox, operator: Any) -> None:
    body = _assume(operator, _role(sandbox))
    c = body.credentials
    client = sandbox.client(
        "sts", access_key_id=c.access_key_id, access_key_secret=c.access_key_secret
    )
    err = _error(client.get_caller_identity)
    assert (err.status_code, err.code) == (400, "MissingSecurityToken")


def test_the_sts_secret_is_checked(sandbox: RunningSandbox, operator: Any) -> None:
    body = _assume(operator, _role(sandbox))
    client = _session_client(sandbox, "sts", body, access_key_secret="wrong-secret")
    assert _error(client.get_caller_identity).code == "SignatureDoesNotMatch"


def test_deleting_the_role_policy_takes_effect_for_live_sessions(
    sandbox: RunningSandbox, operator: Any
) -> None:
    body = _assume(operator, _role(sandbox, policies=("AliyunARMSReadOnlyAccess",)))
    client = _session_client(sandbox, "arms", body)
    assert client.list_trace_apps(arms.ListTraceAppsRequest(region_id="cn-hangzhou")).body.success
    sandbox.client("ram", "monitoring").detach_policy_from_role(
        ram.DetachPolicyFromRoleRequest(
            role_name=ROLE, policy_type="System", policy_name="AliyunARMSReadOnlyAccess"
        )
    )
    assert (
        _error(client.list_trace_apps, arms.ListTraceAppsRequest(region_id="cn-hangzhou")).code
        == "NoPermission"
    )


def test_a_deny_in_the_session_policy_wins(sandbox: RunningSandbox, operator: Any) -> None:
    policy = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "arms:List*", "Resource": "*"},
            ],
        }
    )
    body = _assume(operator, _role(sandbox), policy=policy)
    assert (
        _session_client(sandbox, "ram", body).list_users(ram.ListUsersRequest()).body.users
        is not None
    )
    err = _error(
        _session_client(sandbox, "arms", body).list_trace_apps,
        arms.ListTraceAppsRequest(region_id="cn-hangzhou"),
    )
    assert (err.code, err.data["AccessDeniedDetail"]["NoPermissionType"]) == (
        "NoPermission",
        "ExplicitDeny",
    )


def _conditional_role(sandbox: RunningSandbox, statements: list[dict[str, Any]]) -> str:
    trust = json.dumps({"Version": "1", "Statement": statements})
    return (
        sandbox.client("ram", "monitoring")
        .create_role(ram.CreateRoleRequest(role_name="guarded", assume_role_policy_document=trust))
        .body.role.arn
    )


def test_a_trust_policy_may_require_an_external_id(sandbox: RunningSandbox, operator: Any) -> None:
    b = sandbox.uid("source")
    arn = _conditional_role(
        sandbox,
        [
            {
                **trust_statement(root_arn(b)),
                "Condition": {"StringEquals": {"sts:ExternalId": "abcd-1234"}},
            }
        ],
    )
    assert _error(lambda: _assume(operator, arn)).code == "NoPermission"
    assert _error(lambda: _assume(operator, arn, external_id="wrong-id")).code == "NoPermission"
    assert _assume(operator, arn, external_id="abcd-1234").credentials.access_key_id.startswith(
        "STS."
    )
    for bad in ("x", "has space"):
        err = _error(lambda bad=bad: _assume(operator, arn, external_id=bad))
        assert (err.status_code, err.code) == (400, "InvalidParameter.ExternalId")


def test_a_deny_in_the_trust_policy_wins(sandbox: RunningSandbox) -> None:
    b = sandbox.uid("source")
    arn = _conditional_role(
        sandbox,
        [
            trust_statement(root_arn(b)),
            {
                "Effect": "Deny",
                "Action": "sts:*",
                "Principal": {"RAM": f"acs:ram::{b}:user/banned"},
            },
        ],
    )
    banned = sandbox.client(
        "sts", **sandbox.user_key("source", "banned", "AliyunSTSAssumeRoleAccess")
    )
    err = _error(lambda: _assume(banned, arn))
    assert (err.code, err.data["AccessDeniedDetail"]["NoPermissionType"]) == (
        "NoPermission",
        "ExplicitDeny",
    )
    welcome = sandbox.client(
        "sts", **sandbox.user_key("source", "welcome", "AliyunSTSAssumeRoleAccess")
    )
    assert _assume(welcome, arn).credentials.security_token


def test_sts_assume_role_may_be_limited_to_one_role(sandbox: RunningSandbox) -> None:
    arn = _role(sandbox)
    other = _conditional_role(sandbox, [trust_statement(root_arn(sandbox.uid("source")))])
    only_admin = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"acs:ram:*:{sandbox.uid('monitoring')}:role/{ROLE}",
                }
            ],
        }
    )
    root_b = sandbox.client("ram", "source")
    root_b.create_policy(
        ram.CreatePolicyRequest(policy_name="assume-arms-admin", policy_document=only_admin)
    )
    key = sandbox.user_key("source", "limited")
    root_b.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            user_name="limited", policy_type="Custom", policy_name="assume-arms-admin"
        )
    )
    limited = sandbox.client("sts", **key)
    assert _assume(limited, arn).credentials.security_token
    err = _error(lambda: _assume(limited, other))
    assert (err.code, err.data["AccessDeniedDetail"]["AuthAction"]) == (
        "NoPermission",
        "sts:AssumeRole",
    )
