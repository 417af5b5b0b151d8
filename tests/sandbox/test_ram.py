"""RAM 2015-05-01 in the sandbox, through the official SDK client: every action's happy path
and the codes RAM answers with (rules in armstui/sandbox/services/ram/model.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox, trusting

PASSWORD = "Sandbox-Passw0rd"
READ_ONLY_DOC = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}],
    }
)


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def _code(fn: Callable[..., Any], *args: Any) -> tuple[int, str]:
    err = _error(fn, *args)
    return err.status_code, err.code


@pytest.fixture
def client(sandbox: RunningSandbox) -> Any:
    return sandbox.client("ram", "monitoring")


def _user(client: Any, name: str) -> Any:
    return client.create_user(
        ram.CreateUserRequest(user_name=name, display_name=f"{name} shown")
    ).body.user


def _key(client: Any, user: str) -> Any:
    """A new AccessKey of ``user`` (with its secret, shown only here)."""
    return client.create_access_key(ram.CreateAccessKeyRequest(user_name=user)).body.access_key


def _attach(client: Any, kind: str, holder: str, policy: str, policy_type: str = "Custom") -> Any:
    """AttachPolicyTo<kind> (``User`` or ``Role``): ``policy`` to ``holder``."""
    request = getattr(ram, f"AttachPolicyTo{kind}Request")(
        **{f"{kind.lower()}_name": holder}, policy_type=policy_type, policy_name=policy
    )
    return getattr(client, f"attach_policy_to_{kind.lower()}")(request)


# --- users ------------------------------------------------------------------------------------


def test_create_get_update_list_delete_user(client: Any) -> None:
    created = _user(client, "alice")
    assert created.user_name == "alice" and created.display_name == "alice shown"
    assert created.user_id.isdigit() and created.create_date.endswith("Z")
    got = client.get_user(ram.GetUserRequest(user_name="alice")).body.user
    assert got.user_id == created.user_id

    updated = client.update_user(
        ram.UpdateUserRequest(
            user_name="alice", new_user_name="alice2", new_display_name="Alice", new_comments="ops"
        )
    ).body.user
    assert (updated.user_name, updated.display_name, updated.comments) == ("alice2", "Alice", "ops")
    assert _code(client.get_user, ram.GetUserRequest(user_name="alice")) == (
        404,
        "EntityNotExist.User",
    )
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin",  # seeded in every account
        "alice2",
    ]

    client.delete_user(ram.DeleteUserRequest(user_name="alice2"))
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin"
    ]
    assert _code(client.delete_user, ram.DeleteUserRequest(user_name="alice2")) == (
        404,
        "EntityNotExist.User",
    )


def test_a_user_name_is_unique(client: Any) -> None:
    _user(client, "bob")
    assert _code(client.create_user, ram.CreateUserRequest(user_name="bob")) == (
        409,
        "EntityAlreadyExists.User",
    )
    _user(client, "carol")
    rename = ram.UpdateUserRequest(user_name="carol", new_user_name="bob")
    assert _code(client.update_user, rename) == (409, "EntityAlreadyExists.User")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("x" * 65, "InvalidParameter.UserName.Length"),
        ("has space", "InvalidParameter.UserName.InvalidChars"),
        ("slash/y", "InvalidParameter.UserName.InvalidChars"),
        ("ümlaut", "InvalidParameter.UserName.InvalidChars"),
    ],
)
def test_user_name_rules(client: Any, name: str, code: str) -> None:
    assert _code(client.create_user, ram.CreateUserRequest(user_name=name)) == (400, code)


def test_user_name_rules_accept_the_allowed_characters(client: Any) -> None:
    name = "a.B-c_9" + "z" * 57  # 64 characters, every allowed class
    assert _user(client, name).user_name == name


@pytest.mark.parametrize(
    ("method", "asked", "answer"),
    [
        pytest.param(
            "create_user",
            ram.CreateUserRequest(),
            (400, "MissingParameter.UserName"),
            id="a-missing-user-name-is-named",
        ),
        pytest.param(
            "list_users",
            ram.ListUsersRequest(marker="not-ours"),
            (400, "InvalidParameter.Marker"),
            id="a-marker-that-did-not-come-from-the-service",
        ),
        pytest.param(
            "create_access_key",
            ram.CreateAccessKeyRequest(user_name="ghost"),
            (404, "EntityNotExist.User"),
            id="access-keys-of-a-missing-user",
        ),
    ],
)
def test_a_refused_request_answers_the_status_and_code(
    client: Any, method: str, asked: Any, answer: tuple[int, str]
) -> None:
    assert _code(getattr(client, method), asked) == answer


def test_list_users_pages_with_max_items_and_marker(client: Any) -> None:
    names = [f"user{n:02d}" for n in range(7)]
    for name in names:
        _user(client, name)
    seen, marker, pages = [], None, 0
    while True:
        body = client.list_users(ram.ListUsersRequest(max_items=3, marker=marker)).body
        pages += 1
        assert len(body.users.user) <= 3
        seen += [u.user_name for u in body.users.user]
        if not body.is_truncated:
            assert not body.marker
            break
        marker = body.marker
    assert seen == ["admin", *names] and pages == 3  # admin: seeded in every account
    assert (
        _code(client.list_users, ram.ListUsersRequest(max_items=0))[1]
        == "InvalidParameter.MaxItems"
    )


def test_renaming_a_user_takes_its_keys_policies_and_login_along(
    sandbox: RunningSandbox, client: Any
) -> None:
    original = _user(client, "before")
    key = _key(client, "before")
    client.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            user_name="before", policy_type="System", policy_name="AliyunRAMReadOnlyAccess"
        )
    )
    client.create_login_profile(
        ram.CreateLoginProfileRequest(user_name="before", password=PASSWORD)
    )

    renamed = client.update_user(
        ram.UpdateUserRequest(user_name="before", new_user_name="after")
    ).body.user
    assert (renamed.user_name, renamed.user_id) == ("after", original.user_id)
    keys = client.list_access_keys(
        ram.ListAccessKeysRequest(user_name="after")
    ).body.access_keys.access_key
    assert [k.access_key_id for k in keys] == [key.access_key_id]
    policies = client.list_policies_for_user(
        ram.ListPoliciesForUserRequest(user_name="after")
    ).body.policies.policy
    assert [p.policy_name for p in policies] == ["AliyunRAMReadOnlyAccess"]
    assert (
        client.get_login_profile(
            ram.GetLoginProfileRequest(user_name="after")
        ).body.login_profile.user_name
        == "after"
    )
    assert _code(client.list_access_keys, ram.ListAccessKeysRequest(user_name="before")) == (
        404,
        "EntityNotExist.User",
    )

    as_user = sandbox.client(
        "sts", access_key_id=key.access_key_id, access_key_secret=key.access_key_secret
    )
    assert (
        as_user.get_caller_identity().body.arn == f"acs:ram::{sandbox.uid('monitoring')}:user/after"
    )
    assert (
        sandbox.client(
            "ram", access_key_id=key.access_key_id, access_key_secret=key.access_key_secret
        )
        .list_users(ram.ListUsersRequest())
        .body.users.user
    )
    _user(client, "taken")
    clash = ram.UpdateUserRequest(user_name="after", new_user_name="taken")
    assert _code(client.update_user, clash) == (409, "EntityAlreadyExists.User")


def test_contact_fields_and_text_lengths(client: Any) -> None:
    made = client.create_user(
        ram.CreateUserRequest(
            user_name="reachable", email="ops@example.com", mobile_phone="86-18600008888"
        )
    ).body.user
    assert (made.email, made.mobile_phone) == ("ops@example.com", "86-18600008888")
    got = client.get_user(ram.GetUserRequest(user_name="reachable")).body.user
    assert (got.email, got.mobile_phone) == ("ops@example.com", "86-18600008888")
    too_long = ram.CreateUserRequest(user_name="wordy", display_name="d" * 129)
    assert _code(client.create_user, too_long) == (400, "InvalidParameter.DisplayName.Length")
    assert _code(
        client.update_user, ram.UpdateUserRequest(user_name="reachable", new_comments="c" * 129)
    ) == (400, "InvalidParameter.Comments.Length")
    long_description = ram.CreatePolicyRequest(
        policy_name="described", policy_document=READ_ONLY_DOC, description="x" * 1025
    )
    assert _code(client.create_policy, long_description) == (
        400,
        "InvalidParameter.Description.Length",
    )


# --- AccessKeys ---------------------------------------------------------------------------------


def test_access_keys_limit_status_and_delete(client: Any) -> None:
    _user(client, "keyholder")
    first = _key(client, "keyholder")
    second = _key(client, "keyholder")
    assert first.access_key_id.startswith("LTAI") and len(first.access_key_id) == 24
    assert first.access_key_secret and first.access_key_secret != second.access_key_secret
    assert first.status == "Active"
    err = _error(client.create_access_key, ram.CreateAccessKeyRequest(user_name="keyholder"))
    assert (err.status_code, err.code) == (409, "LimitExceeded.User.AccessKey")

    listed = client.list_access_keys(
        ram.ListAccessKeysRequest(user_name="keyholder")
    ).body.access_keys.access_key
    assert {k.access_key_id for k in listed} == {first.access_key_id, second.access_key_id}
    assert all(
        k.to_map().get("AccessKeySecret") is None for k in listed
    )  # the secret is shown only once

    client.update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name="keyholder", user_access_key_id=first.access_key_id, status="Inactive"
        )
    )
    statuses = {
        k.access_key_id: k.status
        for k in client.list_access_keys(
            ram.ListAccessKeysRequest(user_name="keyholder")
        ).body.access_keys.access_key
    }
    assert statuses == {first.access_key_id: "Inactive", second.access_key_id: "Active"}
    bad_status = ram.UpdateAccessKeyRequest(
        user_name="keyholder", user_access_key_id=first.access_key_id, status="Paused"
    )
    assert _code(client.update_access_key, bad_status)[1].startswith("InvalidParameter")

    client.delete_access_key(
        ram.DeleteAccessKeyRequest(user_name="keyholder", user_access_key_id=first.access_key_id)
    )
    third = _key(client, "keyholder")
    assert third.access_key_id not in (first.access_key_id, second.access_key_id)
    gone = ram.DeleteAccessKeyRequest(user_name="keyholder", user_access_key_id=first.access_key_id)
    assert _code(client.delete_access_key, gone)[0] == 404


def test_a_key_of_another_user_is_not_theirs(client: Any) -> None:
    _user(client, "owner")
    _user(client, "other")
    key = _key(client, "owner")
    wrong = ram.DeleteAccessKeyRequest(user_name="other", user_access_key_id=key.access_key_id)
    assert _code(client.delete_access_key, wrong)[0] == 404
    assert (
        len(
            client.list_access_keys(
                ram.ListAccessKeysRequest(user_name="owner")
            ).body.access_keys.access_key
        )
        == 1
    )


# --- DeleteUser conflicts -------------------------------------------------------------------------


def test_delete_user_is_refused_while_it_has_keys_policies_or_a_login_profile(client: Any) -> None:
    _user(client, "busy")
    key = _key(client, "busy")
    client.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            user_name="busy", policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )
    client.create_login_profile(ram.CreateLoginProfileRequest(user_name="busy", password=PASSWORD))
    delete = ram.DeleteUserRequest(user_name="busy")

    assert _code(client.delete_user, delete) == (409, "DeleteConflict.User.AccessKey")
    client.delete_access_key(
        ram.DeleteAccessKeyRequest(user_name="busy", user_access_key_id=key.access_key_id)
    )
    assert _code(client.delete_user, delete) == (409, "DeleteConflict.User.Policy")
    client.detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(
            user_name="busy", policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )
    assert _code(client.delete_user, delete) == (409, "DeleteConflict.User.LoginProfile")
    client.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="busy"))
    client.delete_user(delete)
    assert _code(client.get_user, ram.GetUserRequest(user_name="busy")) == (
        404,
        "EntityNotExist.User",
    )


# --- login profiles ---------------------------------------------------------------------------------


def test_login_profile_lifecycle_never_returns_the_password(
    sandbox: RunningSandbox, client: Any
) -> None:
    _user(client, "console")
    created = client.create_login_profile(
        ram.CreateLoginProfileRequest(
            user_name="console", password=PASSWORD, password_reset_required=True
        )
    ).body
    got = client.get_login_profile(ram.GetLoginProfileRequest(user_name="console")).body
    for body in (created, got):
        text = json.dumps(body.to_map())
        assert PASSWORD not in text and 'Password"' not in text
        assert body.login_profile.user_name == "console"
    assert got.login_profile.password_reset_required is True
    stored = json.dumps(sandbox.state.store.list("ram.login"))
    assert PASSWORD not in stored  # only a salted hash is kept

    again = ram.CreateLoginProfileRequest(user_name="console", password=PASSWORD)
    assert _code(client.create_login_profile, again) == (
        409,
        "EntityAlreadyExists.User.LoginProfile",
    )
    client.update_login_profile(
        ram.UpdateLoginProfileRequest(user_name="console", password_reset_required=False)
    )
    assert (
        client.get_login_profile(
            ram.GetLoginProfileRequest(user_name="console")
        ).body.login_profile.password_reset_required
        is False
    )
    client.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="console"))
    missing = ram.GetLoginProfileRequest(user_name="console")
    assert _code(client.get_login_profile, missing) == (404, "EntityNotExist.User.LoginProfile")
    update_missing = ram.UpdateLoginProfileRequest(user_name="console", password=PASSWORD)
    assert _code(client.update_login_profile, update_missing) == (
        404,
        "EntityNotExist.User.LoginProfile",
    )


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("alllowercase1", "InvalidParameter.Password.TooWeak"),
        ("NoDigitsHere", "InvalidParameter.Password.TooWeak"),
        ("NODIGITS123", "InvalidParameter.Password.TooWeak"),
        ("Sh0rt", "InvalidParameter.Password.Length"),
        ("L0ng" + "x" * 29, "InvalidParameter.Password.Length"),
    ],
)
def test_password_rules(client: Any, password: str, code: str) -> None:
    _user(client, "weak")
    request = ram.CreateLoginProfileRequest(user_name="weak", password=password)
    assert _code(client.create_login_profile, request) == (400, code)
    assert (
        _code(client.get_login_profile, ram.GetLoginProfileRequest(user_name="weak"))[0] == 404
    )  # nothing was made


# --- policies -------------------------------------------------------------------------------------------


def test_custom_policy_create_get_list_delete(client: Any) -> None:
    created = client.create_policy(
        ram.CreatePolicyRequest(
            policy_name="ram-read", policy_document=READ_ONLY_DOC, description="read RAM"
        )
    ).body.policy
    assert (created.policy_name, created.policy_type, created.default_version) == (
        "ram-read",
        "Custom",
        "v1",
    )
    got = client.get_policy(ram.GetPolicyRequest(policy_name="ram-read", policy_type="Custom")).body
    assert json.loads(got.default_policy_version.policy_document) == json.loads(READ_ONLY_DOC)
    custom = client.list_policies(
        ram.ListPoliciesRequest(policy_type="Custom")
    ).body.policies.policy
    assert [p.policy_name for p in custom] == ["ram-read"]
    again = ram.CreatePolicyRequest(policy_name="ram-read", policy_document=READ_ONLY_DOC)
    assert _code(client.create_policy, again) == (409, "EntityAlreadyExists.Policy")
    client.delete_policy(ram.DeletePolicyRequest(policy_name="ram-read"))
    gone = ram.GetPolicyRequest(policy_name="ram-read", policy_type="Custom")
    assert _code(client.get_policy, gone) == (404, "EntityNotExist.Policy")


def test_system_policies_are_listed_and_readable(client: Any) -> None:
    system = {
        p.policy_name
        for p in client.list_policies(
            ram.ListPoliciesRequest(policy_type="System")
        ).body.policies.policy
    }
    assert {
        "AdministratorAccess",
        "AliyunRAMFullAccess",
        "AliyunRAMReadOnlyAccess",
        "AliyunSTSAssumeRoleAccess",
        "AliyunARMSFullAccess",
        "AliyunARMSReadOnlyAccess",
        "AliyunCSFullAccess",
        "AliyunECSFullAccess",
    } <= system
    doc = client.get_policy(
        ram.GetPolicyRequest(policy_name="AliyunARMSFullAccess", policy_type="System")
    ).body
    assert (
        json.loads(doc.default_policy_version.policy_document)["Statement"][0]["Action"] == "arms:*"
    )
    unknown = ram.GetPolicyRequest(policy_name="AliyunNoSuchAccess", policy_type="System")
    assert _code(client.get_policy, unknown) == (404, "EntityNotExist.Policy")


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        json.dumps(
            {"Version": "2", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
        json.dumps({"Version": "1", "Statement": []}),
        json.dumps(
            {"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}
        ),
        json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
        json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*"}]}),
    ],
)
def test_malformed_policy_documents_are_refused(client: Any, document: str) -> None:
    request = ram.CreatePolicyRequest(policy_name="broken", policy_document=document)
    assert _code(client.create_policy, request) == (400, "MalformedPolicyDocument")
    assert (
        client.list_policies(ram.ListPoliciesRequest(policy_type="Custom")).body.policies.policy
        == []
    )


def test_policy_name_rules(client: Any) -> None:
    bad = ram.CreatePolicyRequest(policy_name="under_score", policy_document=READ_ONLY_DOC)
    assert _code(client.create_policy, bad) == (400, "InvalidParameter.PolicyName.InvalidChars")
    long = ram.CreatePolicyRequest(policy_name="p" * 129, policy_document=READ_ONLY_DOC)
    assert _code(client.create_policy, long) == (400, "InvalidParameter.PolicyName.Length")
    system_name = ram.CreatePolicyRequest(
        policy_name="AdministratorAccess", policy_document=READ_ONLY_DOC
    )
    assert _code(client.create_policy, system_name) == (409, "EntityAlreadyExists.Policy")


def test_attachments_to_users(client: Any) -> None:
    _user(client, "reader")
    client.create_policy(
        ram.CreatePolicyRequest(policy_name="ram-read", policy_document=READ_ONLY_DOC)
    )
    attach = ram.AttachPolicyToUserRequest(
        user_name="reader", policy_type="Custom", policy_name="ram-read"
    )
    client.attach_policy_to_user(attach)
    _attach(client, "User", "reader", "AliyunARMSReadOnlyAccess", "System")
    listed = client.list_policies_for_user(
        ram.ListPoliciesForUserRequest(user_name="reader")
    ).body.policies.policy
    assert {(p.policy_type, p.policy_name) for p in listed} == {
        ("Custom", "ram-read"),
        ("System", "AliyunARMSReadOnlyAccess"),
    }
    assert all(p.attach_date for p in listed)
    assert _code(client.attach_policy_to_user, attach) == (409, "EntityAlreadyExists.User.Policy")
    assert (
        client.get_policy(
            ram.GetPolicyRequest(policy_name="ram-read", policy_type="Custom")
        ).body.policy.attachment_count
        == 1
    )

    delete = ram.DeletePolicyRequest(policy_name="ram-read")
    assert _code(client.delete_policy, delete) == (409, "DeleteConflict.Policy.User")
    client.detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(
            user_name="reader", policy_type="Custom", policy_name="ram-read"
        )
    )
    detach_again = ram.DetachPolicyFromUserRequest(
        user_name="reader", policy_type="Custom", policy_name="ram-read"
    )
    assert _code(client.detach_policy_from_user, detach_again) == (
        404,
        "EntityNotExist.User.Policy",
    )
    client.delete_policy(delete)

    to_ghost = ram.AttachPolicyToUserRequest(
        user_name="ghost", policy_type="System", policy_name="AdministratorAccess"
    )
    assert _code(client.attach_policy_to_user, to_ghost) == (404, "EntityNotExist.User")
    no_policy = ram.AttachPolicyToUserRequest(
        user_name="reader", policy_type="Custom", policy_name="nope"
    )
    assert _code(client.attach_policy_to_user, no_policy) == (404, "EntityNotExist.Policy")
    bad_type = ram.AttachPolicyToUserRequest(
        user_name="reader", policy_type="Managed", policy_name="nope"
    )
    assert _code(client.attach_policy_to_user, bad_type) == (400, "InvalidParameter.PolicyType")


def test_policy_type_is_checked_everywhere(client: Any) -> None:
    _user(client, "typed")
    for call, request in [
        (
            client.detach_policy_from_user,
            ram.DetachPolicyFromUserRequest(
                user_name="typed", policy_type="Managed", policy_name="AdministratorAccess"
            ),
        ),
        (
            client.get_policy,
            ram.GetPolicyRequest(policy_name="AdministratorAccess", policy_type="Managed"),
        ),
        (client.list_policies, ram.ListPoliciesRequest(policy_type="Managed")),
    ]:
        assert _code(call, request) == (400, "InvalidParameter.PolicyType")


def test_attached_policies_are_limited_per_user_and_role(
    sandbox: RunningSandbox, client: Any
) -> None:
    _user(client, "collector")
    client.create_role(
        ram.CreateRoleRequest(
            role_name="collecting-role",
            assume_role_policy_document=json.dumps(trusting(sandbox.uid("source"))),
        )
    )
    for n in range(11):
        client.create_policy(
            ram.CreatePolicyRequest(policy_name=f"p{n}", policy_document=READ_ONLY_DOC)
        )
    # RAM Limits page: 10 custom policies per user, 5 per role; system policies count separately
    for kind, holder, limit in (("User", "collector", 10), ("Role", "collecting-role", 5)):
        for n in range(limit):
            _attach(client, kind, holder, f"p{n}")
        assert _code(_attach, client, kind, holder, f"p{limit}") == (
            409,
            f"LimitExceeded.{kind}.Policy",
        )
        _attach(client, kind, holder, "AliyunCSFullAccess", "System")


# --- roles ---------------------------------------------------------------------------------------------


def test_role_lifecycle(sandbox: RunningSandbox, client: Any) -> None:
    a, b = sandbox.uid("monitoring"), sandbox.uid("source")
    role = client.create_role(
        ram.CreateRoleRequest(
            role_name="Arms-Admin",
            description="ops",
            assume_role_policy_document=json.dumps(trusting(b)),
        )
    ).body.role
    assert role.arn == f"acs:ram::{a}:role/arms-admin"
    assert role.max_session_duration == 3600 and role.role_id.isdigit()
    assert (
        client.get_role(ram.GetRoleRequest(role_name="arms-admin")).body.role.role_id
        == role.role_id
    )  # case-insensitive
    assert [r.role_name for r in client.list_roles(ram.ListRolesRequest()).body.roles.role] == [
        "Arms-Admin"
    ]
    again = ram.CreateRoleRequest(
        role_name="arms-admin", assume_role_policy_document=json.dumps(trusting(b))
    )
    assert _code(client.create_role, again) == (409, "EntityAlreadyExists.Role")

    c = sandbox.uid("outsider")
    updated = client.update_role(
        ram.UpdateRoleRequest(
            role_name="Arms-Admin",
            new_max_session_duration=7200,
            new_assume_role_policy_document=json.dumps(trusting(c)),
            new_description="changed",
        )
    ).body.role
    assert (updated.max_session_duration, updated.description) == (7200, "changed")
    assert c in updated.assume_role_policy_document
    too_long = ram.UpdateRoleRequest(role_name="Arms-Admin", new_max_session_duration=43201)
    assert _code(client.update_role, too_long) == (400, "InvalidParameter.NewMaxSessionDuration")

    _attach(client, "Role", "Arms-Admin", "AliyunARMSReadOnlyAccess", "System")
    attached = client.list_policies_for_role(
        ram.ListPoliciesForRoleRequest(role_name="Arms-Admin")
    ).body.policies.policy
    assert [p.policy_name for p in attached] == ["AliyunARMSReadOnlyAccess"]
    twice = ram.AttachPolicyToRoleRequest(
        role_name="Arms-Admin", policy_type="System", policy_name="AliyunARMSReadOnlyAccess"
    )
    assert _code(client.attach_policy_to_role, twice) == (409, "EntityAlreadyExists.Role.Policy")
    delete = ram.DeleteRoleRequest(role_name="Arms-Admin")
    assert _code(client.delete_role, delete) == (409, "DeleteConflict.Role.Policy")
    client.detach_policy_from_role(
        ram.DetachPolicyFromRoleRequest(
            role_name="Arms-Admin", policy_type="System", policy_name="AliyunARMSReadOnlyAccess"
        )
    )
    client.delete_role(delete)
    assert _code(client.get_role, ram.GetRoleRequest(role_name="Arms-Admin")) == (
        404,
        "EntityNotExist.Role",
    )
    assert _code(client.delete_role, delete) == (404, "EntityNotExist.Role")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role_name": "bad_name"}, "InvalidParameter.RoleName.InvalidChars"),
        ({"role_name": "r" * 65}, "InvalidParameter.RoleName.Length"),
        ({"assume_role_policy_document": "{"}, "MalformedPolicyDocument"),
        (
            {
                "assume_role_policy_document": json.dumps(
                    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
                )
            },
            "MalformedPolicyDocument",
        ),  # no Principal
        ({"max_session_duration": 3599}, "InvalidParameter.MaxSessionDuration"),
        ({"max_session_duration": 43201}, "InvalidParameter.MaxSessionDuration"),
    ],
)
def test_create_role_rules(
    sandbox: RunningSandbox, client: Any, kwargs: dict[str, Any], code: str
) -> None:
    request = ram.CreateRoleRequest(
        **{
            "role_name": "ok-role",
            "assume_role_policy_document": json.dumps(trusting(sandbox.uid("source"))),
            **kwargs,
        }
    )
    assert _code(client.create_role, request) == (400, code)
    assert client.list_roles(ram.ListRolesRequest()).body.roles.role == []


# --- isolation -----------------------------------------------------------------------------------------------


def test_accounts_are_isolated(sandbox: RunningSandbox, client: Any) -> None:
    _user(client, "only-in-a")
    client.create_policy(
        ram.CreatePolicyRequest(policy_name="a-policy", policy_document=READ_ONLY_DOC)
    )
    client.create_role(
        ram.CreateRoleRequest(
            role_name="a-role",
            assume_role_policy_document=json.dumps(trusting(sandbox.uid("source"))),
        )
    )
    source = sandbox.client("ram", "source")
    assert [u.user_name for u in source.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin"
    ]
    assert source.list_roles(ram.ListRolesRequest()).body.roles.role == []
    assert (
        source.list_policies(ram.ListPoliciesRequest(policy_type="Custom")).body.policies.policy
        == []
    )
    assert _code(source.get_user, ram.GetUserRequest(user_name="only-in-a")) == (
        404,
        "EntityNotExist.User",
    )
    assert _code(source.get_role, ram.GetRoleRequest(role_name="a-role")) == (
        404,
        "EntityNotExist.Role",
    )
    assert _code(
        source.get_policy, ram.GetPolicyRequest(policy_name="a-policy", policy_type="Custom")
    ) == (404, "EntityNotExist.Policy")
    # the same names are free in B
    assert (
        source.create_user(ram.CreateUserRequest(user_name="only-in-a")).body.user.user_name
        == "only-in-a"
    )
    assert len(client.list_users(ram.ListUsersRequest()).body.users.user) == 2  # with admin
