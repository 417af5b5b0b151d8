"""Fixtures shared by the whole suite.

Every test runs with a temporary HOME and XDG dirs, no ALIBABA_CLOUD_* variables and no
PYTHON_KEYRING_BACKEND, so nothing of the developer's machine leaks in or gets written.
Tests that need the keyring ask for `secret_service`: a real D-Bus session bus with
gnome-keyring's Secret Service, started once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from armstui.accounts import open_sandbox_workspace
from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox

# The count of inputs the bad-input properties tried, summed over xdist workers and printed
# at the end of any run: a plugin, so the controller has all of its hooks.
pytest_plugins = ["tests.reliability.inputs_report"]

_CLEARED_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_", "ARMSTUI_")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in list(os.environ):
        if name.startswith(_CLEARED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    # Without a bus, SecretService is not viable: tests that want it ask for it.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    return home


class SecretServiceUnavailable(RuntimeError):
    pass


def _start_secret_service(root: Path) -> tuple[str, list[int]]:
    missing = [b for b in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(b) is None]
    if missing:
        raise SecretServiceUnavailable(
            f"{', '.join(missing)} not found: install the Debian packages gnome-keyring and "
            "dbus-daemon (scripts/test.sh does it) so the vault is tested against a real "
            "Secret Service"
        )
    env = dict(
        os.environ,
        HOME=str(root),
        XDG_DATA_HOME=str(root / "data"),
        XDG_RUNTIME_DIR=str(root / "run"),
        XDG_CONFIG_HOME=str(root / "config"),
    )
    (root / "run").mkdir(mode=0o700)
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.split()
    address, bus_pid = out[0], int(out[1])
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_proc = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input="armstui-test",
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if keyring_proc.returncode != 0:
        os.kill(bus_pid, 15)
        raise SecretServiceUnavailable(f"gnome-keyring-daemon failed: {keyring_proc.stderr}")
    pids = [bus_pid]
    found = subprocess.run(
        ["pgrep", "-f", "-u", str(os.getuid()), "gnome-keyring-daemon"],
        capture_output=True,
        text=True,
    )
    # Only our own daemon: pytest-xdist workers each start one, and killing another
    # worker's at the end of this session locked its keyring under its running tests.
    pids += [int(p) for p in found.stdout.split() if _started_under(int(p), root)]
    _wait_until_served(address)
    return address, pids


def _wait_until_served(address: str, timeout: float = 20.0) -> None:
    """Until the daemon owns org.freedesktop.secrets on the bus: with several test workers
    starting at once on two cores that takes seconds, and a test that came first found
    no Secret Service."""
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import check_service_availability

    deadline = time.monotonic() + timeout
    while True:
        try:
            with open_dbus_connection(address, auth_timeout=5.0) as connection:
                if check_service_availability(connection):
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise SecretServiceUnavailable(
                f"gnome-keyring-daemon did not come up on {address} in {timeout:g} s"
            )
        time.sleep(0.1)


def _started_under(pid: int, home: Path) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"HOME={home}".encode() in environ


@pytest.fixture(scope="session")
def _secret_service_bus() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="armstui-secret-service-"))
    address, pids = _start_secret_service(root)
    try:
        yield address
    finally:
        for pid in pids:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def secret_service(_secret_service_bus: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real, unlocked Secret Service on a private session bus (gnome-keyring)."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_bus)
    return _secret_service_bus


SANDBOX_SPEED = 200.0  # simulated durations run 200x faster in tests


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A fresh sandbox (default world, in memory) serving on a loopback port."""
    from armstui.sandbox.state import open_state
    from tests.support.sandbox import serving

    with serving(open_state(None, speed=SANDBOX_SPEED)) as running:
        yield running


@pytest.fixture
def state_dir(sandbox: RunningSandbox, tmp_path: Path) -> Path:
    """A sandbox state dir whose sandbox.json names the running test sandbox, so anything
    opened with `--sandbox-state` on it (the CLI in- or out-of-process, the app) uses it."""
    directory = tmp_path / "sandbox-state"
    sandbox.write_description(directory)
    return directory


@pytest.fixture
def workspace(state_dir: Path) -> Iterator[Workspace]:
    """A workspace on the test sandbox, exactly as `armstui --sandbox` opens one."""
    ws = open_sandbox_workspace(state_dir / "sandbox.json")
    try:
        yield ws
    finally:
        ws.close()
