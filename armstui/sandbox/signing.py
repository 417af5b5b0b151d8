"""ACS3-HMAC-SHA256: the V3 request signature every official SDK sends by default.

Source: ``Utils.get_authorization`` in alibabacloud_tea_openapi/utils.py (0.4.6) and
https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
summarised in shared/reference/alibaba-cloud-api-details.md §1:

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
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
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
