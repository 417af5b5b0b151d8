"""Authorization in the sandbox: root may do anything in its own account, a RAM user
only what its policies allow; system policies with their real effect; custom documents with
wildcards; an explicit Deny wins; inactive or deleted keys are refused. All through the SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_ram20150501 import models as ram
from alibabacloud_sts20150401 import models as sts
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def _as(sandbox: RunningSandbox, service: str, key: dict[str, str]) -> Any:
    return sandbox.client(service, **key)


def test_root_may_do_anything_in_its_account(sandbox: RunningSandbox) -> None:
    root = sandbox.client("ram", "source")
    root.create_user(ram.CreateUserRequest(user_name="made-by-root"))
    assert (
        sandbox.client("arms", "source")
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id="cn-hangzhou"))
        .body.license_key
    )


def test_a_user_without_policies_is_refused_naming_the_action(sandbox: RunningSandbox) -> None:
    key = sandbox.user_key("monitoring", "nobody")
    client = _as(sandbox, "ram", key)
    err = _error(client.list_users, ram.ListUsersRequest())
    assert (err.status_code, err.code) == (403, "NoPermission")
    assert "ram:ListUsers" in err.message
    detail = err.data["AccessDeniedDetail"]
    assert detail["AuthAction"] == "ram:ListUsers"
    assert detail["AuthPrincipalDisplayName"] == f"acs:ram::{sandbox.uid('monitoring')}:user/nobody"
    assert detail["NoPermissionType"] == "ImplicitDeny"
    arms_err = _error(
        _as(sandbox, "arms", key).list_trace_apps,
        arms.ListTraceAppsRequest(region_id="cn-hangzhou"),
    )
    assert arms_err.data["AccessDeniedDetail"]["AuthAction"] == "arms:ListTraceApps"


def test_get_caller_identity_needs_no_permission(sandbox: RunningSandbox) -> None:
    key = sandbox.user_key("monitoring", "nobody")
    who = _as(sandbox, "sts", key).get_caller_identity().body
    assert (who.identity_type, who.account_id) == ("RAMUser", sandbox.uid("monitoring"))
    assert who.arn == f"acs:ram::{sandbox.uid('monitoring')}:user/nobody"
    assert who.user_id and who.user_id == who.principal_id and not who.role_id


def test_ram_read_only_lists_but_cannot_create(sandbox: RunningSandbox) -> None:
    client = _as(
        sandbox,
        "ram",
        sandbox.user_key("monitoring", "auditor", "AliyunRAMReadOnlyAccess"),
    )
    names = [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user]
    assert names == ["admin", "auditor"]  # admin: seeded in every account
    assert client.get_user(ram.GetUserRequest(user_name="auditor")).body.user.user_name == "auditor"
    err = _error(client.create_user, ram.CreateUserRequest(user_name="sneaky"))
    assert (err.code, err.data["AccessDeniedDetail"]["AuthAction"]) == (
        "NoPermission",
        "ram:CreateUser",
    )
    assert (
        _error(client.create_access_key, ram.CreateAccessKeyRequest(user_name="auditor")).code
        == "NoPermission"
    )
    assert (
        len(sandbox.client("ram", "monitoring").list_users(ram.ListUsersRequest()).body.users.user)
        == 2  # with the seeded admin
    )


def test_ram_full_access_may_create_users(sandbox: RunningSandbox) -> None:
    client = _as(
        sandbox,
        "ram",
        sandbox.user_key("monitoring", "ram-admin", "AliyunRAMFullAccess"),
    )
    client.create_user(ram.CreateUserRequest(user_name="made-by-admin"))
    assert (
        _error(
            _as(
                sandbox,
                "arms",
                sandbox.user_key("monitoring", "x", "AliyunRAMFullAccess"),
            ).list_trace_apps,
            arms.ListTraceAppsRequest(region_id="cn-hangzhou"),
        ).code
        == "NoPermission"
    )


def test_arms_read_only_and_full_access(sandbox: RunningSandbox) -> None:
    reader = _as(
        sandbox,
        "arms",
        sandbox.user_key("monitoring", "viewer", "AliyunARMSReadOnlyAccess"),
    )
    assert (
        reader.list_trace_apps(arms.ListTraceAppsRequest(region_id="cn-hangzhou")).body.success
        is True
    )
    full = _as(
        sandbox,
        "arms",
        sandbox.user_key("monitoring", "armsfull", "AliyunARMSFullAccess"),
    )
    assert full.describe_trace_license_key(
        arms.DescribeTraceLicenseKeyRequest(region_id="cn-hangzhou")
    ).body.license_key


def _user_holding(
    sandbox: RunningSandbox,
    user: str,
    policy: str,
    statements: list[dict[str, Any]],
    *system_policies: str,
) -> Any:
    """A RAM client of ``user``, a new user of monitoring holding ``system_policies`` and the
    new custom policy ``policy`` made of ``statements``."""
    document = json.dumps({"Version": "1", "Statement": statements})
    sandbox.client("ram", "monitoring").create_policy(
        ram.CreatePolicyRequest(policy_name=policy, policy_document=document)
    )
    return _as(
        sandbox, "ram", sandbox.user_key("monitoring", user, *system_policies, ("Custom", policy))
    )


def _allow(action: str | list[str], resource: str = "*") -> list[dict[str, Any]]:
    """A policy's statements: one that allows ``action`` on ``resource``."""
    return [{"Effect": "Allow", "Action": action, "Resource": resource}]


