"""org: the ACK flow over a whole organisation (``--source rd:all --all-regions``).

World ``org`` (quick: 20 members; full: 100) over 3 regions, 50 ms added to every call,
simulated durations at speed 100, the sandbox in its own process
(benchmarks/org_harness.py). The critical-path bound is measured in the same run: the same
flow over an org of two members (one cluster to install onepilot in, one to upgrade: the
longest chain), so the ratio says how far the large run is from "as long as its longest
chain".

Figures:
- ``org.wall``: wall time vs the two-member run. Target <= 2.0.
- ``org.throttled``: calls refused for throttling at the sandbox's default limits. Target 0.
- ``org.peak_rss``: peak RSS of the client (MB). Target <= 200 (absolute).
"""

from __future__ import annotations

from benchmarks.harness import harness_json
from benchmarks.result import Figure

REGIONS = 3


def _measure(members: int) -> dict:
    return harness_json("org", str(members), str(REGIONS), timeout=1800)


def run(quick: bool) -> list[Figure]:
    members = 20 if quick else 100
    chain, large = _measure(2), _measure(members)
    note = (
        f"{large['members']} members x {REGIONS} regions: {large['steps']} steps, "
        f"{large['calls']} calls, exit {large['exit_code']}; chain run exit {chain['exit_code']}"
    )
    return [
        Figure("org.wall", large["wall"], "s", baseline=chain["wall"], target=2.0, note=note),
        Figure("org.throttled", large["throttled"], "calls", target=0, absolute=True),
        Figure(
            "org.peak_rss",
            large["peak_rss_mb"],
            "MB",
            baseline=chain["peak_rss_mb"],
            target=200,
            absolute=True,
        ),
    ]
