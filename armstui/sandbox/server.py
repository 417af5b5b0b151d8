"""The sandbox's HTTP front: one endpoint for every service, as the official SDKs call it.

Requests are told apart by the ``x-acs-version`` and ``x-acs-action`` headers every V3
request carries (reference §1). RPC services (RAM, STS, ARMS, ECS) send ``POST /`` with the
parameters in the query (or a form body); CS (ROA) sends method + path + JSON body. Each
request is authenticated (signature, date, nonce, STS token), authorized against the
caller's policies, then handled inside a store transaction.

Admin endpoints under ``/__sandbox/`` (no signature; loopback only) let tests and the
operator steer the sandbox: faults, clock speed.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from armstui.sandbox import iam, signing
from armstui.sandbox.api import Call, Operation
from armstui.sandbox.errors import ApiError
from armstui.sandbox.faults import Dropped
from armstui.sandbox.services import ALL_SERVICES
from armstui.sandbox.state import SandboxState

MAX_SKEW_SECONDS = 15 * 60  # reference §1: x-acs-date within 15 minutes
HOST_ID = "sandbox.armstui.local"


def _operations() -> dict[tuple[str, str], Operation]:
    table = {}
    for service in ALL_SERVICES:
        for op in service.operations.values():
            table[(op.version, op.action)] = op
    return table


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()


def _parse_acs_date(value: str) -> float:
    try:
        return calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, TypeError):
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f"Specified time stamp or date value {value!r} is not well formatted.",
        ) from None


class SandboxApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.operations = _operations()
        self._nonces: dict[str, float] = {}
        self.request_count = 0

    def build(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/__sandbox/faults", self._admin_faults)
        app.router.add_post("/__sandbox/clock", self._admin_clock)
        app.router.add_get("/__sandbox/health", self._admin_health)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    # --- the API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.request_count += 1
        request_id = new_request_id()
        op: Operation | None = None
        try:
            body = await request.read()
            op = self._find_operation(request)
            await self.state.faults.before(op.action)
            call = self._authenticate(request, body, op, request_id)
            if op.permission:
                resource = op.resource(call) if op.resource else "*"
                iam.authorize(self.state.store, call.caller, op.permission, resource)
            with self.state.store.transaction():
                result = op.handler(call)
            if op.mutating:
                self.state.faults.after(op.action)
            return self._answer(op, result, request_id)
        except ApiError as err:
            return self._error(err, request_id, op)
        except Dropped:
            # Close the socket without an answer: the client sees a broken connection.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)

    def _find_operation(self, request: web.Request) -> Operation:
        version = request.headers.get("x-acs-version", "")
        action = request.headers.get("x-acs-action", "")
        if not action or not version:
            raise ApiError(
                400,
                "MissingParameter",
                "The x-acs-action and x-acs-version headers are required (only V3-signed requests are served).",
            )
        op = self.operations.get((version, action))
        if op is None:
            raise ApiError(
                404,
                "InvalidAction.NotFound",
                f"Specified api {action} (version {version}) is not found, please check your url and method.",
            )
        if op.is_roa:
            if request.method != op.method or op.match_path(request.rel_url.raw_path) is None:
                raise ApiError(
                    404,
                    "InvalidAction.NotFound",
                    f"Specified api {action} is not found at {request.method} {request.rel_url.raw_path}.",
                )
        return op

    def _authenticate(
        self, request: web.Request, body: bytes, op: Operation, request_id: str
    ) -> Call:
        headers = request.headers
        auth = signing.parse_authorization(headers.get("Authorization"))
        now = self.state.clock.now()
        sent = _parse_acs_date(headers.get("x-acs-date", ""))
        if abs(now - sent) > MAX_SKEW_SECONDS:
            raise ApiError(
                400,
                "InvalidTimeStamp.Expired",
                f"Specified time stamp or date value is expired: {headers.get('x-acs-date')} is more than 15 minutes from the server time.",
            )
        principal, secret = iam.authenticate(
            self.state.store, auth.access_key_id, headers.get("x-acs-security-token"), now
        )
        raw_query = request.rel_url.raw_query_string
        signing.verify(
            auth, secret, request.method, request.rel_url.raw_path, raw_query, headers, body
        )
        self._check_nonce(headers.get("x-acs-signature-nonce", ""), now)
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        payload: Any = None
        content_type = headers.get("content-type", "")
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        elif body and content_type.startswith("application/json"):
            try:
                payload = json.loads(body)
            except json.JSONDecodeError:
                raise ApiError(
                    400, "InvalidParameter", "The request body is not valid JSON."
                ) from None
        path = op.match_path(request.rel_url.raw_path) if op.is_roa else {}
        return Call(
            self.state, principal, op, request_id, params=params, path=path or {}, body=payload
        )

    def _check_nonce(self, nonce: str, now: float) -> None:
        if not nonce:
            raise ApiError(400, "MissingParameter", "x-acs-signature-nonce is required.")
        if nonce in self._nonces:
            raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self._nonces[nonce] = now
        if len(self._nonces) > 100_000:
            cutoff = now - MAX_SKEW_SECONDS
            self._nonces = {n: t for n, t in self._nonces.items() if t >= cutoff}

    # --- answers ------------------------------------------------------------------------

    @staticmethod
    def _answer(op: Operation, result: Any, request_id: str) -> web.Response:
        headers = {"x-acs-request-id": request_id}
        if result is None:
            return web.json_response(
                {} if not op.is_roa else {"request_id": request_id}, headers=headers
            )
        if isinstance(result, dict) and not op.is_roa:
            result = {"RequestId": request_id, **result}
        return web.json_response(result, headers=headers)

    @staticmethod
    def _error(err: ApiError, request_id: str, op: Operation | None) -> web.Response:
        if op is not None and op.is_roa:
            body: dict[str, Any] = {
                "code": err.code,
                "message": err.message,
                "requestId": request_id,
            }
        else:
            body = {
                "RequestId": request_id,
                "HostId": HOST_ID,
                "Code": err.code,
                "Message": err.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}",
            }
        body.update(err.extra)
        return web.json_response(body, status=err.status, headers={"x-acs-request-id": request_id})

    # --- admin --------------------------------------------------------------------------

    async def _admin_health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "requests": self.request_count})

    @staticmethod
    async def _admin_spec(request: web.Request) -> dict[str, Any]:
        """The admin request's body, which must be a JSON object (ValueError otherwise)."""
        try:
            spec = json.loads(await request.read() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ValueError("the body must be a JSON object") from None
        if not isinstance(spec, dict):
            raise ValueError("the body must be a JSON object")
        return spec

    async def _admin_faults(self, request: web.Request) -> web.Response:
        try:
            self.state.faults.configure(await self._admin_spec(request))
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _admin_clock(self, request: web.Request) -> web.Response:
        try:
            speed = float((await self._admin_spec(request)).get("speed", 0))
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": f"speed: {exc}"}, status=400)
        if speed <= 0:
            return web.json_response({"error": "speed: must be positive"}, status=400)
        self.state.clock.speed = speed
        return web.json_response({"ok": True, "speed": speed})


class SandboxServer:
    """Runs the sandbox on its own event loop in a daemon thread (for the app, the CLI and
    tests), or on the caller's loop (``start``/``stop``)."""

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.app = SandboxApp(state)
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app.build(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        return self.endpoint

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> str:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="armstui-sandbox", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self.endpoint

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None
            self._thread = None