def _deny(action: str, resource: str = "*") -> list[dict[str, Any]]:
    """A policy's statements: one that denies ``action`` on ``resource``."""
    return [{"Effect": "Deny", "Action": action, "Resource": resource}]


def test_custom_policy_with_wildcards(sandbox: RunningSandbox) -> None:
    client = _user_holding(
        sandbox, "getter", "get-only", _allow(["ram:Get*", "ram:listusers"])
    )  # actions compare case-insensitively
    assert client.get_user(ram.GetUserRequest(user_name="getter")).body.user.user_name == "getter"
    assert client.list_users(ram.ListUsersRequest()).body.users.user
    assert (
        _error(client.list_roles, ram.ListRolesRequest()).data["AccessDeniedDetail"]["AuthAction"]
        == "ram:ListRoles"
    )
    assert _error(client.create_user, ram.CreateUserRequest(user_name="no")).code == "NoPermission"


def test_custom_policy_resource_patterns_limit_which_users(sandbox: RunningSandbox) -> None:
    a = sandbox.uid("monitoring")
    client = _user_holding(
        sandbox, "lead", "own-team", _allow("ram:GetUser", f"acs:ram:*:{a}:user/team-*")
    )
    root = sandbox.client("ram", "monitoring")
    for name in ("team-one", "other"):
        root.create_user(ram.CreateUserRequest(user_name=name))
    assert (
        client.get_user(ram.GetUserRequest(user_name="team-one")).body.user.user_name == "team-one"
    )
    assert _error(client.get_user, ram.GetUserRequest(user_name="other")).code == "NoPermission"


def test_an_explicit_deny_wins(sandbox: RunningSandbox) -> None:
    client = _user_holding(
        sandbox, "careful", "no-user-deletes", _deny("ram:Delete*"), "AdministratorAccess"
    )
    client.create_user(ram.CreateUserRequest(user_name="victim"))
    err = _error(client.delete_user, ram.DeleteUserRequest(user_name="victim"))
    assert (err.code, err.data["AccessDeniedDetail"]["AuthAction"]) == (
        "NoPermission",
        "ram:DeleteUser",
    )
    assert client.get_user(ram.GetUserRequest(user_name="victim")).body.user.user_name == "victim"


def test_an_inactive_user_key_is_refused_and_can_be_reactivated(sandbox: RunningSandbox) -> None:
    key = sandbox.user_key("monitoring", "sleeper", "AliyunRAMReadOnlyAccess")
    client = _as(sandbox, "ram", key)
    assert client.list_users(ram.ListUsersRequest()).body.users.user
    root = sandbox.client("ram", "monitoring")
    root.update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name="sleeper", user_access_key_id=key["access_key_id"], status="Inactive"
        )
    )
    err = _error(client.list_users, ram.ListUsersRequest())
    assert (err.status_code, err.code) == (400, "InvalidAccessKeyId.Inactive")
    assert (
        _error(_as(sandbox, "sts", key).get_caller_identity).code == "InvalidAccessKeyId.Inactive"
    )
    root.update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name="sleeper", user_access_key_id=key["access_key_id"], status="Active"
        )
    )
    assert client.list_users(ram.ListUsersRequest()).body.users.user


def test_a_deleted_key_is_refused(sandbox: RunningSandbox) -> None:
    key = sandbox.user_key("monitoring", "leaver", "AliyunRAMReadOnlyAccess")
    sandbox.client("ram", "monitoring").delete_access_key(
        ram.DeleteAccessKeyRequest(user_name="leaver", user_access_key_id=key["access_key_id"])
    )
    err = _error(_as(sandbox, "ram", key).list_users, ram.ListUsersRequest())
    assert (err.status_code, err.code) == (404, "InvalidAccessKeyId.NotFound")


