"""faults: do the flows converge on the first try, and does verify tell the truth, under the
documented fault mix (30% throttling, 10% 5xx, 5% dropped connections on every call)?

For each seed (16; quick: 4) and each flow (ACK, ECS, role), in a fresh in-process sandbox
(default world, simulated durations at speed 200): one ``apply`` under faults; then, faults
off, applies until the answer settles (the true answer: 0, or 3 for the ECS flow, whose
instance without Cloud Assistant needs the operator by design); then, faults on again, one
``verify``. The first apply converged when its exit code is the true answer; verify told
the truth when its exit code is the fault-free verify's. A change that must happen once
(CreateUser, the reporting CreateAccessKey, InstallClusterAddons, UpgradeClusterAddons,
CreateRole, CreateLoginProfile) succeeding twice is counted as a double (the role flow's
short-lived check key is made on purpose at every proof, so it is not counted).

Figures (no baseline: a share of runs, higher is better):
- ``faults.first_apply``: share of first applies that converged. Target >= 15/16.
- ``faults.verify``: share of verifies under faults that answered the truth. Target >= 15/16.
- ``faults.doubles``: changes made twice (target 0).
- ``faults.calls``: cloud calls per first apply (retries included), for the record.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.result import Figure

MIX = {"throttle": 0.3, "5xx": 0.1, "drop": 0.05}
FLOWS = ("ack", "ecs", "role")
ONCE = (
    "ram.CreateUser",
    "ram.CreateAccessKey",
    "cs.InstallClusterAddons",
    "cs.UpgradeClusterAddons",
    "ram.CreateRole",
    "ram.CreateLoginProfile",
)


def _one(flow: str, seed: int) -> dict[str, int]:
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup
    from armstui.flows.workspace import WorkspaceError
    from armstui.sandbox.describe import FILE_NAME, write_description
    from armstui.sandbox.server import SandboxServer
    from armstui.sandbox.state import open_state

    state = open_state(None, speed=200)
    server = SandboxServer(state)
    server.start_in_thread()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            info = write_description(Path(tmp) / FILE_NAME, state, server.endpoint)
            with open_sandbox_workspace(info, vault_kind="memory") as ws:
                setup = Setup(flow, "monitoring", ("source",))

                def run(mode: str) -> int:
                    try:
                        return asyncio.run(ws.run(setup, mode)).exit_code
                    except WorkspaceError as error:  # discovery gave up: nothing ran
                        return error.exit_code

                state.faults.configure({**MIX, "seed": seed})
                first = run("apply")
                calls = len(ws.call_log.records())
                state.faults.configure({})
                settled = run("apply")
                for _ in range(3):
                    if settled == 0:
                        break
                    settled = run("apply")
                truth = run("verify")
                state.faults.configure({**MIX, "seed": seed + 1000})
                verify = run("verify")
                state.faults.configure({})
                made = Counter(
                    (r.account, f"{r.service}.{r.action}")
                    for r in ws.call_log.records()
                    if r.mutating and r.outcome == "ok"
                )
                if flow == "role":  # its proof makes (and deletes) a check key every time
                    made.pop(("source", "ram.CreateAccessKey"), None)
                doubles = sum(n - 1 for (_, action), n in made.items() if action in ONCE and n > 1)
                return {
                    "first": first,
                    "settled": settled,
                    "verify": verify,
                    "truth": truth,
                    "calls": calls,
                    "doubles": doubles,
                }
    finally:
        server.stop_thread()


def run(quick: bool) -> list[Figure]:
    seeds = range(1, 5) if quick else range(1, 17)
    results = {(flow, seed): _one(flow, seed) for seed in seeds for flow in FLOWS}
    n = len(results)
    converged = sum(r["first"] == r["settled"] for r in results.values())
    truthful = sum(r["verify"] == r["truth"] for r in results.values())
    doubles = sum(r["doubles"] for r in results.values())
    per_flow = {
        flow: f"{sum(results[(flow, s)]['first'] == results[(flow, s)]['settled'] for s in seeds)}"
        f"/{len(seeds)}"
        for flow in FLOWS
    }
    missed = [
        f"{f}/{s}: apply {r['first']} (true {r['settled']}) verify {r['verify']} (true {r['truth']})"
        for (f, s), r in results.items()
        if r["first"] != r["settled"] or r["verify"] != r["truth"]
    ]
    note = f"seeds {seeds.start}-{seeds.stop - 1}; first apply per flow {per_flow}; " + (
        "misses: " + "; ".join(missed) if missed else "no misses"
    )
    calls = statistics.median(r["calls"] for r in results.values())
    return [
        Figure(
            "faults.first_apply",
            converged / n,
            "share",
            target=15 / 16,
            higher_is_better=True,
            absolute=True,
            note=note,
        ),
        Figure(
            "faults.verify",
            truthful / n,
            "share",
            target=15 / 16,
            higher_is_better=True,
            absolute=True,
        ),
        Figure("faults.doubles", doubles, "changes", target=0, absolute=True),
        Figure("faults.calls", calls, "calls per first apply (median)"),
    ]
