"""CloudError: every failure of a cloud call, with a hint that says what to do about it.

How the SDK fails (read in alibabacloud_tea_openapi/client.py ``do_request_async``):

- a 4xx/5xx answer raises a ``Tea.exceptions.TeaException`` subclass (``ClientException``,
  ``ServerException``, ``ThrottlingException`` when ``x-acs-retry-after`` is set) with
  ``.code``, ``.message`` (``"code: <status>, <Message> request id: <id>"``),
  ``.status_code``, ``.request_id``, ``.data`` (the error body: RPC ``Code``/``Message``,
  CS lower-case ``code``/``message``) and ``.access_denied_detail``;
- anything else raises ``darabonba.exceptions.UnretryableException`` wrapping the cause in
  ``.inner_exception``: a ``darabonba.exceptions.RetryError`` for a refused connection or a
  timeout, a ``RuntimeError("Failed to parse the value as json format, ...")`` for a body
  that is not JSON (an HTML 502 page from a proxy, an empty body: read_as_json in
  darabonba/utils). An error answer whose JSON has no ``Code`` raises a ``ClientException``
  whose ``.code`` is None; its ``.data`` still holds the body and ``statusCode``.

Whatever the SDK raised, :func:`from_sdk` answers a CloudError with a code (``HTTP<status>``
when the service gave none, :data:`MALFORMED_ANSWER` when the answer was not an API answer),
the request ID when there is one, and a hint: it never raises itself.

``str(exc)`` of an SDK error embeds the whole response body, so it never leaves this module:
:class:`CloudError` keeps only the code, the service's own message, the request ID and the
status, and its text passes through :func:`armstui.secrets.redaction.redact`.

This module imports no SDK (importing ``armstui.cloud`` must stay cheap).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from armstui.inert import inert
from armstui.secrets.redaction import redact

CONNECTION_ERROR = "ConnectionError"
MALFORMED_ANSWER = "MalformedAnswer"  # the endpoint answered, but not with an API answer
MAX_MESSAGE = 500  # characters of a service's message kept (some answer with a whole page)
ONEPILOT_TOO_OLD = "OnepilotTooOld"  # raised by the flows: ack-onepilot < 3.0.14

# Transient by nature: a read may simply be tried again (the RAM and STS error-code pages).
# RAM and ECS also throttle with ``Rejected.Throttling``. A malformed answer is most often a
# proxy's or gateway's error page (HTML 502/504).
RETRYABLE_CODES = (
    "Throttling",
    "Rejected.Throttling",
    "ServiceUnavailable",
    "InternalError",
    CONNECTION_ERROR,
    MALFORMED_ANSWER,
)

# The system policy that grants each service's actions (the console's standard system
# policies, also seeded in the sandbox).
GRANTING_POLICY = {
    "ram": "AliyunRAMFullAccess",
    "arms": "AliyunARMSFullAccess",
    "sts": "AliyunSTSAssumeRoleAccess",
    "cs": "AliyunCSFullAccess",
    "ecs": "AliyunECSFullAccess",
    "resourcemanager": "AliyunResourceDirectoryReadOnlyAccess",
}

_ACTION_IN_MESSAGE = re.compile(r"\b([a-z]+:[A-Za-z*]+)\b")


class CloudError(Exception):
    """A cloud call failed. ``str()`` shows code, message, request ID and hint — redacted."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        hint: str | None = None,
        service: str = "",
        action: str = "",
        account: str = "",
        retryable: bool | None = None,
        missing_action: str | None = None,
        access_denied: dict[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = inert(code)
        self.retry_after = retry_after  # seconds the service asked to wait (throttling)
        self.missing_action = missing_action  # for a refusal: the RAM action missing
        # For a refusal: AccessDeniedDetail's PolicyType, NoPermissionType, AuthAction.
        self.access_denied = access_denied
        self.message = inert(redact(_shorten(message or "")))
        self.request_id = request_id or None
        self.http_status = http_status
        self.hint = redact(hint) if hint else None
        self.service = service
        self.action = action
        self.account = account
        self.retryable = is_retryable(code) if retryable is None else retryable
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.service}.{self.action}" if self.service and self.action else ""
        text = f"{self.code}: {self.message}" if self.message else self.code
        if where:
            text = f"{where} failed: {text}"
        text += f" (request ID {self.request_id or 'none'})"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return redact(text)

    def __repr__(self) -> str:
        return redact(
            f"CloudError(code={self.code!r}, request_id={self.request_id!r}, "
            f"http_status={self.http_status!r}, service={self.service!r}, action={self.action!r})"
        )


