"""Pooled connections (armstui/cloud/transport.py): the official SDK clients' async calls
reuse connections inside ``pooled_connections()``, close them when it ends, and fail the
way the SDK's own path fails.

Connections are counted where the sandbox sees them: the sessions talk to the sandbox
through a small TCP relay (optionally terminating TLS, as the real endpoints do) that
counts every connection opened to it and the ones still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from armstui.cloud import sts, transport
from armstui.cloud.calllog import CallLog
from armstui.cloud.errors import CONNECTION_ERROR, CloudError
from armstui.cloud.session import CloudSession, ServiceLimits
from armstui.cloud.transport import current_pool, pooled_connections
from armstui.flows.context import FlowContext
from armstui.flows.runner import Runner
from armstui.flows.step import Observation, Step
from armstui.sandbox.tls import ensure_certificate
from tests.cloud.conftest import FAST_RETRY, made_up_session
from tests.support.sandbox import RunningSandbox


class CountingRelay:
    """A TCP relay to ``target`` on its own thread and loop; ``tls``: serve TLS to clients."""

    def __init__(self, target: str, tls: ssl.SSLContext | None = None) -> None:
        self.target_host, port = target.rsplit(":", 1)
        self.target_port = int(port)
        self.tls = tls
        self.accepted = 0
        self.open = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=tls), self._loop
        ).result(10)
        self.endpoint = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        self._writers.add(client_w)
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
            self._writers.add(server_w)
            await asyncio.gather(
                self._pipe(client_r, server_w),
                self._pipe(server_r, client_w),
                return_exceptions=True,
            )
        finally:
            self.open -= 1

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def close_clients(self) -> None:
        """Close every client connection from the server's side (an idle timeout, a gateway restart)."""

        async def close() -> None:
            for writer in self._writers:
                writer.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def wait_all_closed(self, timeout: float = 5.0) -> int:
        deadline = time.monotonic() + timeout
        while self.open and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open

    def stop(self) -> None:
        async def shut() -> None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await asyncio.sleep(0.05)  # let the pipes see their ends

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def relay(sandbox: RunningSandbox) -> Iterator[CountingRelay]:
    relay = CountingRelay(sandbox.endpoint)
    yield relay
    relay.stop()


@pytest.fixture
def via(sandbox: RunningSandbox) -> Callable[..., CloudSession]:
    """``via(relay)``: a session as the monitoring account's root, reaching the sandbox through the relay."""

    def make(relay: CountingRelay, **kwargs: Any) -> CloudSession:
        kwargs.setdefault("retry", FAST_RETRY)
        return sandbox.session("monitoring", endpoint=relay.endpoint, **kwargs)

    return make


async def test_calls_in_a_pool_reuse_one_connection(
    sandbox: RunningSandbox, relay: CountingRelay, via
) -> None:
    session = via(relay)
    async with pooled_connections() as pool:
        identities = [await sts.get_caller_identity(session) for _ in range(10)]
    assert {i.account_id for i in identities} == {sandbox.uid("monitoring")}
    assert relay.accepted == 1
    assert pool.requests == 10 and pool.closed


async def test_without_a_pool_the_sdk_opens_a_connection_per_call(
    relay: CountingRelay, via
) -> None:
    session = via(relay)
    for _ in range(4):
        await sts.get_caller_identity(session)
    assert current_pool() is None
    assert relay.accepted == 4


async def test_concurrent_calls_open_no_more_connections_than_the_service_limit(
    sandbox: RunningSandbox, relay: CountingRelay, via
) -> None:
    sandbox.state.faults.configure({"latency": "20ms"})  # calls overlap
    session = via(relay, limits=ServiceLimits(sts=3))
    async with pooled_connections():
        first = await asyncio.gather(*(sts.get_caller_identity(session) for _ in range(24)))
        opened = relay.accepted
        second = await asyncio.gather(*(sts.get_caller_identity(session) for _ in range(24)))
    assert len(first) == len(second) == 24
    assert 1 <= opened <= 3
    assert relay.accepted == opened  # the second round reused them all


