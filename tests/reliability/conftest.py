"""The reliability suite: sized for CI; ARMSTUI_RELIABILITY=full widens it for a release."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path



FULL = os.environ.get("ARMSTUI_RELIABILITY") == "full"


def armstui(state_dir: Path, *args: str, kill_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("ARMSTUI_TEST_KILL_AT", None)
    if kill_at:
        env["ARMSTUI_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "armstui", "--sandbox", "--sandbox-state", str(state_dir), *args],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=timeout)
