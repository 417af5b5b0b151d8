"""Reading a request off the wire and proving who sent it: V3 or V1 signatures, the request's
time, its nonce and (for STS credentials) its security token.

Every scheme gets the same checks, in the same order: the time is within 15 minutes of the
server's, the AccessKey (and STS token) is valid, the signature matches the secret, and the
nonce was not used within those 15 minutes (nonces are kept in the store, so a restart opens
no replay window). The schemes (see :mod:`armstui.sandbox.signing`):

- V3: ``Authorization: ACS3-HMAC-SHA256 ...``, ``x-acs-date``, ``x-acs-signature-nonce``,
  ``x-acs-security-token``;
- V1 RPC: ``Signature``, ``AccessKeyId``, ``Timestamp``, ``SignatureNonce``, ``SecurityToken``
  among the parameters;
- V1 ROA: ``Authorization: acs AK:sig``, ``Date`` (RFC 2616), ``x-acs-security-token``, and
  ``x-acs-signature-nonce`` when the client sends one. aliyun-python-sdk-core's ROA requests
  carry none, and the real gateways serve them, so there the signature itself stands in for
  the nonce: the same signed request is not served twice.
"""

from __future__ import annotations

import calendar
import functools
import json
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from armstui.sandbox import iam, signing
from armstui.sandbox.errors import ApiError

if TYPE_CHECKING:
    from aiohttp import web

    from armstui.sandbox.api import Operation
    from armstui.sandbox.state import SandboxState

MAX_SKEW_SECONDS = 15 * 60
MAX_JSON_DEPTH = 32

Params = list[tuple[str, str]]


def _bad_body(why: str) -> ApiError:
    return ApiError(400, "InvalidParameter.Body", f"The request body is invalid: {why}.")


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_body(request: web.Request, body: bytes) -> tuple[Params, Any]:
    """The request's parameters (query, then a form body) and its JSON body (or None)."""
    params = parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)
    content_type = request.headers.get("content-type", "")
    if not body:
        return params, None
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_body("a form body must be UTF-8") from None
        return params + parse_qsl(text, keep_blank_values=True), None
    if content_type.startswith("application/json"):
        try:
            payload = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _bad_body("a JSON body must be UTF-8") from None
        except RecursionError:
            raise _bad_body(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
        except json.JSONDecodeError:
            raise ApiError(400, "InvalidParameter", "The request body is not valid JSON.") from None
        if _depth(payload) > MAX_JSON_DEPTH:
            raise _bad_body(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return params, payload
    return params, None


@functools.lru_cache(maxsize=64)  # requests signed in the same second share their date
def parse_acs_date(value: str) -> float:
    try:
        return calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, TypeError):
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f"Specified time stamp or date value {value!r} is not well formatted.",
        ) from None


def _parse_http_date(value: str) -> float:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (ValueError, TypeError, IndexError):
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f"Specified Date header {value!r} is not an RFC 2616 date.",
        ) from None


def _check_time(sent: float, now: float, shown: str) -> None:
    if abs(now - sent) > MAX_SKEW_SECONDS:
        raise ApiError(
            400,
            "InvalidTimeStamp.Expired",
            f"Specified time stamp or date value is expired: {shown} is more than 15 minutes from the server time.",
        )


def _check_nonce(state: SandboxState, nonce: str | None, now: float) -> None:
    if not nonce:
        raise ApiError(400, "MissingParameter", "SignatureNonce is required.")
    if not state.store.use_nonce(nonce, now, MAX_SKEW_SECONDS):
        raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")


def authenticate(
    state: SandboxState, request: web.Request, body: bytes, params: Params, op: Operation
) -> iam.Principal:
    """The principal who signed this request, or the real error."""
    headers = request.headers
    authorization = headers.get("Authorization", "")
    query = dict(params)
    now = state.clock.now()
    if authorization.startswith(signing.ROA_V1_PREFIX):
        return _roa_v1(state, request, body, authorization, now)
    if not authorization and "Signature" in query:
        return _rpc_v1(state, request, params, now)
    auth = signing.parse_authorization(authorization)
    date = headers.get("x-acs-date", "")
    _check_time(parse_acs_date(date), now, date)
    principal, secret = iam.authenticate(
        state.store, auth.access_key_id, headers.get("x-acs-security-token"), now
    )
    signing.verify(
        auth,
        secret,
        request.method,
        request.rel_url.raw_path,
        request.rel_url.raw_query_string,
        headers,
        body,
    )
    _check_nonce(state, headers.get("x-acs-signature-nonce"), now)
    return principal


def _rpc_v1(state: SandboxState, request: web.Request, params: Params, now: float) -> iam.Principal:
    query = dict(params)
    signing.check_v1_method(query.get("SignatureMethod"), query.get("SignatureVersion"))
    access_key_id = query.get("AccessKeyId")
    if not access_key_id:
        raise ApiError(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    stamp = query.get("Timestamp", "")
    _check_time(parse_acs_date(stamp), now, stamp)
    token = query.get("SecurityToken") or request.headers.get("x-acs-security-token")
    principal, secret = iam.authenticate(state.store, access_key_id, token, now)
    signing.verify_rpc_v1(secret, request.method, params, query["Signature"])
    _check_nonce(state, query.get("SignatureNonce"), now)
    return principal


def _roa_v1(
    state: SandboxState, request: web.Request, body: bytes, authorization: str, now: float
) -> iam.Principal:
    headers = request.headers
    access_key_id, signature = signing.parse_roa_v1(authorization)
    signing.check_v1_method(
        headers.get("x-acs-signature-method"), headers.get("x-acs-signature-version")
    )
    date = headers.get("Date", "")
    _check_time(_parse_http_date(date), now, date)
    principal, secret = iam.authenticate(
        state.store, access_key_id, headers.get("x-acs-security-token"), now
    )
    query = parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)
    path = unquote(request.rel_url.raw_path)
    signing.verify_roa_v1(secret, signature, request.method, path, query, headers, body)
    _check_nonce(state, headers.get("x-acs-signature-nonce") or f"roa-v1:{signature}", now)
    return principal