async def test_connections_are_closed_when_the_block_ends(relay: CountingRelay, via) -> None:
    session = via(relay, limits=ServiceLimits(sts=2))
    async with pooled_connections():
        await asyncio.gather(*(sts.get_caller_identity(session) for _ in range(6)))
        open_inside = relay.open
    assert open_inside >= 1
    assert await asyncio.to_thread(relay.wait_all_closed) == 0


async def test_a_cancelled_block_closes_its_connections(
    sandbox: RunningSandbox, relay: CountingRelay, via
) -> None:
    # The app's Cancel cancels the job's task while calls are in flight (armstui/tui/jobs.py).
    session = via(relay)
    slow_call_sent = asyncio.Event()

    async def job() -> None:
        async with pooled_connections():
            await asyncio.gather(
                *(sts.get_caller_identity(session) for _ in range(2))
            )  # two kept alive
            sandbox.state.faults.configure({"latency": "1000ms"})
            slow_call_sent.set()
            await sts.get_caller_identity(session)  # one busy, one idle when cancelled

    task = asyncio.ensure_future(job())
    await asyncio.wait_for(slow_call_sent.wait(), 10)
    await asyncio.sleep(0.05)
    assert relay.open == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(relay.wait_all_closed) == 0


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    relay: CountingRelay, via
) -> None:
    log = CallLog()
    session = via(relay, call_log=log)
    async with pooled_connections():
        await sts.get_caller_identity(session)
        relay.close_clients()
        assert await asyncio.to_thread(relay.wait_all_closed) == 0
        await asyncio.sleep(0.05)  # the client has seen the end of its kept-alive connection
        await sts.get_caller_identity(session)
    assert [(r.attempt, r.outcome) for r in log.records()] == [
        (1, "ok"),
        (1, "ok"),
    ]  # no failed try
    assert relay.accepted == 2


async def test_a_block_inside_a_block_shares_its_pool(relay: CountingRelay, via) -> None:
    session = via(relay)
    async with pooled_connections() as outer:
        async with pooled_connections() as inner:
            await sts.get_caller_identity(session)
        assert inner is outer and not outer.closed
        await sts.get_caller_identity(session)
    assert relay.accepted == 1 and outer.closed


async def test_a_call_after_its_pool_closed_goes_the_sdks_own_way(
    relay: CountingRelay, via
) -> None:
    session = via(relay)
    go = asyncio.Event()

    async def later() -> str:
        await go.wait()
        return (await sts.get_caller_identity(session)).account_id

    async with pooled_connections():
        task = asyncio.ensure_future(later())  # carries the block's context
        await sts.get_caller_identity(session)
    go.set()
    assert await task == session.uid
    assert relay.accepted == 2


