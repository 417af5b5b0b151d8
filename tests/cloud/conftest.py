"""Cloud-layer fixtures: CloudSessions on the test sandbox, signing as its seeded accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from armstui.cloud.calllog import CallLog
from armstui.cloud.session import CloudSession, RetryPolicy
from tests.support.sandbox import RunningSandbox

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, max_total=5.0)


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


@pytest.fixture
def session_of(sandbox: RunningSandbox, call_log: CallLog) -> Callable[..., CloudSession]:
    """``session_of("monitoring")``: a session as that account's root, on the sandbox."""

    def make(alias: str, **kwargs: object) -> CloudSession:
        kwargs.setdefault("retry", FAST_RETRY)
        return sandbox.session(alias, call_log=call_log, **kwargs)

    return make