def is_retryable(code: str) -> bool:
    return code.startswith(RETRYABLE_CODES)


def granting_policy(ram_action: str) -> str | None:
    """``arms:ListTraceApps`` -> ``AliyunARMSFullAccess``."""
    return GRANTING_POLICY.get(ram_action.split(":", 1)[0].lower())


def hint_for(
    code: str,
    *,
    service: str = "",
    action: str = "",
    missing_action: str | None = None,
    endpoint: str | None = None,
) -> str | None:
    """What to do about ``code``. ``missing_action`` names the RAM action refused."""
    if code.startswith("InvalidAccessKeyId"):
        if code.endswith("Inactive"):
            return "This AccessKey is disabled: enable it in the RAM console, or use another key."
        return (
            "The AccessKey ID is unknown: check it, or create a new key and add the account again."
        )
    if code in ("SignatureDoesNotMatch", "IncompleteSignature"):
        return "The AccessKey secret does not match its ID: enter the secret again (armstui accounts add)."
    if code.startswith("InvalidTimeStamp"):
        return "This machine's clock is off by more than 15 minutes: fix the clock (enable NTP, e.g. `timedatectl set-ntp true`)."
    if code.startswith("InvalidSecurityToken") or code == "MissingSecurityToken":
        if code.endswith("Expired"):
            return "The STS credentials expired: assume the role again (armstui switch)."
        return "The STS token is malformed or does not belong to this AccessKey: assume the role again."
    if code.startswith(("NoPermission", "Forbidden")):
        return _permission_hint(service, action, missing_action)
    if code == "EntityNotExist.Role" and action == "AssumeRole":
        return "The role does not exist: check the account ID and role name in the ARN."
    if code.startswith("EntityNotExist"):
        return f"{_entity(code)} does not exist (deleted, or a typo in its name)."
    if code.startswith("EntityAlreadyExists"):
        return f"{_entity(code)} already exists: observe it and reuse it instead of creating it."
    if code == "LimitExceeded.User.AccessKey":
        return "A RAM user may have at most two AccessKeys: delete one it no longer uses, then try again."
    if code.startswith("LimitExceeded"):
        return "An account quota is reached: delete what is unused, or ask for a higher quota."
    if code.startswith("DeleteConflict"):
        return (
            "It is still in use (keys, policies or a login profile attached): remove those first."
        )
    if code.startswith(("Throttling", "Rejected.Throttling")):
        return "Alibaba Cloud is throttling this account: wait a little and try again, or run fewer operations at once."
    if code == "ServiceUnavailable":
        return "The service is temporarily unavailable: try again in a minute."
    if code == "InternalError":
        return "The service failed internally: try again; if it persists, quote the request ID to Alibaba Cloud support."
    if code == CONNECTION_ERROR:
        where = f" {endpoint}" if endpoint else " the endpoint"
        return f"Could not reach{where}: check the network, proxy and DNS" + (
            ", and that the sandbox is running."
            if endpoint and endpoint.startswith("127.")
            else "."
        )
    if code == MALFORMED_ANSWER:
        where = endpoint or "the endpoint"
        return (
            f"{where} answered, but not with an Alibaba Cloud API answer (not JSON, or without the expected "
            "fields): often a proxy's or gateway's error page. Check the endpoint and HTTPS_PROXY/HTTP_PROXY, "
            "then try again."
        )
    if re.fullmatch(r"HTTP5\d\d", code):
        return "The service failed without saying why: try again; if it persists, quote the request ID to Alibaba Cloud support."
    if re.fullmatch(r"HTTP\d{3}", code):
        return "The service refused the call without an error code: check the account's region and the endpoint."
    if code == ONEPILOT_TOO_OLD:
        return "ack-onepilot before 3.0.14 cannot report to another account: upgrade the addon (armstui apply does)."
    if code == "ErrorClusterNotFound":
        return "No such ACK cluster in this account and region: check the cluster ID and the account's region."
    return None


