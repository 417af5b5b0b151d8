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

from benchmarks.harness import harness_line
from benchmarks.result import Figure


def _rps(kind: str, seconds: float) -> float:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    return float(harness_line("throughput", kind, str(seconds), timeout=300, prefix=pin))


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
