"""Pooled connections for the official SDK clients' async calls.

Why. Every async call of the SDK clients ends in the OpenAPI client
(alibabacloud_tea_openapi/client.py: ``do_rpcrequest_async``, ``do_roarequest_async``,
``do_roarequest_with_form_async``, ``do_request_async``, ``execute_async``), which signs a
``DaraRequest`` and hands it to the static ``DaraCore.async_do_action(request, runtime)``
(darabonba/core.py). That function opens a new ``aiohttp.ClientSession`` and
``TCPConnector`` for each request and closes them after it: a new TCP connection every
call and, over HTTPS, a new SSL context loading certifi's CA bundle and a full TLS
handshake. Over plain HTTP to the sandbox alone that doubles each call's client CPU (0.6 ms
instead of 0.3 ms here); with hundreds of calls in flight it is what made the client
CPU-bound (benchmarks/README.md: fanout, throughput.async).

What. Inside ``async with pooled_connections():`` those requests go out through one shared
``aiohttp.ClientSession`` whose keep-alive connections are reused per host, with one SSL
context per set of TLS options. The request is sent exactly as ``async_do_action`` sends it
(darabonba/core.py, darabonba-core 1.0.9): the URL from ``DaraCore.compose_url``, the method,
the signed headers (``host`` included) and the body bytes as given; the connect and read
timeouts, the proxy (``httpProxy``/``httpsProxy`` or ``HTTP(S)_PROXY``) and the TLS options
(verification against certifi's bundle, or the ``ca`` file; none with ``ignoreSSL``; a
client ``cert``; ``tlsMinVersion``) from the runtime options of that very request; the
answer as a ``DaraResponse`` (body bytes, lower-cased headers, status); an ``IOError``
(connection refused or reset, timeouts) raised as darabonba's ``RetryError``; no cookie
kept or sent back (a session per request never has one). Signing before
and parsing after stay the SDK's own code, so the same pool serves the real cloud over
HTTPS and the sandbox over HTTP. Outside a pool the SDK's own path runs, unchanged.

How it is plugged in. ``async_do_action`` has no hook, and the OpenAPI client calls it
through its module's global name ``DaraCore``. :func:`install` (run by
:meth:`CloudSession.client` once the SDK is imported) points that name at a subclass whose
only override is ``async_do_action``: it sends through the pool of the current context
(a ``ContextVar``, so it follows the calling task, each thread and each event loop having
their own) or defers to the original. Nothing is imported from the SDK or aiohttp until a
call needs it (importing ``armstui.cloud`` stays cheap). Written against
alibabacloud-tea-openapi 0.4.6 and darabonba-core 1.0.9; should a later SDK send another
way, tests/cloud/test_transport.py (connections counted where the server sees them, HTTPS
with verification, odd answers compared with the SDK's own path) fails.

Lifetime. A pool belongs to one ``async with`` on one event loop: the flows runner opens one
around a run (armstui/flows/runner.py), so each ``asyncio.run`` of the CLI, the TUI's job
threads and tests gets its own, and every connection is closed when the block ends. A pool
opened inside another one is that one. Concurrency stays bounded by each session's
:class:`ServiceLimits`; the pool itself adds no limit.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

# Client side idle timeout for a kept-alive connection: below the usual server-side ones
# (aiohttp's server: 75 s; load balancers: commonly 15-60 s), so we drop a connection
# before the server does rather than write on one it just closed.
KEEPALIVE_SECONDS = 10.0

_current: contextvars.ContextVar[ConnectionPool | None] = contextvars.ContextVar(
    "armstui_connection_pool", default=None
)


class ConnectionPool:
    """One aiohttp ClientSession (made on first use) shared by the SDK requests of a block,
    on the event loop the block runs on."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._session: Any = None  # aiohttp.ClientSession
        self._ssl: dict[tuple[Any, ...], Any] = {}  # TLS options -> ssl.SSLContext
        self.closed = False
        self.requests = 0  # sent through this pool

    async def send(self, request: Any, runtime_option: dict[str, Any]) -> Any:
        """Send a signed ``DaraRequest`` as ``DaraCore.async_do_action`` does; a ``DaraResponse``."""
        import aiohttp
        from darabonba.core import DaraCore
        from darabonba.exceptions import RetryError
        from darabonba.response import DaraResponse
        from darabonba.utils.stream import BaseStream

        if self._session is None:
            # No cookie jar: the SDK's session per request never sends back a cookie, and one
            # account's calls must not carry what a gateway set on another's.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        url = DaraCore.compose_url(request)
        https = request.protocol.upper() == "HTTPS"
        connect_s, read_s = _timeouts(runtime_option)
        if isinstance(request.body, BaseStream):
            body = b"".join(request.body)
        elif isinstance(request.body, str):
            body = request.body.encode("utf-8")
        else:
            body = request.body or b""
        self.requests += 1
        try:
            async with self._session.request(
                request.method,
                url,
                data=body,
                headers=request.headers,
                ssl=self._ssl_for(https, runtime_option),
                proxy=_proxy(https, runtime_option),
                timeout=aiohttp.ClientTimeout(sock_read=read_s, sock_connect=connect_s),
            ) as answer:
                response = DaraResponse()
                response.body = await answer.read()
                response.headers = {k.lower(): v for k, v in answer.headers.items()}
                response.status_code = answer.status
                response.status_message = answer.reason
                response.response = answer
        except OSError as exc:
            raise RetryError(str(exc)) from exc
        return response

    def _ssl_for(self, https: bool, runtime_option: dict[str, Any]) -> Any:
        """What ``async_do_action`` passes as ``ssl=``: a context verifying against ``ca`` or
        certifi's bundle (plus a client ``cert``), or False (HTTP, or ``ignoreSSL``)."""
        verify: Any = not runtime_option.get("ignoreSSL", False)
        if not https or not verify:
            return False
        ca = runtime_option.get("ca")
        cert = runtime_option.get("cert")
        tls_min = runtime_option.get("tlsMinVersion")
        tls_min = getattr(tls_min, "value", tls_min)  # the SDK accepts its TLSVersion enum too
        key = (ca, tuple(cert) if isinstance(cert, (list, tuple)) else cert, tls_min)
        if key not in self._ssl:
            import ssl

            import certifi
            from darabonba.core import DaraCore

            context = DaraCore._set_tls_minimum_version(ssl.create_default_context(), tls_min)
            context.load_verify_locations(ca if isinstance(ca, str) else certifi.where())
            if cert is not None:
                if isinstance(cert, (list, tuple)):
                    context.load_cert_chain(
                        certfile=cert[0], keyfile=cert[1] if len(cert) > 1 else None
                    )
                else:
                    context.load_cert_chain(certfile=cert, keyfile=None)
            self._ssl[key] = context
        return self._ssl[key]

    async def aclose(self) -> None:
        self.closed = True
        if self._session is not None:
            await self._session.close()


