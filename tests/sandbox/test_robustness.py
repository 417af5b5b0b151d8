"""The emulator's own robustness: admin endpoints (loopback only, validated values), bodies it
cannot read, nonces across a restart, slow clients, the database files' modes, the call log."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from Tea.exceptions import TeaException

from armstui.sandbox import signing
from armstui.sandbox.server import SandboxApp
from armstui.sandbox.state import open_state
from tests.support.sandbox import RunningSandbox, serving

# --- admin endpoints ----------------------------------------------------------------------


def _admin(sandbox: RunningSandbox, path: str, body: Any) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"http://{sandbox.endpoint}/__sandbox/{path}", data=data, timeout=5)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("clock", {"speed": "nan"}, "speed"),
        ("clock", {"speed": "inf"}, "speed"),
        ("clock", {"speed": 0}, "speed"),
        ("clock", {"speed": -2}, "speed"),
        ("clock", {"speed": True}, "speed"),
        ("clock", {"speed": [1]}, "speed"),
        ("clock", {}, "speed"),
        ("faults", {"latency": "nanms"}, "latency"),
        ("faults", {"latency": "infms"}, "latency"),
        ("faults", {"latency": "10-1e300ms"}, "latency"),
        ("faults", {"latency": "3600000ms"}, "latency"),
        ("faults", {"throttle": "nan"}, "throttle"),
        ("faults", {"5xx": 1.5}, "5xx"),
        ("faults", {"drop": -0.1}, "drop"),
        ("faults", {"bogus": 1}, "bogus"),
    ],
)
def test_admin_values_are_validated_naming_the_field(
    sandbox: RunningSandbox, path: str, body: dict[str, Any], field: str
) -> None:
    speed = sandbox.state.clock.speed
    answer = _admin(sandbox, path, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and field in answer.json()["error"]
    assert sandbox.state.clock.speed == speed
    assert sandbox.state.faults.spec.latency == (0.0, 0.0)


def test_admin_json_nested_too_deep_is_a_400(sandbox: RunningSandbox) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("faults", "clock"):
        answer = _admin(sandbox, path, deep)
        assert answer.status_code == 400 and answer.json()["field"] == "body"


def test_admin_accepts_good_values(sandbox: RunningSandbox) -> None:
    assert _admin(sandbox, "clock", {"speed": 250}).json() == {"ok": True, "speed": 250.0}
    assert _admin(sandbox, "faults", {"latency": "1-2ms"}).status_code == 200
    assert sandbox.state.faults.spec.latency == (0.001, 0.002)


@pytest.mark.parametrize(
    ("remote", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("10.1.2.3", False), ("203.0.113.5", False)],
)
def test_admin_endpoints_answer_loopback_clients_only(remote: str, allowed: bool) -> None:
    app = SandboxApp(open_state(None))
    request = make_mocked_request("POST", "/__sandbox/clock").clone(remote=remote)
    reached = []

    async def handler(_: web.Request) -> web.Response:
        reached.append(True)
        return web.json_response({"ok": True})

    answer = asyncio.run(app._loopback_admin(request, handler))
    assert (answer.status == 200) is allowed and bool(reached) is allowed
    if not allowed:
        assert answer.status == 403


# --- bodies the sandbox cannot read -------------------------------------------------------


def _v3(
    sandbox: RunningSandbox,
    action: str,
    version: str,
    *,
    method: str = "POST",
    path: str = "/",
    body: bytes = b"",
    content_type: str | None = None,
    alias: str = "source",
    nonce: str | None = None,
) -> dict[str, str]:
    """V3 headers for a hand-made request, so a test controls every byte of it."""
    account = sandbox.accounts[alias]
    headers = {
        "host": sandbox.endpoint,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    if content_type:
        headers["content-type"] = content_type
    names = tuple(sorted(headers))
    text = signing.string_to_sign(method, path, "", headers, names, headers["x-acs-content-sha256"])
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={account['access_key_id']},"
        f"SignedHeaders={';'.join(names)},Signature={signing.sign(account['access_key_secret'], text)}"
    )
    return headers


def _send(sandbox: RunningSandbox, headers: dict[str, str], body: bytes, **kw: Any) -> Any:
    method, path = kw.get("method", "POST"), kw.get("path", "/")
    return requests.request(
        method, f"http://{sandbox.endpoint}{path}", headers=headers, data=body, timeout=5
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"UserName=\xff\xfe", "application/x-www-form-urlencoded"),
        (b'{"a": "\xff"}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"[" * 40 + b"]" * 40, "application/json"),
    ],
)
def test_unreadable_bodies_are_a_400_with_a_code(
    sandbox: RunningSandbox, body: bytes, content_type: str
) -> None:
    headers = _v3(sandbox, "GetCallerIdentity", "2015-04-01", body=body, content_type=content_type)
    answer = _send(sandbox, headers, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["Code"] == "InvalidParameter.Body"


@pytest.mark.parametrize("config", [123, {"uid": "1"}, ["a"], True])
def test_a_cs_config_that_is_not_a_string_is_a_400(sandbox: RunningSandbox, config: Any) -> None:
    cluster = sandbox.state.store.list("cs.cluster")[0]["cluster_id"]
    path = f"/clusters/{cluster}/components/ack-onepilot/config"
    body = json.dumps({"config": config}).encode()
    headers = _v3(
        sandbox,
        "ModifyClusterAddon",
        "2015-12-15",
        method="POST",
        path=path,
        body=body,
        content_type="application/json; charset=utf-8",
    )
    answer = _send(sandbox, headers, body, path=path)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "InvalidParameter.Config"


# --- nonces, slow clients, files ------------------------------------------------------------


def test_a_nonce_is_refused_after_a_restart(tmp_path: Path) -> None:
    state = open_state(tmp_path / "state")
    try:
        with serving(state) as running:
            headers = _v3(running, "GetCallerIdentity", "2015-04-01")
            assert _send(running, headers, b"").status_code == 200
    finally:
        state.store.close()
    state = open_state(tmp_path / "state")
    try:
        with serving(state) as running:
            headers["host"] = running.endpoint  # the same signed request, replayed
            replay = _v3(
                running, "GetCallerIdentity", "2015-04-01", nonce=headers["x-acs-signature-nonce"]
            )
            answer = _send(running, replay, b"")
            assert answer.json()["Code"] == "SignatureNonceUsed"
    finally:
        state.store.close()


def test_old_nonces_are_pruned_and_recent_ones_kept(tmp_path: Path) -> None:
    from armstui.sandbox.store import Store

    store = Store(tmp_path / "s.db")
    assert store.use_nonce("old", 0.0, 900)
    assert not store.use_nonce("old", 100.0, 900)
    for n in range(1000):  # enough uses to trigger a prune
        assert store.use_nonce(f"n{n}", 5000.0, 900)
    assert store.nonce_count() == 1000  # "old" (seen at 0) is gone
    assert store.use_nonce("old", 5000.0, 900)


def test_a_client_that_never_finishes_its_headers_is_disconnected() -> None:
    with serving(open_state(None), header_timeout=0.2) as running:
        with socket.create_connection(("127.0.0.1", running.server.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nx-acs-action: Get")
            assert sock.recv(1024) == b""  # closed by the server, not by our 10 s timeout


def test_the_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    state = open_state(tmp_path / "state")
    state.store.put("k", "x", {"v": 1})
    try:
        for name in ("sandbox.db", "sandbox.db-wal", "sandbox.db-shm"):
            path = tmp_path / "state" / name
            assert path.exists(), name
            assert (path.stat().st_mode & 0o777) == 0o600, name
    finally:
        state.store.close()


# --- the call log ---------------------------------------------------------------------------


def test_the_call_log_says_who_called_what_and_never_a_secret(sandbox: RunningSandbox) -> None:
    sandbox.client("sts", "monitoring").get_caller_identity()
    wrong = sandbox.client(
        "sts",
        access_key_id=sandbox.accounts["source"]["access_key_id"],
        access_key_secret="not-the-secret",
    )
    with pytest.raises(TeaException):
        wrong.get_caller_identity()
    answer = requests.get(f"http://{sandbox.endpoint}/__sandbox/calls", timeout=5)
    calls = answer.json()
    assert calls[-2] | {"time": None} == {
        "time": None,
        "account": sandbox.uid("monitoring"),
        "principal": "root",
        "action": "GetCallerIdentity",
        "service": "sts",
        "http_status": 200,
        "error_code": "",
    }
    assert calls[-1]["error_code"] == "SignatureDoesNotMatch" and calls[-1]["http_status"] == 400
    assert calls[-1]["account"] is None and calls[-1]["action"] == "GetCallerIdentity"
    text = answer.text
    for account in sandbox.accounts.values():
        assert account["access_key_secret"] not in text
        assert account["access_key_id"] not in text


def test_the_call_log_keeps_the_last_n(monkeypatch: pytest.MonkeyPatch) -> None:
    from armstui.sandbox import server as server_module

    monkeypatch.setattr(server_module, "CALL_LOG_SIZE", 3)
    with serving(open_state(None)) as running:
        for alias in ("monitoring", "monitoring", "source", "outsider", "source"):
            running.client("sts", alias).get_caller_identity()
        calls = requests.get(f"http://{running.endpoint}/__sandbox/calls", timeout=5).json()
        assert [c["account"] for c in calls] == [
            running.uid("source"),
            running.uid("outsider"),
            running.uid("source"),
        ]


def test_a_handler_bug_is_answered_in_the_real_shape(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    operations = sandbox.server.app.operations
    key = ("2015-04-01", "GetCallerIdentity")

    def broken(call: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setitem(operations, key, dataclasses.replace(operations[key], handler=broken))
    answer = _send(sandbox, _v3(sandbox, "GetCallerIdentity", "2015-04-01"), b"")
    assert answer.status_code == 500
    assert answer.json()["Code"] == "InternalError" and answer.json()["RequestId"]
