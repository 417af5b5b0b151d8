"""throughput: signed requests per second a client gets from the sandbox on one core.

The sandbox serves in its own process pinned to one core (taskset when available); a client
process on the other core calls STS GetCallerIdentity through the official SDK (signing,
verification, routing, JSON) as fast as it can for a few seconds. The baseline is a bare
aiohttp server answering a fixed JSON body, measured the same way. Reported, no target.

``throughput.async``: the same call through the SDK's async path, 8 in flight, as the flows
make it: inside ``pooled_connections()`` (kept-alive connections, armstui/cloud/transport.py)
vs the SDK's own async path (a new aiohttp session and TCP connection per request).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.result import Figure

HARNESS = Path(__file__).with_name("throughput_harness.py")


def _rps(kind: str, seconds: float) -> float:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    out = subprocess.run(
        [*pin, sys.executable, str(HARNESS), kind, str(seconds)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"throughput harness failed: {out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Figure]:
    seconds = 3.0 if quick else 10.0
    sandbox, bare = _rps("sandbox", seconds), _rps("bare", seconds)
    pooled, per_request = _rps("async-pooled", seconds), _rps("async-sdk", seconds)
    return [
        Figure(
            "throughput",
            sandbox,
            "req/s",
            bare,
            note="SDK GetCallerIdentity; baseline: bare aiohttp JSON",
        ),
        Figure(
            "throughput.async",
            pooled,
            "req/s",
            per_request,
            higher_is_better=True,
            note="SDK async GetCallerIdentity, 8 in flight, pooled connections; baseline: the SDK's own "
            "async path (a connection per request)",
        ),
    ]
