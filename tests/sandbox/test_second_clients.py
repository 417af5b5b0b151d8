"""Clients that sign V1 (HMAC-SHA1), served with the same checks as V3: aliyun-python-sdk-core's
AcsClient + CommonRequest (an RPC and a ROA call), and alibabacloud-credentials' RamRoleArn
provider, which calls STS AssumeRole over hard-coded https (so the sandbox serves TLS too)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from alibabacloud_credentials.provider.ram_role_arn import RamRoleArnCredentialsProvider
from alibabacloud_ram20150501 import models as ram
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from armstui.sandbox import signing
from armstui.sandbox.state import open_state
from armstui.sandbox.tls import ensure_certificate
from tests.support.sandbox import RunningSandbox, serving, trusting

REGION = "cn-hangzhou"


def _acs(sandbox: RunningSandbox, alias: str | None = None, **credentials: Any) -> AcsClient:
    port = int(sandbox.endpoint.rsplit(":", 1)[1])
    if alias is not None:
        account = sandbox.accounts[alias]
        credentials = {"ak": account["access_key_id"], "secret": account["access_key_secret"]}
    return AcsClient(region_id=REGION, port=port, auto_retry=False, **credentials)


def _rpc(action: str, version: str = "2015-04-01") -> CommonRequest:
    request = CommonRequest(domain="127.0.0.1", version=version, action_name=action)
    request.set_protocol_type("http")
    request.set_method("POST")
    return request


def _roa(action: str, method: str, path: str) -> CommonRequest:
    request = CommonRequest(
        domain="127.0.0.1", version="2015-12-15", action_name=action, uri_pattern=path
    )
    request.set_protocol_type("http")
    request.set_method(method)
    return request


def test_sdk_core_rpc_call(sandbox: RunningSandbox) -> None:
    body = json.loads(_acs(sandbox, "source").do_action_with_exception(_rpc("GetCallerIdentity")))
    assert (body["AccountId"], body["IdentityType"]) == (sandbox.uid("source"), "Account")


def test_sdk_core_with_the_wrong_secret_is_refused(sandbox: RunningSandbox) -> None:
    client = _acs(sandbox, ak=sandbox.accounts["source"]["access_key_id"], secret="not-the-secret")
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(_rpc("GetCallerIdentity"))
    # The SDK reads the server's string to sign after the message's colon (an IndexError when
    # there is none), to tell a wrong secret from a wrong encoding.
    assert info.value.get_error_code() == "SignatureDoesNotMatch"
    assert "server string to sign is:POST&%2F&" in info.value.get_error_msg()


def test_sdk_core_roa_calls_with_a_query_and_a_body(sandbox: RunningSandbox) -> None:
    client = _acs(sandbox, "source")
    listing = _roa("DescribeClustersV1", "GET", "/api/v1/clusters")
    listing.add_query_param("page_size", "50")
    clusters = json.loads(client.do_action_with_exception(listing))["clusters"]
    names = {c["name"]: c["cluster_id"] for c in clusters}
    assert {"shop-prod", "shop-staging"} <= set(names)

    modify = _roa(
        "ModifyClusterAddon", "POST", "/clusters/[ClusterId]/components/[ComponentId]/config"
    )
    modify.add_path_param("ClusterId", names["shop-staging"])
    modify.add_path_param("ComponentId", "ack-onepilot")
    modify.set_content_type("application/json")
    modify.set_content(json.dumps({"config": json.dumps({"logLevel": "debug"})}).encode())
    client.do_action_with_exception(modify)
    addon = sandbox.state.store.get("cs.addon", f"{names['shop-staging']}/ack-onepilot")
    assert addon is not None and addon["op"]["kind"] == "modify"  # the change is under way
    assert '"logLevel": "debug"' in json.dumps(addon["op"]).replace("\\", "")


# --- hand-signed V1 requests: the checks V3 gets ----------------------------------------------


def _rpc_v1_url(
    sandbox: RunningSandbox,
    alias: str,
    *,
    stamp: float | None = None,
    nonce: str | None = None,
    method: str = "HMAC-SHA1",
    secret: str | None = None,
) -> str:
    account = sandbox.accounts[alias]
    params = {
        "Action": "GetCallerIdentity",
        "Version": "2015-04-01",
        "Format": "JSON",
        "AccessKeyId": account["access_key_id"],
        "SignatureMethod": method,
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)),
    }
    text = signing.rpc_v1_string_to_sign("GET", list(params.items()))
    params["Signature"] = signing.sign_v1((secret or account["access_key_secret"]) + "&", text)
    return f"http://{sandbox.endpoint}/?{urlencode(params)}"


def test_rpc_v1_replay_time_and_method_are_checked(sandbox: RunningSandbox) -> None:
    url = _rpc_v1_url(sandbox, "source")
    assert requests.get(url, timeout=5).json()["AccountId"] == sandbox.uid("source")
    assert requests.get(url, timeout=5).json()["Code"] == "SignatureNonceUsed"
    stale = _rpc_v1_url(sandbox, "source", stamp=time.time() - 16 * 60)
    assert requests.get(stale, timeout=5).json()["Code"] == "InvalidTimeStamp.Expired"
    sha256 = _rpc_v1_url(sandbox, "source", method="HMAC-SHA256")
    assert requests.get(sha256, timeout=5).json()["Code"] == "IncompleteSignature"
    wrong = requests.get(_rpc_v1_url(sandbox, "source", secret="x" * 30), timeout=5).json()
    assert wrong["Code"] == "SignatureDoesNotMatch"
    assert wrong["Message"].split("server string to sign is:")[1].startswith("GET&%2F&")


def _roa_v1_headers(sandbox: RunningSandbox, path: str, stamp: float | None = None) -> Any:
    account = sandbox.accounts["source"]
    headers = {
        "Accept": "application/json",
        "Date": formatdate(stamp, usegmt=True),
        "x-acs-version": "2015-12-15",
        "x-acs-action": "DescribeClustersV1",
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
    }
    text = signing.roa_v1_string_to_sign("GET", path, [], headers)
    headers["Authorization"] = (
        f"acs {account['access_key_id']}:{signing.sign_v1(account['access_key_secret'], text)}"
    )
    return headers


def test_roa_v1_replay_and_time_are_checked(sandbox: RunningSandbox) -> None:
    url = f"http://{sandbox.endpoint}/api/v1/clusters"
    headers = _roa_v1_headers(sandbox, "/api/v1/clusters")
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    again = requests.get(url, headers=headers, timeout=5)
    assert (again.status_code, again.json()["code"]) == (400, "SignatureNonceUsed")
    stale = _roa_v1_headers(sandbox, "/api/v1/clusters", stamp=time.time() - 16 * 60)
    assert requests.get(url, headers=stale, timeout=5).json()["code"] == "InvalidTimeStamp.Expired"


def test_roa_v1_body_needs_its_content_md5(sandbox: RunningSandbox) -> None:
    account = sandbox.accounts["source"]
    body = b'{"config": "{}"}'
    headers = _roa_v1_headers(sandbox, "/api/v1/clusters")
    headers["Content-Type"] = "application/json"
    headers["Content-MD5"] = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    text = signing.roa_v1_string_to_sign("GET", "/api/v1/clusters", [], headers)
    headers["Authorization"] = (
        f"acs {account['access_key_id']}:{signing.sign_v1(account['access_key_secret'], text)}"
    )
    answer = requests.get(
        f"http://{sandbox.endpoint}/api/v1/clusters", headers=headers, data=body, timeout=5
    )
    assert answer.json()["code"] == "InvalidContentMD5"


# --- RamRoleArn over https, then the session's token through V1 --------------------------------


@pytest.fixture
def tls_sandbox(tmp_path: Path) -> Iterator[tuple[RunningSandbox, Path]]:
    files = ensure_certificate(tmp_path / "state")
    with serving(open_state(None), tls=files.server_context()) as running:
        yield running, files.cert


def _role_for_a_user_in_source(sandbox: RunningSandbox) -> tuple[str, dict[str, str]]:
    """A role in monitoring trusted by source, and a RAM user of source allowed AssumeRole."""
    trust = trusting(sandbox.uid("source"))
    arn = (
        sandbox.client("ram", "monitoring")
        .create_role(
            ram.CreateRoleRequest(
                role_name="v1-reader", assume_role_policy_document=json.dumps(trust)
            )
        )
        .body.role.arn
    )
    return arn, sandbox.user_key("source", "switcher", "AliyunSTSAssumeRoleAccess")


def test_ram_role_arn_provider_over_https_then_v1_with_the_token(
    tls_sandbox: tuple[RunningSandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, ca_cert = tls_sandbox
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_cert))  # trust the sandbox's own CA
    arn, user = _role_for_a_user_in_source(sandbox)
    provider = RamRoleArnCredentialsProvider(
        access_key_id=user["access_key_id"],
        access_key_secret=user["access_key_secret"],
        role_arn=arn,
        role_session_name="v1-session",
        sts_endpoint=sandbox.server.endpoint_https,
    )
    session = provider.get_credentials()
    assert session.get_access_key_id().startswith("STS.")
    calls = requests.get(f"http://{sandbox.endpoint}/__sandbox/calls", timeout=5).json()
    assert calls[-1] | {"time": None} == {
        "time": None,
        "account": sandbox.uid("source"),
        "principal": "user/switcher",
        "action": "AssumeRole",
        "service": "sts",
        "http_status": 200,
        "error_code": "",
    }

    credential = StsTokenCredential(
        session.get_access_key_id(), session.get_access_key_secret(), session.get_security_token()
    )
    client = _acs(sandbox, credential=credential)
    body = json.loads(client.do_action_with_exception(_rpc("GetCallerIdentity")))
    assert body["IdentityType"] == "AssumedRoleUser"
    assert body["Arn"].endswith(":assumed-role/v1-reader/v1-session")

    params = {
        "Action": "GetCallerIdentity",
        "Version": "2015-04-01",
        "AccessKeyId": session.get_access_key_id(),
        "SecurityToken": session.get_security_token(),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    text = signing.rpc_v1_string_to_sign("GET", list(params.items()))
    params["Signature"] = signing.sign_v1("not-the-secret&", text)
    refused = requests.get(f"http://{sandbox.endpoint}/?{urlencode(params)}", timeout=5)
    assert refused.json()["Code"] == "SignatureDoesNotMatch"
    assert "SecurityToken%3D***" in refused.text  # the token is not echoed back
    assert session.get_security_token()[:40] not in refused.text

    forged = StsTokenCredential(
        session.get_access_key_id(), session.get_access_key_secret(), "CAIS" + "x" * 60
    )
    with pytest.raises(ServerException) as info:
        _acs(sandbox, credential=forged).do_action_with_exception(_rpc("GetCallerIdentity"))
    assert info.value.get_error_code() == "InvalidSecurityToken.MismatchWithAccessKey"


def test_the_certificate_is_reused_and_private(tmp_path: Path) -> None:
    first = ensure_certificate(tmp_path)
    pem = first.cert.read_bytes()
    again = ensure_certificate(tmp_path)
    assert again.cert.read_bytes() == pem
    assert (first.key.stat().st_mode & 0o777) == 0o600
    other_host = ensure_certificate(tmp_path, "sandbox.example")  # not covered: a new one
    assert other_host.cert.read_bytes() != pem
