"""RAM calls through the SDK against the sandbox: plain dataclasses, None for missing, secrets masked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from armstui.cloud import ram, sts
from armstui.cloud.calllog import CallLog
from armstui.cloud.errors import CloudError
from armstui.cloud.session import CloudSession
from tests.support.sandbox import RunningSandbox

TRUST = {
    "Version": "1",
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"RAM": ["acs:ram::1234567890123456:root"]},
        }
    ],
}
DOC = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["arms:Get*", "arms:List*"], "Resource": "*"}],
}


async def test_user_lifecycle(session_of: Callable[..., CloudSession]) -> None:
    a = session_of("monitoring")
    assert await ram.get_user(a, "reporter") is None
    created = await ram.create_user(a, "reporter", display_name="Reporter")
    assert created.user_name == "reporter" and created.user_id
    assert await ram.get_user(a, "reporter") == ram.User(
        "reporter", created.user_id, "Reporter", created.create_date
    )
    with pytest.raises(CloudError) as caught:
        await ram.create_user(a, "reporter")
    assert caught.value.code == "EntityAlreadyExists.User" and "already exists" in (
        caught.value.hint or ""
    )
    await ram.delete_user(a, "reporter")
    assert await ram.get_user(a, "reporter") is None


async def test_policies_for_users_and_roles(session_of: Callable[..., CloudSession]) -> None:
    a = session_of("monitoring")
    await ram.create_user(a, "people")
    await ram.attach_policy_to_user(a, "people", "AliyunARMSFullAccess", "System")
    assert [
        (p.policy_type, p.policy_name) for p in await ram.list_policies_for_user(a, "people")
    ] == [("System", "AliyunARMSFullAccess")]
    await ram.detach_policy_from_user(a, "people", "AliyunARMSFullAccess", "System")
    assert await ram.list_policies_for_user(a, "people") == []

    await ram.create_role(a, "arms-admin", TRUST, "ARMS for B")
    await ram.attach_policy_to_role(a, "arms-admin", "AliyunARMSReadOnlyAccess")
    assert [p.policy_name for p in await ram.list_policies_for_role(a, "arms-admin")] == [
        "AliyunARMSReadOnlyAccess"
    ]
    await ram.detach_policy_from_role(a, "arms-admin", "AliyunARMSReadOnlyAccess")
    assert await ram.list_policies_for_role(a, "arms-admin") == []


async def test_access_keys_and_their_secret(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    a = session_of("monitoring")
    await ram.create_user(a, "reporter")
    key = await ram.create_access_key(a, "reporter")
    assert (
        key.secret not in repr(key)
        and key.secret not in str(key)
        and key.access_key_id in repr(key)
    )
    assert [(k.access_key_id, k.status) for k in await ram.list_access_keys(a, "reporter")] == [
        (key.access_key_id, "Active")
    ]

    as_user = a.with_credentials(key.access_key_id, key.secret, alias="reporter")
    who = await sts.get_caller_identity(as_user)
    assert who.identity_type == "RAMUser" and who.arn.endswith(":user/reporter")

    await ram.update_access_key(a, "reporter", key.access_key_id, "Inactive")
    assert [k.status for k in await ram.list_access_keys(a, "reporter")] == ["Inactive"]
    await ram.create_access_key(a, "reporter")
    with pytest.raises(CloudError) as caught:
        await ram.create_access_key(a, "reporter")
    assert caught.value.code == "LimitExceeded.User.AccessKey" and "delete one" in (
        caught.value.hint or ""
    )
    await ram.delete_access_key(a, "reporter", key.access_key_id)
    assert key.access_key_id not in [
        k.access_key_id for k in await ram.list_access_keys(a, "reporter")
    ]

    for record in call_log.records():
        assert key.secret not in record.line()


async def test_no_permission_names_the_action_and_policy(
    session_of: Callable[..., CloudSession],
) -> None:
    a = session_of("monitoring")
    await ram.create_user(a, "nobody")
    key = await ram.create_access_key(a, "nobody")
    with pytest.raises(CloudError) as caught:
        await ram.create_user(a.with_credentials(key.access_key_id, key.secret), "x")
    error = caught.value
    assert error.code == "NoPermission" and error.http_status == 403
    assert error.missing_action == "ram:CreateUser"
    assert "ram:CreateUser" in (error.hint or "") and "AliyunRAMFullAccess" in (error.hint or "")
    assert key.secret not in str(error) and key.secret not in repr(error)


async def test_role_lifecycle_with_trust_policy_as_dict(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession]
) -> None:
    a = session_of("monitoring")
    assert await ram.get_role(a, "arms-admin") is None
    role = await ram.create_role(a, "arms-admin", TRUST, "ARMS for B")
    assert role.arn == f"acs:ram::{sandbox.uid('monitoring')}:role/arms-admin"
    assert role.trust_policy == TRUST
    wider = {
        **TRUST,
        "Statement": [
            {**TRUST["Statement"][0], "Principal": {"RAM": ["acs:ram::6543210987654321:root"]}}
        ],
    }
    await ram.update_role(a, "arms-admin", wider)
    assert (await ram.get_role(a, "arms-admin")).trust_policy == wider  # type: ignore[union-attr]
    await ram.delete_role(a, "arms-admin")
    assert await ram.get_role(a, "arms-admin") is None


async def test_custom_policy_lifecycle(session_of: Callable[..., CloudSession]) -> None:
    a = session_of("monitoring")
    assert await ram.get_policy(a, "ArmsReadOnlyForPeople") is None
    await ram.create_policy(a, "ArmsReadOnlyForPeople", DOC, "read ARMS")
    policy = await ram.get_policy(a, "ArmsReadOnlyForPeople")
    assert policy is not None and policy.document == DOC and policy.policy_type == "Custom"
    await ram.delete_policy(a, "ArmsReadOnlyForPeople")
    assert await ram.get_policy(a, "ArmsReadOnlyForPeople") is None


async def test_login_profile_lifecycle(
    session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    a = session_of("monitoring")
    await ram.create_user(a, "operator")
    assert await ram.get_login_profile(a, "operator") is None
    password = "Gen3rated-Passw0rd!x"
    await ram.create_login_profile(a, "operator", password)
    profile = await ram.get_login_profile(a, "operator")
    assert profile is not None and profile.user_name == "operator"
    await ram.update_login_profile(a, "operator", password + "2")
    await ram.delete_login_profile(a, "operator")
    assert await ram.get_login_profile(a, "operator") is None
    assert all(password not in r.line() for r in call_log.records())
