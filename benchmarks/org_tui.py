"""org_tui: the app stays responsive while the ACK flow runs over a whole organisation.

The harness (benchmarks/org_tui_harness.py) serves the org world (quick: 20 members; full:
100; 3 regions) in its own process with 50 ms on every call, opens the app on it, applies
the ACK flow over ``--source rd:all --all-regions`` from the checklist, and while it runs
presses a key every 50 ms (once the checklist holds a step to move to), timing each press
until its effect is on screen: the highlight on another step, the screen refreshed since.
The baseline: the same presses on the same checklist once the run is over.

- ``org.tui_p99``: p99 of key press -> its effect on screen during the run. Target: <= 100 ms.
"""

from __future__ import annotations

from benchmarks.harness import harness_json
from benchmarks.result import Figure, key_latency


def run(quick: bool) -> list[Figure]:
    got = harness_json("org_tui", "20" if quick else "100", timeout=1800)
    outcomes = ", ".join(f"{n} {word}" for word, n in sorted(got["outcomes"].items()))
    note = (
        f"{got['presses']} presses while {got['members']} members' {got['steps']} steps ran "
        f"({outcomes}), median {got['median_ms']:.1f} ms; baseline: the same presses, idle"
    )
    return [key_latency("org.tui_p99", got, note)]
