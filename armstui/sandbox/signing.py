"""ACS3-HMAC-SHA256: the V3 request signature every official SDK sends by default.

Source: ``Utils.get_authorization`` in alibabacloud_tea_openapi/utils.py (0.4.6) and
https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
in short:

1. canonical URI: the raw request path as sent (ROA path parameters are already
   percent-encoded by the client; the server must not decode them), ``/`` when empty;
2. canonical query: every parameter, sorted by name, ``name=value`` with the value
   encoded as RFC 3986 (``quote(v, safe='~')``), joined by ``&``; the wire URL uses
   ``quote_plus`` so a server parses the query first, then re-encodes it;
3. canonical headers: each header named in ``SignedHeaders``, lower-cased, value trimmed,
   ``name:value\\n``, sorted;
4. canonical request = METHOD, URI, QUERY, HEADERS, SIGNED_HEADERS, HASHED_PAYLOAD joined by
   ``\\n``, where HASHED_PAYLOAD is the hex SHA-256 of the body (also sent as
   ``x-acs-content-sha256``);
5. string to sign = ``ACS3-HMAC-SHA256\\n`` + hex(SHA-256(canonical request));
6. signature = hex(HMAC-SHA256(secret, string to sign));
7. ``Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>``.

The gateways also accept the older V1 signatures (HMAC-SHA1), which aliyun-python-sdk-core, the
``aliyun`` CLI and alibabacloud-credentials' RamRoleArn provider send:

- RPC: the parameters ``AccessKeyId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``,
  ``SignatureNonce``, ``Timestamp`` (and ``SecurityToken``) travel with the others, in the
  query or the form body; string to sign = ``METHOD&%2F&`` + pct(the sorted ``pct(k)=pct(v)``
  pairs joined by ``&``, all parameters but ``Signature``), with pct the RFC 3986 encoding;
  ``Signature`` = base64(HMAC-SHA1(secret + "&", string to sign)) (aliyunsdkcore
  ``rpc_signature_composer``, alibabacloud_tea_openapi ``Utils.get_rpcsignature``).
- ROA: ``Authorization: acs <AK>:<base64 HMAC-SHA1(secret, string to sign)>``; string to sign =
  METHOD, Accept, Content-MD5, Content-Type, Date, each followed by ``\n``, then every
  ``x-acs-*`` header lower-cased and sorted as ``name:value\n``, then the resource: the
  decoded path and, when there is a query, ``?`` and the sorted ``k=v`` pairs (raw) joined by
  ``&`` (aliyunsdkcore ``roa_signature_composer``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from armstui.sandbox.errors import ApiError

ALGORITHM = "ACS3-HMAC-SHA256"
# Headers a signature must cover so that it binds the call to its action and time.
REQUIRED_SIGNED = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
)


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str | None) -> Authorization:
    """Parse the Authorization header; a missing or garbled one is refused the real way."""
    if not value:
        raise ApiError(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ApiError(
            400,
            "IncompleteSignature",
            f"The request signature algorithm {algorithm!r} is not supported; use {ALGORITHM}.",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, val = part.strip().partition("=")
        if sep:
            fields[name] = val
    credential = fields.get("Credential", "")
    if not credential:
        raise ApiError(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    if "SignedHeaders" not in fields or "Signature" not in fields:
        raise ApiError(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards: SignedHeaders and Signature are required.",
        )
    signed = tuple(h for h in fields["SignedHeaders"].split(";") if h)
    return Authorization(credential, signed, fields["Signature"])


def canonical_query(raw_query: str) -> str:
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)


def string_to_sign(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload_hash: str,
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(
        f"{name}:{lower.get(name, '').strip()}\n" for name in sorted(signed_headers)
    )
    canonical_request = "\n".join(
        [
            method.upper(),
            raw_path or "/",
            canonical_query(raw_query),
            canonical_headers,
            ";".join(sorted(signed_headers)),
            payload_hash,
        ]
    )
    return f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def verify(
    auth: Authorization,
    secret: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Raise the real error unless the request was signed with ``secret``."""
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in REQUIRED_SIGNED if h not in auth.signed_headers]
    if missing:
        raise ApiError(
            400,
            "IncompleteSignature",
            f"The request signature does not conform to Aliyun standards: headers {', '.join(missing)} must be signed.",
        )
    payload_hash = hashlib.sha256(body).hexdigest()
    if lower.get("x-acs-content-sha256", "").lower() != payload_hash:
        raise ApiError(
            400,
            "SignatureDoesNotMatch",
            "Specified signature does not match our calculation: x-acs-content-sha256 is not the SHA-256 of the body.",
        )
    expected = sign(
        secret,
        string_to_sign(method, raw_path, raw_query, lower, auth.signed_headers, payload_hash),
    )
    if not hmac.compare_digest(expected, auth.signature.lower()):
        raise ApiError(
            400, "SignatureDoesNotMatch", "Specified signature does not match our calculation."
        )