def _entity(code: str) -> str:
    parts = code.split(".")[1:]
    return (
        " ".join(parts)
        .replace("User Policy", "policy attachment")
        .replace("AccessKey", "access key")
        or "It"
    )


def _permission_hint(service: str, action: str, missing: str | None) -> str:
    missing = missing or (f"{service}:{action}" if service and action else None)
    if not missing:
        return "The caller lacks a permission: attach the needed policy to the RAM user or role."
    if missing.lower() == "sts:assumerole":
        return (
            "AssumeRole was refused: either the role's trust policy does not admit the caller's account "
            "(not trusted: add acs:ram::<caller account ID>:root to its Principal), or the caller lacks "
            "sts:AssumeRole (attach AliyunSTSAssumeRoleAccess to the RAM user)."
        )
    policy = granting_policy(missing)
    grant = f"; the system policy {policy} grants it" if policy else ""
    return f"The caller lacks {missing}: attach a policy that allows it{grant}."


def _field(data: Any, *names: str) -> Any:
    if isinstance(data, dict):
        for name in names:
            if data.get(name) not in (None, ""):
                return data[name]
    return None


def _denied(detail: Any) -> dict[str, str] | None:
    """The parts of AccessDeniedDetail worth keeping (the encoded diagnostic is dropped)."""
    if not isinstance(detail, dict):
        return None
    kept = {
        k: str(detail[k]) for k in ("PolicyType", "NoPermissionType", "AuthAction") if detail.get(k)
    }
    return kept or None


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f"… ({len(text)} characters)"


def _clean_code(code: Any) -> str | None:
    """A service's error code as it is safe to show: ``Aa0._-`` only, at most 100 characters."""
    if code is None or isinstance(code, (dict, list)):
        return None
    text = re.sub(r"[^A-Za-z0-9._-]", "", str(code))[:100]
    return text if text and text != "None" else None


def _status(value: Any) -> int | None:
    try:
        status = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return status if 100 <= status <= 599 else None


def _request_id(value: Any) -> str | None:
    text = _clean_code(value)  # request IDs are hex and dashes; anything else is cut away
    return text[:64] if text else None


# The SDK's exceptions when no answer came at all (darabonba wraps socket errors in RetryError).
_NETWORK_FAILURES = (
    "RetryError",
    "ClientConnectionError",
    "ClientConnectorError",
    "ServerDisconnectedError",
    "ClientOSError",
    "ServerTimeoutError",
)


def _unanswered(cause: BaseException) -> bool:
    """True when no answer came (refused, reset, timed out); False when one came but could not be read."""
    if isinstance(cause, (OSError, TimeoutError)):
        return True
    return any(c.__name__ in _NETWORK_FAILURES for c in type(cause).__mro__)


MAX_RETRY_AFTER = 60.0  # seconds: a longer wait asked for is not waited out inside one call


def _retry_after(exc: BaseException) -> float | None:
    """The SDK's ``retry_after`` (``x-acs-retry-after``, milliseconds) as seconds."""
    raw = getattr(exc, "retry_after", None)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not raw > 0:
        return None
    return min(float(raw) / 1000, MAX_RETRY_AFTER)