def test_detaching_a_policy_takes_effect_at_once(sandbox: RunningSandbox) -> None:
    client = _as(
        sandbox,
        "ram",
        sandbox.user_key("monitoring", "temp", "AliyunRAMReadOnlyAccess"),
    )
    assert client.list_users(ram.ListUsersRequest()).body.users.user
    sandbox.client("ram", "monitoring").detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(
            user_name="temp", policy_type="System", policy_name="AliyunRAMReadOnlyAccess"
        )
    )
    assert _error(client.list_users, ram.ListUsersRequest()).code == "NoPermission"


def test_a_user_with_admin_in_one_account_has_nothing_in_another(sandbox: RunningSandbox) -> None:
    key = sandbox.user_key("source", "b-admin", "AdministratorAccess")
    client = _as(sandbox, "ram", key)
    client.create_user(ram.CreateUserRequest(user_name="in-b"))
    # the same call lands in B, never in A: nothing of A is visible
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin",
        "b-admin",
        "in-b",
    ]
    assert [
        u.user_name
        for u in sandbox.client("ram", "monitoring")
        .list_users(ram.ListUsersRequest())
        .body.users.user
    ] == ["admin"]
    # and B's admin cannot assume a role of A without A's trust
    err = _error(
        _as(sandbox, "sts", key).assume_role,
        sts.AssumeRoleRequest(
            role_arn=f"acs:ram::{sandbox.uid('monitoring')}:role/nothing", role_session_name="probe"
        ),
    )
    assert err.code == "EntityNotExist.Role"


def test_an_explicit_deny_is_reported_as_one(sandbox: RunningSandbox) -> None:
    client = _user_holding(sandbox, "denied", "no-lists", _deny("ram:List*"), "AdministratorAccess")
    explicit = _error(client.list_users, ram.ListUsersRequest()).data["AccessDeniedDetail"]
    assert (explicit["AuthAction"], explicit["NoPermissionType"]) == (
        "ram:ListUsers",
        "ExplicitDeny",
    )
    bare = _as(sandbox, "ram", sandbox.user_key("monitoring", "bare"))
    assert (
        _error(bare.list_users, ram.ListUsersRequest()).data["AccessDeniedDetail"][
            "NoPermissionType"
        ]
        == "ImplicitDeny"
    )


def test_list_actions_check_the_collection_not_one_member(sandbox: RunningSandbox) -> None:
    a = sandbox.uid("monitoring")
    narrow = _user_holding(
        sandbox, "narrow", "one-user", _allow("ram:*", f"acs:ram:*:{a}:user/alice")
    )
    assert (
        _error(narrow.list_users, ram.ListUsersRequest()).code == "NoPermission"
    )  # user/* is not user/alice
    wide = _user_holding(
        sandbox, "wide", "all-users", _allow("ram:ListUsers", f"acs:ram:*:{a}:user/*")
    )
    assert len(wide.list_users(ram.ListUsersRequest()).body.users.user) == 3  # with admin

    admin = _user_holding(
        sandbox,
        "all-admin",
        "spare-alice",
        _deny("ram:*", f"acs:ram:*:{a}:user/alice"),
        "AdministratorAccess",
    )
    assert (
        len(admin.list_users(ram.ListUsersRequest()).body.users.user) == 4
    )  # the Deny names one user, not the list (with the seeded admin)
    sandbox.client("ram", "monitoring").create_user(ram.CreateUserRequest(user_name="alice"))
    assert _error(admin.get_user, ram.GetUserRequest(user_name="alice")).code == "NoPermission"


def test_wildcards_are_star_and_question_mark_only(sandbox: RunningSandbox) -> None:
    client = _user_holding(
        sandbox, "odd", "odd-patterns", _allow(["ram:?etUser", "ram:List[R]oles"])
    )
    assert client.get_user(ram.GetUserRequest(user_name="odd")).body.user.user_name == "odd"
    assert (
        _error(client.list_roles, ram.ListRolesRequest()).code == "NoPermission"
    )  # [R] is literal, not a class


def test_a_condition_the_sandbox_cannot_satisfy_grants_nothing(sandbox: RunningSandbox) -> None:
    client = _user_holding(
        sandbox,
        "remote",
        "from-the-office",
        [
            {
                "Effect": "Allow",
                "Action": "ram:ListUsers",
                "Resource": "*",
                "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
            }
        ],
    )
    assert _error(client.list_users, ram.ListUsersRequest()).code == "NoPermission"
