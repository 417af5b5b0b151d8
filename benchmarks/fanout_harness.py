"""One ACK + ECS setup on a seeded large world; prints a JSON line.

argv: source accounts, clusters per account, ECS instances (in all). The sandbox serves in its
own process (`armstui sandbox serve`), as the cloud would, with 50 ms added to every call and
simulated durations at speed 100; this process is the client.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

LATENCY = "latency=50ms"
SPEED = "100"


def main() -> None:
    sources, clusters, instances = (int(a) for a in sys.argv[1:4])
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup
    from armstui.sandbox.process import serving_in_process

    world = f"large:sources={sources},clusters={clusters},instances={instances}"
    with serving_in_process("--world", world, "--faults", LATENCY, "--speed", SPEED) as (state, _):
        workspace = open_sandbox_workspace(state / "sandbox.json", vault_kind="memory")
        names = [a for a in workspace.accounts if a.startswith("source-")]
        ack = Setup("ack", "monitoring", tuple(names))
        ecs = Setup("ecs", "monitoring", tuple(names))

        async def both() -> list:
            return list(
                await asyncio.gather(workspace.run(ack, "apply"), workspace.run(ecs, "apply"))
            )

        started = time.perf_counter()
        results = asyncio.run(both())
        wall = time.perf_counter() - started
        records = workspace.call_log.records()
        workspace.close()
    steps = [s for r in results for s in r.states]
    # minimum: per step one observation, its changes, and one verifying observation when it
    # changed something (a proof: one observation), plus one discovery call per source account
    # and flow.
    minimum = sum(
        (1 if not any(c.mutating for c in s.calls) else 2) + sum(c.mutating for c in s.calls)
        for s in steps
    ) + 2 * len(names)
    measured = {
        "wall": wall,
        "calls": len(records),
        "minimum_calls": minimum,
        "mutating_calls": sum(r.mutating for r in records),
        "exit_codes": [r.exit_code for r in results],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(measured))


if __name__ == "__main__":
    main()
