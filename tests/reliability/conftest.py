"""The reliability suite: sized for CI; ARMSTUI_RELIABILITY=full widens it for a release."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

FULL = os.environ.get("ARMSTUI_RELIABILITY") == "full"


def property_settings(examples: int, *, app: bool = False) -> settings:
    """Hypothesis settings of a reliability property: ``examples`` inputs, no deadline, no
    example database. ``app``: each example starts the app, so no shrinking (a failing
    input already names the value)."""
    phases = {"phases": (Phase.explicit, Phase.reuse, Phase.generate)} if app else {}
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        **phases,
    )


def armstui(
    state_dir: Path, *args: str, kill_at: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("ARMSTUI_TEST_KILL_AT", None)
    if kill_at:
        env["ARMSTUI_TEST_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "armstui", "--sandbox", "--sandbox-state", str(state_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


@pytest.fixture
def forget_seen_secrets() -> Iterator[None]:
    """Restore the process-wide redactor after a test: the bad-input properties feed it
    made-up "secrets" (ordinary words among them) that would mask text in later tests."""
    from armstui.secrets.redaction import redactor

    with redactor._lock:  # noqa: SLF001 (test isolation of a process-wide registry)
        saved = set(redactor._secrets)  # noqa: SLF001
    yield
    with redactor._lock:  # noqa: SLF001
        redactor._secrets = saved  # noqa: SLF001
        redactor._pattern = None  # noqa: SLF001


@pytest.fixture
def forget_keyring_backends() -> Iterator[None]:
    """Let a later test find the Secret Service: keyring lists the viable backends once per
    process (keyring.backend.get_all_keyring, jaraco.functools.once), and the bad-input
    tests open the keyring where none is viable (no D-Bus)."""
    yield
    import keyring.backend

    with contextlib.suppress(KeyError):  # reset() of a list never made raises KeyError
        keyring.backend.get_all_keyring.reset()


# The count of inputs tried lives in tests/reliability/inputs_report.py (a plugin the root
# conftest loads, so its summary prints however pytest is started, with xdist too).
from tests.reliability.inputs_report import INPUTS_TRIED  # noqa: E402,F401