def test_each_event_loop_gets_its_own_pool_like_the_apps_job_threads(
    relay: CountingRelay, via
) -> None:
    # The TUI runs each cloud job with asyncio.run in a worker thread (armstui/tui/jobs.py),
    # all on the same CloudSession objects.
    session = via(relay)
    answers: list[list[str]] = []

    async def job() -> list[str]:
        async with pooled_connections():
            return [(await sts.get_caller_identity(session)).account_id for _ in range(5)]

    threads = [
        threading.Thread(target=lambda: answers.append(asyncio.run(job()))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [[session.uid] * 5] * 2
    assert relay.accepted == 2  # one kept-alive connection per job
    assert relay.wait_all_closed() == 0
    answers.clear()
    threads = [threading.Thread(target=lambda: answers.append(asyncio.run(job())))]
    threads[0].start()
    threads[0].join(30)
    assert answers == [[session.uid] * 5] and relay.accepted == 3


class WhoAmI(Step):
    def __init__(self, number: int) -> None:
        self.id, self.title, self.account, self.flow = (
            f"who/{number}",
            f"who {number}",
            "monitoring",
            "test",
        )

    async def observe(self, ctx: FlowContext) -> Observation:
        identity = await sts.get_caller_identity(ctx.session("monitoring"))
        return Observation(True, identity.account_id)


async def test_a_flows_run_pools_its_calls(relay: CountingRelay, via) -> None:
    session = via(relay, limits=ServiceLimits(sts=2))
    result = await Runner(
        [WhoAmI(n) for n in range(12)], FlowContext({"monitoring": session}, vault=None)
    ).run("verify")
    assert result.exit_code == 0 and {s.detail for s in result.states} == {session.uid}
    assert relay.accepted <= 2
    assert await asyncio.to_thread(relay.wait_all_closed) == 0


@pytest.mark.parametrize("pooled", [False, True])
async def test_failures_are_the_sdks_own(sandbox: RunningSandbox, via, pooled: bool) -> None:
    """Refused connection and read timeout: the same CloudError with and without a pool."""
    from darabonba.runtime import RuntimeOptions

    closed = CountingRelay(sandbox.endpoint)
    closed.stop()  # nothing listens on its port any more
    slow = CountingRelay(sandbox.endpoint)
    sandbox.state.faults.configure({"latency": "500ms"})
    log = CallLog()

    async def impatient(client, runtime):
        return await client.get_caller_identity_with_options_async(
            RuntimeOptions(read_timeout=100, connect_timeout=1000)
        )

    try:
        async with pooled_connections() if pooled else contextlib.nullcontext():
            with pytest.raises(CloudError) as no_listener:
                await sts.get_caller_identity(via(closed))
            with pytest.raises(CloudError) as too_slow:
                await via(slow, call_log=log).call(
                    "sts", "GetCallerIdentity", impatient, mutating=False
                )
    finally:
        slow.stop()
    for caught in (no_listener, too_slow):
        assert caught.value.code == CONNECTION_ERROR and caught.value.retryable
    attempts = log.records()
    assert [r.attempt for r in attempts] == [1, 2, 3, 4]  # retried as a read, as without a pool
    assert all(r.duration_ms < 400 for r in attempts)  # gave up at the read timeout, not the answer


# --- HTTPS, as to the real endpoints -------------------------------------------------------


@pytest.fixture
def tls_relay(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[tuple[CountingRelay, Path]]:
    files = ensure_certificate(tmp_path)  # the sandbox's own: a self-signed CA for 127.0.0.1
    relay = CountingRelay(sandbox.endpoint, tls=files.server_context())
    yield relay, files.cert
    relay.stop()


async def test_https_through_the_pool_verifies_the_endpoint_and_reuses_the_tls_connection(
    sandbox: RunningSandbox, tls_relay: tuple[CountingRelay, Path]
) -> None:
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi.models import Config
    from darabonba.runtime import RuntimeOptions

    relay, ca = tls_relay
    account = sandbox.accounts["monitoring"]
    client = Client(
        Config(
            access_key_id=account["access_key_id"],
            access_key_secret=account["access_key_secret"],
            endpoint=relay.endpoint,
            protocol="https",
            region_id=sandbox.state.region,
        )
    )
    transport.install()
    async with pooled_connections() as pool:
        answers = [
            await client.get_caller_identity_with_options_async(RuntimeOptions(ca=str(ca)))
            for _ in range(3)
        ]
        with pytest.raises(Exception) as unverified:  # certifi's bundle does not know this endpoint
            await client.get_caller_identity_with_options_async(RuntimeOptions())
        insecure = await client.get_caller_identity_with_options_async(
            RuntimeOptions(ignore_ssl=True)
        )
    assert (
        {a.body.account_id for a in answers}
        == {sandbox.uid("monitoring")}
        == {insecure.body.account_id}
    )
    assert "CERTIFICATE_VERIFY_FAILED" in str(unverified.value)
    assert pool.requests == 5
    # one verified TLS connection for the three calls, one for the unverified call
    # (connections are pooled per TLS setting); the refused handshake never got through
    assert relay.accepted == 2
    assert await asyncio.to_thread(relay.wait_all_closed) == 0


# --- odd answers: the same CloudError through the pool as through the SDK's own path ----------


class FixedAnswer:
    """A server on its own thread that answers every request with ``self.answer``."""

    def __init__(self) -> None:
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        self.answer: tuple[int, str, bytes] = (200, "application/json", b"{}")
        self.extra_headers: dict[str, str] = {}
        self.cookies_received: list[str | None] = []

        async def reply(request: web.Request) -> web.Response:
            self.cookies_received.append(request.headers.get("Cookie"))
            status, content_type, body = self.answer
            return web.Response(
                status=status,
                body=body,
                headers={"Content-Type": content_type, **self.extra_headers},
            )

        async def start() -> TestServer:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", reply)
            server = TestServer(app, host="127.0.0.1", access_log=None)  # on a free port
            await server.start_server()
            self.endpoint = f"127.0.0.1:{server.port}"
            return server

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


ODD_ANSWERS = {
    "a proxy's HTML 502": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "an empty 200": (200, "application/json", b""),
    "not JSON": (200, "text/plain", b"all good"),
    "JSON null": (200, "application/json", b"null"),
    "a documented error": (
        403,
        "application/json",
        b'{"Code": "NoPermission", "Message": "You are not authorized.", "RequestId": "R-1"}',
    ),
}


async def test_odd_answers_fail_the_same_way_through_the_pool() -> None:
    server = FixedAnswer()
    session = made_up_session(server.endpoint, "odd", retry=FAST_RETRY)
    try:
        for name, answer in ODD_ANSWERS.items():
            server.answer = answer
            seen = []
            for pooled in (False, True):
                async with pooled_connections() if pooled else contextlib.nullcontext():
                    with pytest.raises(CloudError) as caught:
                        await sts.get_caller_identity(session)
                seen.append(
                    (
                        caught.value.code,
                        caught.value.http_status,
                        caught.value.message,
                        caught.value.request_id,
                    )
                )
            assert seen[0] == seen[1], name
    finally:
        server.stop()


async def test_no_cookie_a_gateway_sets_is_sent_back() -> None:
    """The SDK's session per request never returns a cookie; a shared session must not
    either (one account's calls would carry what was set on another's)."""
    server = FixedAnswer()
    server.answer = (
        200,
        "application/json",
        b'{"RequestId": "R-2", "AccountId": "1", "Arn": "acs:ram::1:root", "IdentityType": "Account", "PrincipalId": "1", "UserId": "1"}',
    )
    server.extra_headers = {"Set-Cookie": "acw_tc=affinity-token; Path=/"}
    port = server.endpoint.rsplit(":", 1)[1]
    # a host name: cookies for IPs are refused anyway
    session = made_up_session(f"localhost:{port}", "cookies", retry=FAST_RETRY)
    try:
        async with pooled_connections() as pool:
            for _ in range(3):
                await sts.get_caller_identity(session)
        assert pool.requests == 3
        assert server.cookies_received == [None, None, None]
    finally:
        server.stop()


async def test_a_pools_context_carried_to_another_event_loop_uses_the_sdks_own_path(
    relay: CountingRelay, via
) -> None:
    session = via(relay)

    def elsewhere() -> str:  # to_thread copies the context, pool included
        assert current_pool() is None
        return asyncio.run(sts.get_caller_identity(session)).account_id

    async with pooled_connections() as pool:
        await sts.get_caller_identity(session)
        assert await asyncio.to_thread(elsewhere) == session.uid
        await sts.get_caller_identity(session)
    assert pool.requests == 2
    assert relay.accepted == 2  # the pool's one connection, and the other loop's own
