"""responsiveness and memory: the app, headless (Pilot), while a large ACK setup runs in it.

The harness (benchmarks/app_harness.py) serves a large world in its own process with 50 ms
on every call, opens the app on it, starts the ACK flow over every source account, and
while it runs presses a key every 50 ms, timing each press until the app has handled it and
refreshed. Then, with every step in the checklist, it reads the process's peak RSS.

- ``responsiveness.p99``: p99 of key press -> handled, vs the same presses on an idle app.
  Target: p99 <= 100 ms (the ratio is shown for context).
- ``memory.peak_rss``: peak RSS of the app after the run, vs a bare Textual app (Header,
  Static, Footer) driven the same way. Target: <= 150 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.result import Figure

HARNESS = Path(__file__).with_name("app_harness.py")


def _run(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(HARNESS), *args], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"app harness failed: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Figure]:
    sizes = ("4", "4") if quick else ("10", "10")
    busy = _run("app", *sizes)
    bare = _run("bare")
    return [
        Figure("responsiveness.p99", busy["p99_ms"], "ms", busy["idle_p99_ms"], target=None,
               note=f"{busy['presses']} presses during the run; target p99 <= 100 ms: {'met' if busy['p99_ms'] <= 100 else 'NOT met'}"),
        Figure("memory.peak_rss", busy["peak_rss_mb"], "MB", bare["peak_rss_mb"], target=None,
               note=f"{busy['steps']} steps in the checklist; target <= 150 MB: {'met' if busy['peak_rss_mb'] <= 150 else 'NOT met'}"),
    ]