def _timeouts(runtime_option: dict[str, Any]) -> tuple[float, float]:
    """Seconds: (connect, read), from milliseconds as ``async_do_action`` reads them."""
    from darabonba.core import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT

    timeout = runtime_option.get("timeout")
    connect = runtime_option.get("connectTimeout") or timeout or DEFAULT_CONNECT_TIMEOUT
    read = runtime_option.get("readTimeout") or timeout or DEFAULT_READ_TIMEOUT
    return int(connect) / 1000, int(read) / 1000


def _proxy(https: bool, runtime_option: dict[str, Any]) -> str | None:
    if https:
        return (
            runtime_option.get("httpsProxy")
            or os.environ.get("HTTPS_PROXY")
            or os.environ.get("https_proxy")
        )
    return (
        runtime_option.get("httpProxy")
        or os.environ.get("HTTP_PROXY")
        or os.environ.get("http_proxy")
    )


@asynccontextmanager
async def pooled_connections() -> AsyncIterator[ConnectionPool]:
    """SDK calls made in this block (and in tasks it starts) reuse connections; all are
    closed when it ends. Inside another such block: that block's pool."""
    outer = _current.get()
    if outer is not None and not outer.closed:
        yield outer
        return
    pool = ConnectionPool(asyncio.get_running_loop())
    token = _current.set(pool)
    try:
        yield pool
    finally:
        _current.reset(token)
        await pool.aclose()


def current_pool() -> ConnectionPool | None:
    """The pool SDK calls made here would use (None: the SDK's own connection per call).

    A context copied into another thread that runs its own event loop (``to_thread`` and
    ``asyncio.run`` there) carries the pool along; its connections belong to the first loop,
    so there the SDK's own path runs."""
    pool = _current.get()
    if pool is None or pool.closed:
        return None
    try:
        return pool if asyncio.get_running_loop() is pool.loop else None
    except RuntimeError:
        return None


_installed: Any = None  # the DaraCore subclass, once made


def install() -> None:
    """Route the OpenAPI client's ``DaraCore.async_do_action`` through the current pool.

    Idempotent. Needs the SDK imported (call it after importing a client module)."""
    global _installed
    import alibabacloud_tea_openapi.client as openapi
    from darabonba.core import DaraCore

    if _installed is None:
        original = DaraCore.async_do_action

        class PooledDaraCore(DaraCore):  # type: ignore[misc]  # darabonba ships no types
            """darabonba's DaraCore; ``async_do_action`` sends through the current pool."""

            @staticmethod
            async def async_do_action(request: Any, runtime_option: Any = None) -> Any:
                pool = current_pool()
                if pool is None:
                    return await original(request, runtime_option)
                return await pool.send(request, runtime_option or {})

        _installed = PooledDaraCore
    if openapi.DaraCore is not _installed:
        openapi.DaraCore = _installed


__all__ = ["ConnectionPool", "current_pool", "install", "pooled_connections"]
