"""Cloud-layer fixtures: CloudSessions on the test sandbox, signing as its seeded accounts."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from armstui.cloud.calllog import CallLog
from armstui.cloud.session import CloudSession, RetryPolicy
from armstui.model import Credentials
from tests.support.sandbox import RunningSandbox

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, max_total=5.0)
MADE_UP_SECRET = "s" * 30


def made_up_session(
    endpoint: str | None, alias: str = "monitoring", region: str = "cn-hangzhou", **options: Any
) -> CloudSession:
    """A session with a made-up AccessKey (its secret :data:`MADE_UP_SECRET`), for endpoints
    that never check it: a closed port, a fixed answer, or none (the real cloud's address)."""
    return CloudSession(
        alias,
        None,
        region,
        Credentials("LTAI" + "k" * 20, MADE_UP_SECRET),
        endpoint=endpoint,
        **options,
    )


def closed_endpoint() -> str:
    """``127.0.0.1:<port>`` with nothing listening: the port was bound, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


@pytest.fixture
def session_of(sandbox: RunningSandbox, call_log: CallLog) -> Callable[..., CloudSession]:
    """``session_of("monitoring")``: a session as that account's root, on the sandbox."""

    def make(alias: str, **kwargs: Any) -> CloudSession:
        kwargs.setdefault("retry", FAST_RETRY)
        return sandbox.session(alias, call_log=call_log, **kwargs)

    return make
