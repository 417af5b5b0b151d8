"""CloudError from real SDK failures against the sandbox, the hint table, and redaction."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from armstui.cloud import sts
from armstui.cloud.errors import (
    CONNECTION_ERROR,
    ONEPILOT_TOO_OLD,
    CloudError,
    granting_policy,
    hint_for,
)
from armstui.cloud.session import CloudSession, RetryPolicy
from armstui.secrets.redaction import redactor
from tests.cloud.conftest import MADE_UP_SECRET, closed_endpoint, made_up_session
from tests.support.sandbox import RunningSandbox

NO_RETRY = RetryPolicy(max_attempts=1)


async def _fail(session: CloudSession) -> CloudError:
    with pytest.raises(CloudError) as caught:
        await sts.get_caller_identity(session)
    return caught.value


def _assert_clean(error: CloudError, *secrets: str) -> None:
    for text in (str(error), repr(error), error.message, error.hint or ""):
        for secret in secrets:
            assert secret not in text


async def test_wrong_secret(session_of: Callable[..., CloudSession]) -> None:
    good = session_of("monitoring")
    wrong = "Zq" * 15
    error = await _fail(good.with_credentials(good.credentials.access_key_id, wrong))
    assert (error.code, error.http_status, error.service, error.action) == (
        "SignatureDoesNotMatch",
        400,
        "sts",
        "GetCallerIdentity",
    )
    assert error.request_id and error.request_id in str(error)
    assert "secret" in (error.hint or "").lower()
    assert not error.retryable
    _assert_clean(error, wrong, good.credentials.access_key_secret)


async def test_unknown_key(session_of: Callable[..., CloudSession]) -> None:
    error = await _fail(session_of("monitoring").with_credentials("LTAI" + "N" * 20, "Q" * 30))
    assert error.code == "InvalidAccessKeyId.NotFound"
    assert "unknown" in (error.hint or "")


async def test_clock_skew_says_fix_the_clock(
    sandbox: RunningSandbox,
    session_of: Callable[..., CloudSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox.state.clock, "now", lambda: time.time() + 3600)
    error = await _fail(session_of("monitoring"))
    assert error.code == "InvalidTimeStamp.Expired"
    assert "clock" in (error.hint or "") and "NTP" in (error.hint or "")


async def test_foreign_sts_token(session_of: Callable[..., CloudSession]) -> None:
    token = "CAIS" + "t" * 60
    secret = "S" * 30
    error = await _fail(session_of("monitoring").with_credentials("STS." + "F" * 20, secret, token))
    assert error.code == "InvalidSecurityToken.Malformed"
    assert "assume the role again" in (error.hint or "")
    _assert_clean(error, token, secret)


async def test_connection_refused_names_the_endpoint() -> None:
    endpoint = closed_endpoint()
    error = await _fail(made_up_session(endpoint, retry=NO_RETRY))
    assert error.code == CONNECTION_ERROR and error.retryable
    assert endpoint in (error.hint or "") and "sandbox" in (error.hint or "")
    assert error.request_id is None
    _assert_clean(error, MADE_UP_SECRET)


def test_no_permission_names_the_action_and_the_granting_policy() -> None:
    for action, policy in [
        ("ram:CreateUser", "AliyunRAMFullAccess"),
        ("arms:ListTraceApps", "AliyunARMSFullAccess"),
        ("cs:InstallClusterAddons", "AliyunCSFullAccess"),
        ("ecs:RunCommand", "AliyunECSFullAccess"),
    ]:
        hint = hint_for("NoPermission", missing_action=action) or ""
        assert action in hint and policy in hint
        assert granting_policy(action) == policy
    assume = hint_for("NoPermission", missing_action="sts:AssumeRole") or ""
    assert "AliyunSTSAssumeRoleAccess" in assume and "trust policy" in assume
    # Without AccessDeniedDetail the action is derived from the call itself.
    assert "ram:GetUser" in (hint_for("Forbidden.RAM", service="ram", action="GetUser") or "")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("EntityAlreadyExists.User", "already exists"),
        ("EntityNotExist.Role", "does not exist"),
        ("LimitExceeded.User.AccessKey", "delete one"),
        ("Throttling.User", "throttling"),
        ("Rejected.Throttling", "throttling"),
        ("ServiceUnavailable", "try again"),
        ("InvalidSecurityToken.Expired", "assume the role again"),
        ("InvalidAccessKeyId.Inactive", "disabled"),
        (ONEPILOT_TOO_OLD, "3.0.14"),
    ],
)
def test_hint_table(code: str, words: str) -> None:
    assert words in (hint_for(code) or "")


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("Throttling", True),
        ("Throttling.User", True),
        ("Rejected.Throttling", True),
        ("ServiceUnavailable", True),
        ("InternalError", True),
        (CONNECTION_ERROR, True),
        ("NoPermission", False),
        ("EntityNotExist.User", False),
        ("SignatureDoesNotMatch", False),
    ],
)
def test_retryable_codes(code: str, retryable: bool) -> None:
    assert CloudError(code, "m").retryable is retryable


def test_str_shows_code_message_request_id_and_hint_and_redacts() -> None:
    secret = "R3dact3dS3cr3tValue0123456789x"
    redactor.add(secret)
    error = CloudError(
        "InternalError",
        f"failed near {secret}",
        request_id="REQ-1",
        http_status=500,
        hint=f"retry with {secret}",
        service="ram",
        action="CreateUser",
    )
    text = str(error)
    assert (
        "ram.CreateUser" in text and "InternalError" in text and "REQ-1" in text and "hint:" in text
    )
    assert secret not in text and secret not in repr(error) and secret not in error.message
