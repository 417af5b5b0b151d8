"""CloudSession: one account's credentials + endpoint -> the official SDK clients.

The SDKs take ~1.2 s to import, so nothing here imports them until a client is first
needed (:meth:`CloudSession.client`); importing ``armstui.cloud`` stays cheap.

Endpoints come from each SDK client's own endpoint map and rule (``get_endpoint``): RAM is
global (``ram.aliyuncs.com``), most others ``<product>.<region>.aliyuncs.com``, and some
regions map to central endpoints (STS in ap-south-1, ARMS in me-east-1). We set
``Config.endpoint`` explicitly so the same code serves the real cloud (HTTPS) and the sandbox
(``host:port`` with ``protocol="http"``, which overrides each API's HTTPS).

Connections: the SDK's async path opens a new connection per request; inside
``transport.pooled_connections()`` (the flows runner opens one per run) requests reuse
kept-alive connections instead (armstui/cloud/transport.py says how and why).

Every call goes through :meth:`CloudSession.call`, which adds what the SDK does not do:
a per-service concurrency limit, the call log, error mapping to :class:`CloudError`, and
retries. The SDK retries nothing by default (``Config`` has no retry options, and
``do_request_async`` raises on the first failure), so retries happen here:
exponential backoff with full jitter, bounded in attempts and total time, only for
retryable errors (throttling, 5xx, connection errors), and never for a mutating call — its
answer may have been lost after the change happened, so the caller observes first
(CloudError ``retryable=True`` tells it so).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import random
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from armstui.cloud import killpoint, transport
from armstui.cloud.calllog import CallLog, CallRecord
from armstui.cloud.errors import CloudError, from_sdk, malformed
from armstui.inert import make_inert
from armstui.model import Credentials

if TYPE_CHECKING:
    from armstui.model import Account

SERVICES = ("ram", "sts", "arms", "cs", "ecs", "resourcemanager")
SDK_MODULES = {
    "ram": "alibabacloud_ram20150501.client",
    "sts": "alibabacloud_sts20150401.client",
    "arms": "alibabacloud_arms20190808.client",
    "cs": "alibabacloud_cs20151215.client",
    "ecs": "alibabacloud_ecs20140526.client",
    "resourcemanager": "alibabacloud_resourcemanager20200331.client",
}
# Milliseconds. The SDK defaults are 5 s / 10 s (darabonba/core.py); CS
# addon and ECS Cloud Assistant calls can take longer to answer, so reads get 20 s.
CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 20_000

# Refused at the gateway before the service acted: safe to send again, even a change.
THROTTLED = ("Throttling", "Rejected.Throttling")

Invoke = Callable[[Any, Any], Awaitable[Any]]  # (sdk client, RuntimeOptions) -> SDK response

READ_ONLY = "ReadOnly"
_read_only_everywhere = False


def set_read_only_everywhere(on: bool) -> None:
    """``armstui --read-only``: every session of this process refuses calls that change."""
    global _read_only_everywhere
    _read_only_everywhere = on


def read_only_everywhere() -> bool:
    return _read_only_everywhere


class ReadOnly(CloudError):
    """A call that would change something, refused before it was sent (read-only mode)."""


@dataclass(frozen=True)
class ServiceLimits:
    """How many calls per service may be in flight at once, per session.

    Defaults stay well under the documented per-account API rate limits (RAM and STS are
    the strictest, hence 5).
    """

    ram: int = 5
    sts: int = 5
    arms: int = 10
    cs: int = 10
    ecs: int = 10
    resourcemanager: int = 5

    def of(self, service: str) -> int:
        return int(getattr(self, service))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (sleep ~ U(0, min(max_delay, base * 2**n))).

    ``max_attempts`` counts the first try; ``max_total`` bounds the whole call, sleeps
    included. Tests shorten ``base_delay``.
    """

    # Sized with benchmarks/faults.py: under 30% throttling, 10% 5xx and 5% dropped
    # connections a read fails ~45% of tries; ten tries leave ~1 in 3,000 reads failed.
    max_attempts: int = 10
    base_delay: float = 0.25
    max_delay: float = 4.0
    max_total: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, retry_number: int) -> float:
        """The sleep before retry ``retry_number`` (1 for the first retry)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return self.rng.uniform(0, cap)


@functools.cache
def regional_endpoint(service: str, region: str) -> str:
    """The endpoint the service's own SDK client picks for ``region``: its endpoint map first
    (which sends, e.g., STS in ap-south-1 and ARMS in me-east-1 to central endpoints), then its
    regional rule. Built with placeholder credentials: constructing a client sends nothing."""
    if service not in SERVICES:
        raise ValueError(f"service: must be one of {', '.join(SERVICES)} (got {service!r})")
    from alibabacloud_tea_openapi.models import Config

    placeholder = Config(access_key_id="endpoint-lookup", access_key_secret="endpoint-lookup")
    placeholder.region_id = region
    client = importlib.import_module(SDK_MODULES[service]).Client(placeholder)
    return str(client._endpoint)


class CloudSession:
    """One identity in one account: SDK clients (built lazily) and the call wrapper.

    ``endpoint`` None means the real regional endpoints over HTTPS; otherwise every service
    is reached at ``endpoint`` over HTTP (the sandbox).
    """

    def __init__(
        self,
        alias: str,
        uid: str | None,
        region: str,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        call_log: CallLog | None = None,
        limits: ServiceLimits | None = None,
        retry: RetryPolicy | None = None,
        role_arn: str | None = None,
        expiration: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.alias = alias
        self.read_only = read_only  # the account is marked read-only (see also --read-only)
        self.uid = uid
        self.region = region
        self.credentials = credentials
        self.endpoint = endpoint
        self.call_log = call_log
        self.limits = limits or ServiceLimits()
        self.retry = retry or RetryPolicy()
        self.role_arn = role_arn  # set when these are assumed-role (STS) credentials
        self.expiration = expiration
        self._clients: dict[str, Any] = {}
        self._regions: dict[str, CloudSession] = {region: self}
        self._runtime: Any = None
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        where = self.endpoint or "Alibaba Cloud"
        role = f", role={self.role_arn!r}" if self.role_arn else ""
        return f"CloudSession(alias={self.alias!r}, uid={self.uid!r}, region={self.region!r}, {self.credentials!r}, endpoint={where!r}{role})"

    # --- clients ----------------------------------------------------------------------

    def endpoint_for(self, service: str) -> str:
        return self.endpoint or regional_endpoint(service, self.region)

    def client(self, service: str) -> Any:
        """The official SDK client for ``service``, imported and built on first use."""
        if service not in self._clients:
            from alibabacloud_tea_openapi.models import Config

            config = Config(
                access_key_id=self.credentials.access_key_id,
                access_key_secret=self.credentials.access_key_secret,
                security_token=self.credentials.security_token,
                endpoint=self.endpoint_for(service),
                region_id=self.region,
                protocol="http" if self.endpoint else "https",
                connect_timeout=CONNECT_TIMEOUT_MS,
                read_timeout=READ_TIMEOUT_MS,
            )
            self._clients[service] = importlib.import_module(SDK_MODULES[service]).Client(config)
            transport.install()  # calls made inside pooled_connections() reuse connections
        return self._clients[service]

    @property
    def runtime(self) -> Any:
        """RuntimeOptions for ``*_with_options_async``: our timeouts, SDK retries off."""
        if self._runtime is None:
            from darabonba.runtime import RuntimeOptions

            self._runtime = RuntimeOptions(
                autoretry=False, connect_timeout=CONNECT_TIMEOUT_MS, read_timeout=READ_TIMEOUT_MS
            )
        return self._runtime

    def _semaphore(self, service: str) -> asyncio.Semaphore:
        # One set per event loop: a session may outlive the loop it was first used on
        # (the CLI runs one asyncio.run per command, tests one per test).
        per_loop = self._semaphores.setdefault(asyncio.get_running_loop(), {})
        if service not in per_loop:
            per_loop[service] = asyncio.Semaphore(self.limits.of(service))
        return per_loop[service]

    # --- calls ------------------------------------------------------------------------

    async def call(self, service: str, action: str, invoke: Invoke, *, mutating: bool) -> Any:
        """Run ``invoke(client, runtime)``: limited, logged, mapped to CloudError, retried
        (reads only) while the error is retryable and the policy allows. In read-only mode
        a mutating call raises :class:`ReadOnly` and nothing is sent."""
        if mutating and (self.read_only or _read_only_everywhere):
            why = "--read-only" if _read_only_everywhere else f"account {self.alias} is read-only"
            raise ReadOnly(
                READ_ONLY,
                f"{service.upper()} {action} changes the account: refused in read-only mode ({why})",
                service=service,
                action=action,
                account=self.alias,
                hint="Run without --read-only, or clear the account's read-only mark, to change it.",
                retryable=False,
            )
        client = self.client(service)
        began = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(service, action, invoke, client, attempt, mutating)
            except CloudError as error:
                # A throttled change was refused at the gateway, before the service acted:
                # sending it again cannot make it twice. Any other failed change may have
                # happened, so the flow looks before trying again.
                safe_to_repeat = not mutating or error.code.startswith(THROTTLED)
                if not safe_to_repeat or not error.retryable or attempt >= self.retry.max_attempts:
                    raise
                # A wait the service asked for (x-acs-retry-after) is honoured, within bounds.
                pause = max(self.retry.delay(attempt), error.retry_after or 0.0)
                if time.monotonic() - began + pause > self.retry.max_total:
                    raise
                await asyncio.sleep(pause)

    async def _attempt(
        self, service: str, action: str, invoke: Invoke, client: Any, attempt: int, mutating: bool
    ) -> Any:
        async with self._semaphore(service):
            started_at, began = time.time(), time.perf_counter()
            number = killpoint.before_mutation() if mutating else 0
            try:
                response = await invoke(client, self.runtime)
                # Names, tags and messages come from whoever controls the account: nothing
                # in an answer may drive the operator's terminal.
                make_inert(getattr(response, "body", None))
                if _without_body(service, response, mutating):
                    raise malformed(
                        service,
                        action,
                        "no JSON object in the body",
                        account=self.alias,
                        endpoint=self.endpoint_for(service),
                        request_id=response_request_id(response),
                    )
            except Exception as exc:
                error = from_sdk(exc, service, action, self.alias, self.endpoint_for(service))
                self._log(
                    service,
                    action,
                    started_at,
                    began,
                    error.code,
                    error.request_id,
                    attempt,
                    mutating,
                )
                raise error from None
            if mutating:
                killpoint.after_mutation(number)
            self._log(
                service,
                action,
                started_at,
                began,
                "ok",
                response_request_id(response),
                attempt,
                mutating,
            )
            return response

    def _log(
        self,
        service: str,
        action: str,
        started_at: float,
        began: float,
        outcome: str,
        request_id: str | None,
        attempt: int,
        mutating: bool,
    ) -> None:
        if self.call_log is not None:
            self.call_log.append(
                CallRecord(
                    self.alias,
                    service,
                    action,
                    started_at,
                    (time.perf_counter() - began) * 1000,
                    outcome,
                    request_id,
                    attempt,
                    mutating,
                )
            )

    # --- other identities -------------------------------------------------------------

    def in_region(self, region: str) -> CloudSession:
        """The same identity acting in another region (its own clients; the same call log,
        limits and retries). Sessions are cached per region, so each region's clients and
        concurrency limits are built once."""
        if region == self.region:
            return self
        if region not in self._regions:
            other = CloudSession(
                self.alias,
                self.uid,
                region,
                self.credentials,
                endpoint=self.endpoint,
                call_log=self.call_log,
                limits=self.limits,
                retry=self.retry,
                role_arn=self.role_arn,
                expiration=self.expiration,
            )
            other._regions = self._regions
            self._regions[region] = other
        return self._regions[region]

    def with_credentials(
        self,
        access_key_id: str,
        access_key_secret: str,
        security_token: str | None = None,
        *,
        alias: str | None = None,
        uid: str | None = None,
    ) -> CloudSession:
        """The same endpoint, region, log, limits and retries, signing with other credentials."""
        return CloudSession(
            alias or self.alias,
            uid if uid is not None else self.uid,
            self.region,
            Credentials(access_key_id, access_key_secret, security_token),
            endpoint=self.endpoint,
            call_log=self.call_log,
            limits=self.limits,
            retry=self.retry,
            read_only=self.read_only,
        )

    async def assume(
        self, role_arn: str, session_name: str = "armstui", duration: int = 3600
    ) -> CloudSession:
        """AssumeRole as this identity; a session acting as the role (credentials in memory only)."""
        from armstui.cloud import sts
        from armstui.model import role_arn_uid

        sts_credentials = await sts.assume_role(self, role_arn, session_name, duration)
        role_name = role_arn.rsplit("/", 1)[-1]
        assumed = self.with_credentials(
            sts_credentials.access_key_id,
            sts_credentials.access_key_secret,
            sts_credentials.security_token,
            alias=f"{self.alias} as {role_name}",
            uid=role_arn_uid(role_arn),
        )
        assumed.role_arn = role_arn
        assumed.expiration = sts_credentials.expiration
        return assumed


def _without_body(service: str, response: Any, mutating: bool) -> bool:
    """An answer the SDK could not make a body of (JSON ``null``, a list, a string): every RPC
    answer is a JSON object with at least ``RequestId``; CS answers some changes with no body
    (e.g. ModifyClusterAddon), never a read."""
    return getattr(response, "body", None) is None and not (service == "cs" and mutating)


def response_request_id(response: Any) -> str | None:
    """The request ID of an SDK response: the body's (RPC ``RequestId``, CS ``request_id``),
    else the ``x-acs-request-id`` header (CS answers without a body, e.g. ModifyClusterAddon)."""
    body = getattr(response, "body", None)
    rid = (
        getattr(body, "request_id", None)
        if body is not None and not isinstance(body, (dict, list))
        else None
    )
    if rid is None and isinstance(body, dict):
        rid = body.get("RequestId") or body.get("request_id") or body.get("requestId")
    if rid is None:
        headers = getattr(response, "headers", None) or {}
        rid = headers.get("x-acs-request-id") if isinstance(headers, dict) else None
    return str(rid) if rid else None


async def session_for(
    account: Account,
    vault: Any = None,
    *,
    sandbox_endpoint: str | None = None,
    call_log: CallLog | None = None,
    limits: ServiceLimits | None = None,
    retry: RetryPolicy | None = None,
) -> CloudSession:
    """A session for ``account``: its credentials read now (the vault off the event loop);
    for an aliyun CLI ``RamRoleArn`` profile, AssumeRole done here with the STS SDK client
    against our endpoint (alibabacloud_credentials' provider would send it to the real STS)."""
    from armstui.credentials import resolve_credentials

    resolved = await asyncio.to_thread(resolve_credentials, account, vault)
    session = CloudSession(
        account.alias,
        account.uid,
        account.region,
        resolved.base,
        endpoint=sandbox_endpoint,
        call_log=call_log,
        limits=limits,
        retry=retry,
        read_only=account.read_only,
    )
    if resolved.assume_role_arn:
        assumed = await session.assume(resolved.assume_role_arn, resolved.session_name or "armstui")
        assumed.alias = account.alias
        return assumed
    return session


__all__ = [
    "CloudSession",
    "ReadOnly",
    "RetryPolicy",
    "ServiceLimits",
    "read_only_everywhere",
    "regional_endpoint",
    "session_for",
    "set_read_only_everywhere",
]
