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


SANDBOX_PASSPHRASE = "a sandbox passphrase"
CHEAP_SCRYPT_N = 2**12  # the default (2**17) costs 0.3-0.7 s per open; this about 0.02 s


def choose_file_vault(state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sandbox in ``state_dir`` keeps its secrets in its encrypted file vault, chosen in
    its config.toml and unlocked through ``ARMSTUI_VAULT_PASSPHRASE_FILE`` (so every armstui
    the test starts, in this process or another, opens it). The file is made here with a
    cheap key derivation, which it records: other processes derive as cheaply."""
    from armstui import profiles
    from armstui.secrets import file_vault

    passphrase_file = tmp_path / "pw"
    passphrase_file.write_text(SANDBOX_PASSPHRASE + "\n")
    passphrase_file.chmod(0o600)
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(passphrase_file))
    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    file_vault.FileVault(state_dir / "vault.enc", SANDBOX_PASSPHRASE)
    profiles.save(profiles.Config(vault="file"), state_dir / "config.toml")
    return passphrase_file


def sandbox_secrets(state_dir: Path) -> dict[str, str]:
    """Every secret the sandbox in ``state_dir`` holds in its encrypted file vault."""
    from armstui.secrets.file_vault import FileVault

    path = state_dir / "vault.enc"
    if not path.exists():
        return {}
    return FileVault(path, SANDBOX_PASSPHRASE)._load()  # noqa: SLF001 (the test reads it all)


@pytest.fixture
def bare_state_dir(sandbox: RunningSandbox, tmp_path: Path) -> Path:
    """A sandbox state dir whose sandbox.json names the running test sandbox and that has
    no vault chosen yet, as a fresh `armstui --sandbox` finds it."""
    directory = tmp_path / "sandbox-state"
    sandbox.write_description(directory)
    return directory


@pytest.fixture
def state_dir(bare_state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sandbox state dir whose sandbox.json names the running test sandbox, so anything
    opened with `--sandbox-state` on it (the CLI in- or out-of-process, the app) uses it;
    its secrets rest in its encrypted file vault (:func:`choose_file_vault`)."""
    choose_file_vault(bare_state_dir, tmp_path, monkeypatch)
    return bare_state_dir


@pytest.fixture
def workspace(state_dir: Path) -> Iterator[Workspace]:
    """A workspace on the test sandbox, exactly as `armstui --sandbox` opens one: its
    secrets in the vault chosen for it (the encrypted file, as other processes see it)."""
    ws = open_sandbox_workspace(state_dir / "sandbox.json")
    try:
        yield ws
    finally:
        ws.close()