# --- V1 (HMAC-SHA1) -----------------------------------------------------------------------

V1_METHOD = "HMAC-SHA1"
V1_VERSION = "1.0"
ROA_V1_PREFIX = "acs "


def _pct(text: str) -> str:
    return quote(text, safe="~")


def rpc_v1_string_to_sign(method: str, params: Sequence[tuple[str, str]]) -> str:
    pairs = sorted((k, v) for k, v in params if k != "Signature")
    canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in pairs)
    return f"{method.upper()}&%2F&{_pct(canonical)}"


def sign_v1(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _v1_mismatch(text: str, token: str | None) -> ApiError:
    """The real refusal, which ends with the server's string to sign after a colon (clients
    such as aliyun-python-sdk-core compare it with theirs to tell a wrong secret from a wrong
    encoding); a security token in it is masked, as the answer may end up in a log."""
    if token:
        text = text.replace(_pct(_pct(token)), "***").replace(_pct(token), "***")
        text = text.replace(token, "***")
    return ApiError(
        400,
        "SignatureDoesNotMatch",
        f"Specified signature is not matched with our calculation. server string to sign is:{text}",
    )


def check_v1_method(method: str | None, version: str | None) -> None:
    if method != V1_METHOD:
        raise ApiError(
            400,
            "IncompleteSignature",
            f"The request signature method {method!r} is not supported; use {V1_METHOD}.",
        )
    if version != V1_VERSION:
        raise ApiError(
            400,
            "IncompleteSignature",
            f"The request signature version {version!r} is not supported; use {V1_VERSION}.",
        )


def verify_rpc_v1(
    secret: str, method: str, params: Sequence[tuple[str, str]], signature: str
) -> None:
    """Raise the real error unless the RPC parameters were V1-signed with ``secret``."""
    text = rpc_v1_string_to_sign(method, params)
    if not hmac.compare_digest(sign_v1(secret + "&", text), signature):
        raise _v1_mismatch(text, dict(params).get("SecurityToken"))


def parse_roa_v1(value: str) -> tuple[str, str]:
    """``acs <AK>:<signature>`` -> (AccessKeyId, signature)."""
    access_key_id, sep, signature = value[len(ROA_V1_PREFIX) :].strip().partition(":")
    if not access_key_id:
        raise ApiError(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    if not sep or not signature:
        raise ApiError(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards: acs <AK>:<signature>.",
        )
    return access_key_id, signature


def roa_v1_string_to_sign(
    method: str, path: str, query: Sequence[tuple[str, str]], headers: Mapping[str, str]
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [method.upper()] + [
        lower.get(h, "") for h in ("accept", "content-md5", "content-type", "date")
    ]
    acs = "".join(f"{k}:{lower[k]}\n" for k in sorted(k for k in lower if k.startswith("x-acs-")))
    resource = path
    if query:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in sorted(query))
    return "\n".join(lines) + "\n" + acs + resource


def verify_roa_v1(
    secret: str,
    signature: str,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Raise the real error unless the ROA request was V1-signed with ``secret``; a body must
    come with its Content-MD5, as the signature covers the body only through it."""
    lower = {k.lower(): v for k, v in headers.items()}
    if body:
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        if lower.get("content-md5", "") != md5:
            raise ApiError(
                400,
                "InvalidContentMD5",
                "Content-MD5 is missing or is not the MD5 of the request body.",
            )
    text = roa_v1_string_to_sign(method, path, query, headers)
    if not hmac.compare_digest(sign_v1(secret, text), signature):
        raise _v1_mismatch(text, lower.get("x-acs-security-token"))
