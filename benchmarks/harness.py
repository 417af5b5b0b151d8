"""A benchmark's measuring run: ``benchmarks/<name>_harness.py`` in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def harness_line(
    name: str, *args: str, timeout: float, label: str = "", prefix: Sequence[str] = ()
) -> str:
    """The last line the harness prints. A harness that fails raises with the end of its
    stderr, naming it (``label``, default "<name> harness"); ``prefix`` comes before the Python
    command (such as a CPU pin)."""
    harness = Path(__file__).with_name(f"{name}_harness.py")
    out = subprocess.run(
        [*prefix, sys.executable, str(harness), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{label or name + ' harness'} failed: {out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def harness_json(name: str, *args: str, timeout: float, label: str = "") -> dict[str, Any]:
    """The harness's last line, a JSON object."""
    return dict(json.loads(harness_line(name, *args, timeout=timeout, label=label)))
