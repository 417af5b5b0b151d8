"""fleet: the Fleet screen over a large world stays responsive while the survey runs.

The harness (benchmarks/fleet_harness.py) serves a large world in its own process with
50 ms on every call, opens the app's Fleet screen on every source, and while the survey
fills the table source by source types into the filter ("v", which narrows the rows to the instances, then backspace), timing
each key until the filter holds it and the screen has been refreshed after the rows were
filtered again. The baseline: the same keys once every row is in and nothing runs.

- ``fleet.p99``: p99 of key -> effect on screen during the survey. Target: <= 100 ms.
"""

from __future__ import annotations

from benchmarks.harness import harness_json
from benchmarks.result import Figure, key_latency


def run(quick: bool) -> list[Figure]:
    sizes = ("4", "4", "40") if quick else ("10", "10", "200")
    got = harness_json("fleet", *sizes, timeout=900)
    note = (
        f"{got['presses']} keys while {got['rows']} rows arrived over "
        f"{got['survey_s']:.1f} s, median {got['median_ms']:.1f} ms, "
        f"max {got['max_ms']:.1f} ms; baseline: the same keys, idle"
    )
    return [key_latency("fleet.p99", got, note)]
