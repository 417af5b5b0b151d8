"""STS through the SDK against the sandbox: AssumeRole into A's role, and what goes wrong."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from armstui.cloud import ram, sts
from armstui.cloud.calllog import CallLog
from armstui.cloud.errors import CloudError
from armstui.cloud.session import CloudSession
from tests.support.sandbox import RunningSandbox, trusting


async def _role(sandbox: RunningSandbox, a: CloudSession, trusted: str) -> str:
    trust = trusting(sandbox.uid(trusted))
    return (await ram.create_role(a, "arms-admin", trust, "ARMS for B")).arn


async def test_assume_a_trusting_role(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    arn = await _role(sandbox, session_of("monitoring"), "source")
    b = session_of("source", user="admin")
    creds = await sts.assume_role(b, arn, "check", 900)
    assert creds.access_key_id.startswith("STS.") and creds.expiration
    for secret in (creds.access_key_secret, creds.security_token):
        assert secret not in repr(creds) and secret not in str(creds)

    as_role = await b.assume(arn, "check")
    who = await sts.get_caller_identity(as_role)
    assert who.identity_type == "AssumedRoleUser" and who.account_id == sandbox.uid("monitoring")
    assert as_role.uid == sandbox.uid("monitoring") and as_role.role_arn == arn
    assert as_role.credentials.security_token not in repr(as_role)
    assert call_log.records()[-1].account == "source as arms-admin"
    for record in call_log.records():
        assert (
            creds.security_token not in record.line()
            and creds.access_key_secret not in record.line()
        )


async def test_an_untrusted_account_is_refused(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession]
) -> None:
    arn = await _role(sandbox, session_of("monitoring"), "source")
    with pytest.raises(CloudError) as caught:
        await session_of("outsider", user="admin").assume(arn, "intruder")
    assert caught.value.code == "NoPermission" and "sts:AssumeRole" in (caught.value.hint or "")


async def test_a_missing_role(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession]
) -> None:
    with pytest.raises(CloudError) as caught:
        await session_of("source", user="admin").assume(
            f"acs:ram::{sandbox.uid('monitoring')}:role/missing", "s1"
        )
    assert caught.value.code == "EntityNotExist.Role" and "ARN" in (caught.value.hint or "")


async def test_expired_sts_credentials_say_assume_again(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession]
) -> None:
    arn = await _role(sandbox, session_of("monitoring"), "source")
    as_role = await session_of("source", user="admin").assume(arn, "short", 900)
    # Let the session's time pass (the sandbox keeps it in its store, armstui/sandbox/iam.py).
    store = sandbox.state.store
    with store.transaction():
        record = store.get("sts.session", as_role.credentials.access_key_id)
        store.put(
            "sts.session",
            as_role.credentials.access_key_id,
            {**record, "Expiration": time.time() - 1},
        )
    with pytest.raises(CloudError) as caught:
        await sts.get_caller_identity(as_role)
    assert caught.value.code == "InvalidSecurityToken.Expired"
    assert "assume the role again" in (caught.value.hint or "")
