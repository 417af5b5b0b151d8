"""The sandbox's HTTP front: one endpoint for every service, as the official SDKs call it.

Requests are told apart by the ``x-acs-version`` and ``x-acs-action`` headers every V3
request carries, or by the ``Version`` and ``Action`` parameters of a V1 RPC request. RPC
services (RAM, STS, ARMS, ECS) take the parameters in the query (or a form body); CS (ROA)
takes method + path + JSON body. Each request is authenticated (signature V3 or V1, date,
nonce, STS token: :mod:`armstui.sandbox.wire_auth`), authorized against the caller's
policies, then handled inside a store transaction, and recorded in the call log.

Admin endpoints under ``/__sandbox/`` (no signature; loopback clients only) let tests and the
operator steer the sandbox: faults, clock speed, health, and the call log.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import ssl
import threading
import time
import uuid
from collections import deque
from typing import Any

from aiohttp import web

from armstui.sandbox import iam
from armstui.sandbox.api import Call, Operation
from armstui.sandbox.errors import ApiError
from armstui.sandbox.faults import Dropped, FaultSpecError
from armstui.sandbox.services import ALL_SERVICES
from armstui.sandbox.services.ram.usage import record_signing
from armstui.sandbox.state import SandboxState
from armstui.sandbox.wire_auth import authenticate, parse_body

HOST_ID = "sandbox.armstui.local"
# A client gets this long to send a request's headers (and, separately, its body); a slow or
# stalled one is disconnected instead of holding a connection open forever.
HEADER_TIMEOUT_SECONDS = 15.0
BODY_TIMEOUT_SECONDS = 30.0
MAX_BODY_BYTES = 8 * 1024 * 1024
CALL_LOG_SIZE = 10_000
MAX_SPEED = 1_000_000.0
MAX_ADVANCE_SECONDS = 10 * 365 * 86400


def _operations() -> dict[tuple[str, str], Operation]:
    table = {}
    for service in ALL_SERVICES:
        for op in service.operations.values():
            table[(op.version, op.action)] = op
    return table


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()


def principal_label(principal: iam.Principal) -> str:
    """``root``, ``user/<name>`` or ``assumed-role/<role>/<session>``: who called, no secret."""
    if principal.kind == "Account":
        return "root"
    if principal.kind == "RAMUser":
        return f"user/{principal.name}"
    return f"assumed-role/{principal.name.lower()}/{principal.session_name}"


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False


class AdminInputError(ValueError):
    """A bad value sent to an admin endpoint; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class SandboxApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.operations = _operations()
        self.request_count = 0
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)

    def build(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self._loopback_admin])
        app.router.add_post("/__sandbox/faults", self._admin_faults)
        app.router.add_post("/__sandbox/clock", self._admin_clock)
        app.router.add_get("/__sandbox/health", self._admin_health)
        app.router.add_get("/__sandbox/calls", self._admin_calls)
        app.router.add_route("*", "/__sandbox/{tail:.*}", self._admin_unknown)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    # --- the API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.request_count += 1
        request_id = new_request_id()
        op: Operation | None = None
        call: Call | None = None
        try:
            try:
                async with asyncio.timeout(BODY_TIMEOUT_SECONDS):  # no task of its own
                    body = await request.read()
            except TimeoutError:
                raise ApiError(
                    408, "RequestTimeout", "The request body was not received in time."
                ) from None
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(
                    413,
                    "RequestEntityTooLarge",
                    f"The request body exceeds {MAX_BODY_BYTES} bytes.",
                ) from None
            params, payload = parse_body(request, body)
            op = self._find_operation(request, params)
            await self.state.faults.before(op.action)
            principal = authenticate(self.state, request, body, params, op)
            # A key counts as used once it signed a request, whatever the answer (RAM's
            # GetAccessKeyLastUsed).
            record_signing(self.state.store, self.state.clock, principal.access_key_id)
            call = Call(
                self.state,
                principal,
                op,
                request_id,
                params=dict(params),
                path=(op.match_path(request.rel_url.raw_path) or {}) if op.is_roa else {},
                body=_checked_payload(op, payload),
            )
            if op.permission:
                resource = op.resource(call) if op.resource else "*"
                iam.authorize(self.state.store, call.caller, op.permission, resource)
            with self.state.store.transaction():
                result = op.handler(call)
            if op.mutating:
                self.state.faults.after(op.action)
            self._record(call, op, 200, "")
            return self._answer(op, result, request_id)
        except ApiError as err:
            self._record(call, op, err.status, err.code)
            return self._error(err, request_id, op)
        except Dropped:
            self._record(call, op, 0, "Dropped")
            # Close the socket without an answer: the client sees a broken connection.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        except Exception as exc:  # a sandbox bug: still answer in the real shape, with a code
            self._record(call, op, 500, "InternalError")
            failure = ApiError(
                500,
                "InternalError",
                f"The sandbox failed to process the request ({type(exc).__name__}).",
            )
            return self._error(failure, request_id, op)

    def _find_operation(self, request: web.Request, params: list[tuple[str, str]]) -> Operation:
        query = dict(params)
        version = request.headers.get("x-acs-version") or query.get("Version", "")
        action = request.headers.get("x-acs-action") or query.get("Action", "")
        if not action or not version:
            raise ApiError(
                400,
                "MissingParameter",
                "The action and version are required (x-acs-action and x-acs-version headers, or the Action and Version parameters).",
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
        elif request.method not in ("GET", "POST"):
            raise ApiError(
                404,
                "InvalidAction.NotFound",
                f"Specified api {action} is not served by {request.method}.",
            )
        return op

    def _record(
        self, call: Call | None, op: Operation | None, status: int, error_code: str
    ) -> None:
        """Append to the call log: who called what and how it ended (never a secret)."""
        self.calls.append(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "account": call.caller.account_id if call else None,
                "principal": principal_label(call.caller) if call else None,
                "action": op.action if op else None,
                "service": op.product.lower() if op else None,
                "http_status": status,
                "error_code": error_code,
            }
        )

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

    @web.middleware
    async def _loopback_admin(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/__sandbox/") and not _is_loopback(request.remote):
            return web.json_response(
                {"error": "the admin endpoints answer loopback clients only"}, status=403
            )
        response: web.StreamResponse = await handler(request)
        return response

    @staticmethod
    def _refuse(exc: Exception) -> web.Response:
        field = getattr(exc, "field", None)
        body: dict[str, Any] = {"error": str(exc)}
        if field:
            body["field"] = field
        return web.json_response(body, status=400)

    async def _admin_unknown(self, request: web.Request) -> web.Response:
        return web.json_response({"error": f"no admin endpoint {request.path}"}, status=404)

    async def _admin_health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "requests": self.request_count})

    async def _admin_calls(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.calls))

    @staticmethod
    async def _admin_spec(request: web.Request) -> dict[str, Any]:
        """The admin request's body, which must be a JSON object (AdminInputError otherwise)."""
        try:
            spec = json.loads(await request.read() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise AdminInputError("body", "the body must be a JSON object") from None
        if not isinstance(spec, dict):
            raise AdminInputError("body", "the body must be a JSON object")
        return spec

    async def _admin_faults(self, request: web.Request) -> web.Response:
        try:
            parsed = self.state.faults.parse(await self._admin_spec(request))
        except (AdminInputError, FaultSpecError) as exc:
            return self._refuse(exc)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.state.faults.install(parsed)
        return web.json_response({"ok": True})

    async def _admin_clock(self, request: web.Request) -> web.Response:
        """``{"speed": x}`` sets how fast simulated time runs; ``{"advance": seconds}`` jumps it
        forward (ARMS data, addon changes and key use all live on that axis)."""
        try:
            spec = await self._admin_spec(request)
            if "advance" in spec:
                return self._advance_clock(spec["advance"])
            raw = spec.get("speed")
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise AdminInputError("speed", "speed: must be a number above 0")
            try:
                speed = float(raw)
            except ValueError:
                raise AdminInputError("speed", f"speed: {raw!r} is not a number") from None
            if not math.isfinite(speed) or speed <= 0 or speed > MAX_SPEED:
                raise AdminInputError(
                    "speed", f"speed: must be a finite number above 0 and at most {MAX_SPEED:g}"
                )
        except AdminInputError as exc:
            return self._refuse(exc)
        self.state.clock.speed = speed
        return web.json_response({"ok": True, "speed": speed})

    def _advance_clock(self, raw: Any) -> web.Response:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return self._refuse(AdminInputError("advance", "advance: must be a number of seconds"))
        if not math.isfinite(raw) or raw < 0 or raw > MAX_ADVANCE_SECONDS:
            return self._refuse(
                AdminInputError(
                    "advance", f"advance: must be from 0 to {MAX_ADVANCE_SECONDS} seconds"
                )
            )
        self.state.clock.advance(float(raw))
        return web.json_response({"ok": True, "advanced": raw})


def _checked_payload(op: Operation, payload: Any) -> Any:
    """CS takes every addon's ``config`` as a JSON string (the SDK models type it ``str``); any
    other JSON type is refused here, before a handler could trip over it."""
    if payload is None or op.product != "CS":
        return payload
    items = payload if isinstance(payload, list) else [payload]
    if isinstance(payload, dict) and isinstance(payload.get("addons"), list):
        items = items + payload["addons"]
    for item in items:
        if isinstance(item, dict) and item.get("config") is not None:
            if not isinstance(item["config"], str):
                raise ApiError(
                    400,
                    "InvalidParameter.Config",
                    f"config must be a JSON string (got {type(item['config']).__name__}).",
                )
    return payload


class SandboxServer:
    """Runs the sandbox on its own event loop in a daemon thread (for the app, the CLI and
    tests), or on the caller's loop (``start``/``stop``). With ``tls`` it also listens for
    https on ``https_port``."""

    def __init__(
        self,
        state: SandboxState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: ssl.SSLContext | None = None,
        https_port: int = 0,
        header_timeout: float = HEADER_TIMEOUT_SECONDS,
    ) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.tls = tls
        self.https_port = https_port
        self.header_timeout = header_timeout
        self.app = SandboxApp(state)
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def endpoint_https(self) -> str | None:
        return f"{self.host}:{self.https_port}" if self.tls is not None else None

    async def start(self) -> str:
        # aiohttp closes a connection whose first request's headers have not all arrived
        # within keepalive_timeout (and an idle one after it): that is the header timeout.
        self._runner = web.AppRunner(
            self.app.build(),
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.header_timeout,
        )
        await self._runner.setup()
        self.port = await self._listen(self.port, None)
        if self.tls is not None:
            self.https_port = await self._listen(self.https_port, self.tls)
        return self.endpoint

    async def _listen(self, port: int, tls: ssl.SSLContext | None) -> int:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, port, ssl_context=tls)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1])

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
