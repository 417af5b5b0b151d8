"""`armstui sandbox serve` as a separate process (the command-line contract in docs/architecture.md): it writes
STATE/sandbox.json (mode 0600) once it listens, any SDK client works with the credentials in it,
SIGTERM stops it with exit 0, and a restart on the same state finds everything as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from Tea.exceptions import TeaException

from armstui.sandbox.process import serve_argv, start_serving

STARTUP_TIMEOUT = 20.0


def _wait_description(proc: subprocess.Popen[str], path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        if proc.poll() is not None:
            raise AssertionError(
                f"serve exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.05)
    raise AssertionError("sandbox.json did not appear")


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM; the exit code and everything the process wrote (stdout + stderr)."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out + err


def _client(cls: Any, description: dict[str, Any], alias: str) -> Any:
    account = description["accounts"][alias]
    return cls(
        Config(
            access_key_id=account["access_key_id"],
            access_key_secret=account["access_key_secret"],
            endpoint=description["endpoint"],
            protocol="http",
            region_id=description["region"],
        )
    )


def test_serve_stop_and_restart_keep_the_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    path = state / "sandbox.json"
    proc = start_serving(state)
    try:
        described = _wait_description(proc, path)
        assert (path.stat().st_mode & 0o777) == 0o600
        assert (state.stat().st_mode & 0o777) == 0o700 and (
            os.stat(state / "sandbox.db").st_mode & 0o777
        ) == 0o600
        assert described["region"] == "cn-hangzhou" and described["endpoint"].startswith(
            "127.0.0.1:"
        )
        assert set(described["accounts"]) == {"monitoring", "source", "outsider"}
        for account in described["accounts"].values():
            assert (
                len(account["uid"]) == 16
                and account["access_key_id"]
                and account["access_key_secret"]
            )

        who = _client(StsClient, described, "source").get_caller_identity().body
        assert (who.account_id, who.identity_type) == (
            described["accounts"]["source"]["uid"],
            "Account",
        )
        _client(RamClient, described, "monitoring").create_user(
            ram.CreateUserRequest(user_name="survivor")
        )
        first_line = proc.stdout.readline() if proc.stdout else ""
    finally:
        code, output = _stop(proc)
    assert code == 0
    assert (
        "listening on http://" + described["endpoint"] in first_line
    )  # on stdout, as soon as it listens
    for account in described["accounts"].values():  # the secrets stay in the 0600 file
        assert account["access_key_secret"] not in first_line + output

    path.unlink()
    again = start_serving(state, "--faults", "throttle=1;only=ListUsers")
    try:
        restarted = _wait_description(again, path)
        assert restarted["accounts"] == described["accounts"]
        client = _client(RamClient, restarted, "monitoring")
        assert (
            client.get_user(ram.GetUserRequest(user_name="survivor")).body.user.user_name
            == "survivor"
        )
        with pytest.raises(TeaException) as info:  # --faults is in force
            client.list_users(ram.ListUsersRequest())
        assert info.value.code == "Throttling.User"
    finally:
        code, _ = _stop(again)
    assert code == 0


@pytest.mark.parametrize(
    ("faults", "named"),
    [("bogus=1", "bogus"), ("throttle=7", "throttle"), ("nonsense", "nonsense")],
)
def test_bad_faults_are_a_usage_error(tmp_path: Path, faults: str, named: str) -> None:
    proc = subprocess.run(
        serve_argv(tmp_path / "s", "--faults", faults), capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2
    assert "--faults" in proc.stderr and named in proc.stderr
    assert not (tmp_path / "s" / "sandbox.json").exists()


def test_a_busy_port_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            serve_argv(tmp_path / "s", "--port", str(port)),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 2 and f"127.0.0.1:{port}" in proc.stderr
    assert not (tmp_path / "s" / "sandbox.json").exists()


def test_serve_tls_names_its_https_endpoint_and_certificate(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = start_serving(state, "--tls")
    try:
        described = _wait_description(proc, state / "sandbox.json")
        ca_cert = Path(described["ca_cert"])
        assert ca_cert.parent == state / "tls" and described["endpoint_https"].startswith(
            "127.0.0.1:"
        )
        assert described["endpoint_https"] != described["endpoint"]
        health = requests.get(
            f"https://{described['endpoint_https']}/__sandbox/health",
            verify=str(ca_cert),
            timeout=5,
        )
        assert health.json()["ok"] is True  # the certificate is valid for the address served
        with pytest.raises(requests.exceptions.SSLError):  # and not trusted without it
            requests.get(f"https://{described['endpoint_https']}/__sandbox/health", timeout=5)
        assert requests.get(f"http://{described['endpoint']}/__sandbox/health", timeout=5).ok
        assert all((f.stat().st_mode & 0o777) == 0o600 for f in (state / "tls").iterdir())
    finally:
        code, _ = _stop(proc)
    assert code == 0
