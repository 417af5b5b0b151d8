"""One ACK + ECS setup on a seeded large world, in this process; prints a JSON line.

argv: source accounts, clusters per account, ECS instances (in all).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

LATENCY = "latency=50ms"
SPEED = 100.0


def main() -> None:
    sources, clusters, instances = (int(a) for a in sys.argv[1:4])
    from armstui.flows.setup import Setup
    from armstui.flows.workspace import Workspace
    from armstui.sandbox.describe import FILE_NAME, write_description
    from armstui.sandbox.faults import Faults
    from armstui.sandbox.server import SandboxServer
    from armstui.sandbox.state import SandboxState
    from armstui.sandbox.clock import Clock
    from armstui.sandbox.store import Store
    from armstui.sandbox.world import seed

    state = SandboxState(Store(None), clock=Clock(SPEED), faults=Faults.from_spec(LATENCY))
    seed(state, "large", sources=sources, clusters=clusters, instances=instances)
    server = SandboxServer(state)
    endpoint = server.start_in_thread()
    with tempfile.TemporaryDirectory() as tmp:
        info = write_description(Path(tmp) / FILE_NAME, state, endpoint)
        workspace = Workspace.from_sandbox_json(info)
        names = [a for a in workspace.accounts if a.startswith("source-")]
        ack = Setup("ack", "monitoring", tuple(names))
        ecs = Setup("ecs", "monitoring", tuple(names))

        async def both() -> list:
            return list(await asyncio.gather(workspace.run(ack, "apply"), workspace.run(ecs, "apply")))

        started = time.perf_counter()
        results = asyncio.run(both())
        wall = time.perf_counter() - started
        records = workspace.call_log.records()
        steps = [s for r in results for s in r.states]
        # minimum: per step one observation + its changes + one verifying observation (a proof:
        # one observation), plus one discovery call per source account and flow.
        minimum = sum((1 if s.step_id.endswith(("/reports", "/license-key")) else 2) + sum(c.mutating for c in s.calls)
                      for s in steps) + 2 * len(names)
        print(json.dumps({
            "wall": wall, "calls": len(records), "minimum_calls": minimum,
            "mutating_calls": sum(r.mutating for r in records),
            "exit_codes": [r.exit_code for r in results],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }))
        workspace.close()
    server.stop_thread()


if __name__ == "__main__":
    main()
