"""The sandbox's wire protocol, authentication and error shape, through the official SDKs."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid

import pytest
from Tea.exceptions import TeaException

from armstui.sandbox import signing
from tests.support.sandbox import RunningSandbox


def test_sync_and_async_clients_are_served(sandbox: RunningSandbox) -> None:
    sts = sandbox.client("sts", "monitoring")
    body = sts.get_caller_identity().body
    assert body.account_id == sandbox.uid("monitoring")
    assert body.identity_type == "Account"
    assert body.arn == f"acs:ram::{sandbox.uid('monitoring')}:root"

    async def call() -> str:
        return (await sts.get_caller_identity_async()).body.account_id

    assert asyncio.run(call()) == sandbox.uid("monitoring")


def test_every_response_has_a_unique_request_id(sandbox: RunningSandbox) -> None:
    sts = sandbox.client("sts", "source")
    ids = {sts.get_caller_identity().body.request_id for _ in range(5)}
    assert len(ids) == 5


def _error(fn) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn()
    return info.value


def test_wrong_secret_is_signature_does_not_match(sandbox: RunningSandbox) -> None:
    key = sandbox.accounts["monitoring"]["access_key_id"]
    sts = sandbox.client("sts", access_key_id=key, access_key_secret="not-the-secret")
    err = _error(sts.get_caller_identity)
    assert err.code == "SignatureDoesNotMatch"
    assert err.status_code == 400
    assert err.request_id and err.data["HostId"] and err.data["Recommend"]


def test_unknown_key_is_not_found(sandbox: RunningSandbox) -> None:
    sts = sandbox.client("sts", access_key_id="LTAI" + "x" * 20, access_key_secret="s" * 30)
    err = _error(sts.get_caller_identity)
    assert (err.code, err.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_inactive_key_is_refused(sandbox: RunningSandbox) -> None:
    key_id = sandbox.accounts["outsider"]["access_key_id"]
    record = sandbox.state.store.get("ram.accesskey", key_id)
    record["Status"] = "Inactive"
    sandbox.state.store.put("ram.accesskey", key_id, record)
    err = _error(sandbox.client("sts", "outsider").get_caller_identity)
    assert err.code == "InvalidAccessKeyId.Inactive"


def test_garbled_and_missing_authorization(sandbox: RunningSandbox) -> None:
    import requests

    url = f"http://{sandbox.endpoint}/"
    base = {"x-acs-action": "GetCallerIdentity", "x-acs-version": "2015-04-01"}
    missing = requests.post(url, headers=base, timeout=5)
    assert (missing.status_code, missing.json()["Code"]) == (400, "MissingAccessKeyId")
    garbled = requests.post(
        url, headers={**base, "Authorization": "ACS3-HMAC-SHA256 nonsense"}, timeout=5
    )
    assert garbled.json()["Code"] in ("MissingAccessKeyId", "IncompleteSignature")
    other = requests.post(url, headers={**base, "Authorization": "Bearer abc"}, timeout=5)
    assert other.json()["Code"] == "IncompleteSignature"


def _signed_headers(sandbox: RunningSandbox, alias: str, date: str, nonce: str) -> dict[str, str]:
    """Sign a GetCallerIdentity by hand, to control the date and nonce (the SDK sets both)."""
    account = sandbox.accounts[alias]
    headers = {
        "host": sandbox.endpoint,
        "x-acs-action": "GetCallerIdentity",
        "x-acs-version": "2015-04-01",
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    names = tuple(sorted(headers))
    text = signing.string_to_sign("POST", "/", "", headers, names, headers["x-acs-content-sha256"])
    sig = signing.sign(account["access_key_secret"], text)
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={account['access_key_id']},SignedHeaders={';'.join(names)},Signature={sig}"
    )
    return headers


def test_a_hand_signed_request_matches_the_sdk_algorithm(sandbox: RunningSandbox) -> None:
    import requests

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ok = requests.post(
        f"http://{sandbox.endpoint}/",
        headers=_signed_headers(sandbox, "source", now, uuid.uuid4().hex),
        timeout=5,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["AccountId"] == sandbox.uid("source")


def test_time_skew_over_15_minutes_is_refused(sandbox: RunningSandbox) -> None:
    import requests

    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 16 * 60))
    r = requests.post(
        f"http://{sandbox.endpoint}/",
        headers=_signed_headers(sandbox, "source", stale, uuid.uuid4().hex),
        timeout=5,
    )
    assert (r.status_code, r.json()["Code"]) == (400, "InvalidTimeStamp.Expired")


def test_a_replayed_nonce_is_refused(sandbox: RunningSandbox) -> None:
    import requests

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    headers = _signed_headers(sandbox, "source", now, uuid.uuid4().hex)
    first = requests.post(f"http://{sandbox.endpoint}/", headers=headers, timeout=5)
    again = requests.post(f"http://{sandbox.endpoint}/", headers=headers, timeout=5)
    assert first.status_code == 200
    assert again.json()["Code"] == "SignatureNonceUsed"


def test_tampered_body_hash_is_refused(sandbox: RunningSandbox) -> None:
    import requests

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    headers = _signed_headers(sandbox, "source", now, uuid.uuid4().hex)
    r = requests.post(f"http://{sandbox.endpoint}/", headers=headers, data=b"extra=1", timeout=5)
    assert r.json()["Code"] == "SignatureDoesNotMatch"


def test_unknown_action_is_not_found(sandbox: RunningSandbox) -> None:
    import requests

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    headers = _signed_headers(sandbox, "source", now, uuid.uuid4().hex)
    headers["x-acs-action"] = "NoSuchThing"
    r = requests.post(f"http://{sandbox.endpoint}/", headers=headers, timeout=5)
    assert (r.status_code, r.json()["Code"]) == (404, "InvalidAction.NotFound")