def from_sdk(
    exc: BaseException, service: str, action: str, account: str = "", endpoint: str | None = None
) -> CloudError:
    """Turn an SDK exception into a CloudError, keeping only what is safe and useful.

    Total: odd payloads (``data`` None or not a dict, no ``Code``, a code that is a number,
    a message of a megabyte) still give a code, a request ID or None, and a hint."""
    if isinstance(exc, CloudError):
        return exc
    data = getattr(exc, "data", None)
    data = data if isinstance(data, dict) else None
    status = _status(getattr(exc, "status_code", None)) or _status(_field(data, "statusCode"))
    code = _clean_code(getattr(exc, "code", None)) or _clean_code(_field(data, "Code", "code"))
    if code is None and status is not None:
        code = f"HTTP{status}"  # an error answer without a code (a gateway's, or a bare status)
    if code is not None and (data is not None or status is not None or hasattr(exc, "status_code")):
        message = _field(data, "Message", "message")
        if not isinstance(
            message, str
        ):  # fall back to the SDK's "code: 403, <msg> request id: <id>"
            message = re.sub(
                r"^code: \d+, | request id: \S*$", "", str(getattr(exc, "message", "") or "")
            )
        request_id = _request_id(
            _field(data, "RequestId", "requestId") or getattr(exc, "request_id", None)
        )
        detail = getattr(exc, "access_denied_detail", None) or _field(data, "AccessDeniedDetail")
        missing = _field(detail, "AuthAction")
        missing = (
            missing
            if isinstance(missing, str) and re.fullmatch(r"[a-z]+:[A-Za-z*]+", missing)
            else None
        )
        if missing is None and code.startswith(("NoPermission", "Forbidden")):
            found = _ACTION_IN_MESSAGE.search(message)
            missing = found.group(1) if found else None
        hint = hint_for(
            code, service=service, action=action, missing_action=missing, endpoint=endpoint
        )
        return CloudError(
            code,
            message,
            request_id=request_id,
            http_status=status,
            hint=hint or _unknown_code_hint(service),
            service=service,
            action=action,
            account=account,
            missing_action=missing,
            access_denied=_denied(detail),
            retryable=True
            if status is not None and status >= 500 and code.startswith("HTTP")
            else None,
            retry_after=_retry_after(exc),
        )
    cause = getattr(exc, "inner_exception", None) or exc
    what = type(cause).__name__
    if not _unanswered(cause):
        return malformed(
            service, action, f"{what} while reading it", account=account, endpoint=endpoint
        )
    return CloudError(
        CONNECTION_ERROR,
        f"no usable answer from {endpoint or 'the endpoint'} ({what})",
        hint=hint_for(CONNECTION_ERROR, endpoint=endpoint),
        service=service,
        action=action,
        account=account,
    )


def malformed(
    service: str,
    action: str,
    what: str,
    *,
    account: str = "",
    endpoint: str | None = None,
    request_id: str | None = None,
) -> CloudError:
    """The CloudError for an answer that is not what the API documents (``what`` says how)."""
    return CloudError(
        MALFORMED_ANSWER,
        f"the answer to {action} is not an API answer: {what}",
        request_id=request_id,
        hint=hint_for(MALFORMED_ANSWER, endpoint=endpoint),
        service=service,
        action=action,
        account=account,
    )


def _unknown_code_hint(service: str) -> str:
    return (
        f"Look the code up in the {service.upper() or 'service'} API's error codes; quote the request ID "
        "when asking Alibaba Cloud support."
    )


@contextmanager
def reading(service: str, action: str, account: str = "") -> Iterator[None]:
    """Read an answer's fields inside this block: a field of the wrong type or shape (an
    attribute missing, a string where a list belongs) becomes a MalformedAnswer CloudError,
    never an AttributeError or TypeError escaping to the caller."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise malformed(
            service, action, f"{type(exc).__name__} while reading its fields", account=account
        ) from None


def required(value: Any, name: str, service: str, action: str, account: str = "") -> str:
    """``value`` if it is a non-empty string, else a MalformedAnswer naming the missing field."""
    if isinstance(value, str) and value:
        return value
    raise malformed(service, action, f"{name} is missing or not a string", account=account)
