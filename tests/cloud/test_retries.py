"""Retries through real faults: the sandbox answers throttling / 5xx, the SDK raises, we retry.

Faults are injected through the sandbox state's fault hook (``state.faults.before(action)``,
armstui/sandbox/faults.py), so each failure crosses the real HTTP server and SDK.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from armstui.cloud import sts
from armstui.cloud.calllog import CallLog
from armstui.cloud.errors import CloudError
from armstui.cloud.session import CloudSession, RetryPolicy
from armstui.cloud.transport import pooled_connections
from armstui.sandbox.errors import ApiError
from armstui.sandbox.faults import Dropped, Faults
from tests.cloud.conftest import closed_endpoint, made_up_session
from tests.support.sandbox import RunningSandbox


class FailFirst(Faults):
    """Refuse the first ``count`` requests with the given status and code."""

    def __init__(self, count: int, status: int, code: str) -> None:
        self.count, self.status, self.code, self.seen = count, status, code, 0

    async def before(self, action: str) -> None:
        self.seen += 1
        if self.seen <= self.count:
            raise ApiError(self.status, self.code, "injected")


class _AlwaysMax(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def _outcomes(log: CallLog) -> list[tuple[int, str]]:
    return [(r.attempt, r.outcome) for r in log.records()]


async def _whoami_as_if_mutating(session: CloudSession) -> object:
    """GetCallerIdentity, declared mutating: the retry rules of a call that changes something."""

    async def invoke(client, runtime):
        return await client.get_caller_identity_with_options_async(runtime)

    return await session.call("sts", "GetCallerIdentity", invoke, mutating=True)


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "Throttling.User"), (503, "ServiceUnavailable"), (500, "InternalError")],
)
async def test_a_read_is_retried_until_it_succeeds(
    sandbox: RunningSandbox,
    session_of: Callable[..., CloudSession],
    call_log: CallLog,
    status: int,
    code: str,
) -> None:
    sandbox.state.faults = FailFirst(2, status, code)
    identity = await sts.get_caller_identity(session_of("monitoring"))
    assert identity.account_id == sandbox.uid("monitoring")
    assert _outcomes(call_log) == [(1, code), (2, code), (3, "ok")]


@pytest.mark.parametrize(
    ("status", "code", "retryable", "retry", "outcomes"),
    [
        pytest.param(
            503,
            "ServiceUnavailable",
            True,
            RetryPolicy(max_attempts=3, base_delay=0.001),
            [(n, "ServiceUnavailable") for n in (1, 2, 3)],
            id="after-max-attempts",
        ),
        # Every pause would be ~1 s; the budget of 0.5 s allows none of them.
        pytest.param(
            503,
            "ServiceUnavailable",
            True,
            RetryPolicy(
                max_attempts=10, base_delay=1.0, max_delay=1.0, max_total=0.5, rng=_AlwaysMax()
            ),
            [(1, "ServiceUnavailable")],
            id="when-the-time-budget-is-spent",
        ),
        # a permanent error is not retried at all
        pytest.param(
            403, "NoPermission", False, None, [(1, "NoPermission")], id="at-a-permanent-error"
        ),
    ],
)
async def test_retries_of_a_read_that_keeps_failing_stop(
    sandbox: RunningSandbox,
    session_of: Callable[..., CloudSession],
    call_log: CallLog,
    status: int,
    code: str,
    retryable: bool,
    retry: RetryPolicy | None,
    outcomes: list[tuple[int, str]],
) -> None:
    sandbox.state.faults = FailFirst(100, status, code)
    session = session_of("monitoring", **({"retry": retry} if retry else {}))
    with pytest.raises(CloudError) as caught:
        await sts.get_caller_identity(session)
    assert caught.value.code == code
    assert caught.value.retryable is retryable
    assert _outcomes(call_log) == outcomes


async def test_a_mutating_call_that_may_have_happened_is_never_retried(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    sandbox.state.faults = FailFirst(1, 503, "ServiceUnavailable")

    with pytest.raises(CloudError) as caught:
        await _whoami_as_if_mutating(session_of("monitoring"))
    assert caught.value.retryable  # the flow observes, then decides whether to apply again
    assert [(r.attempt, r.outcome, r.mutating) for r in call_log.records()] == [
        (1, "ServiceUnavailable", True)
    ]


async def test_a_throttled_mutating_call_is_repeated(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    # Throttling is refused at the gateway before the service acts: repeating cannot apply twice.
    sandbox.state.faults = FailFirst(1, 400, "Throttling.User")

    await _whoami_as_if_mutating(session_of("monitoring"))
    assert _outcomes(call_log) == [
        (1, "Throttling.User"),
        (2, "ok"),
    ]


async def test_connection_errors_are_retried(call_log: CallLog) -> None:
    session = made_up_session(
        closed_endpoint(),
        call_log=call_log,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001),
    )
    with pytest.raises(CloudError) as caught:
        await sts.get_caller_identity(session)
    assert caught.value.code == "ConnectionError"
    assert _outcomes(call_log) == [
        (1, "ConnectionError"),
        (2, "ConnectionError"),
        (3, "ConnectionError"),
    ]


class DropSecond(Faults):
    """Close the connection of the second request without an answer."""

    def __init__(self) -> None:
        self.seen = 0

    async def before(self, action: str) -> None:
        self.seen += 1
        if self.seen == 2:
            raise Dropped()


async def test_a_read_whose_pooled_connection_dropped_is_retried_on_a_new_one(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    sandbox.state.faults = DropSecond()
    session = session_of("monitoring")
    async with pooled_connections() as pool:
        first = await sts.get_caller_identity(session)  # its connection is kept alive...
        second = await sts.get_caller_identity(session)  # ...and broken under the second call
    assert first == second
    assert _outcomes(call_log) == [(1, "ok"), (1, "ConnectionError"), (2, "ok")]
    assert pool.requests == 3


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=_AlwaysMax())
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=random.Random(7))
    delays = [jittered.delay(3) for _ in range(200)]
    assert all(0 <= d <= 2.0 for d in delays) and min(delays) < 0.5 < max(delays)


async def test_a_wait_the_service_asks_for_is_honoured(
    session_of: Callable[..., CloudSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``x-acs-retry-after`` (milliseconds; the SDK's ThrottlingException.retry_after) sets the
    pause before the next try, bounded; without it the policy's backoff applies."""
    import asyncio

    from alibabacloud_tea_openapi.exceptions import ThrottlingException

    pauses: list[float] = []

    async def no_sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    tries = 0

    async def invoke(client: object, runtime: object) -> object:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise ThrottlingException(
                status_code=400, code="Throttling.User", message="slow down", retry_after=2500
            )
        if tries == 2:
            raise ThrottlingException(
                status_code=400, code="Throttling.User", message="slow down", retry_after=10**9
            )
        return type("Answer", (), {"body": {"RequestId": "r"}, "headers": {}})()

    policy = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, max_total=1000.0)
    await session_of("monitoring", retry=policy).call(
        "sts", "GetCallerIdentity", invoke, mutating=False
    )
    assert tries == 3
    assert pauses[0] == 2.5  # the service's 2500 ms, not the policy's few milliseconds
    assert pauses[1] == 60.0  # an absurd wait is capped
