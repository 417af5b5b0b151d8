"""responsiveness and memory: the app, headless (Pilot), while a large ACK setup runs in it.

The harness (benchmarks/app_harness.py) serves a large world in its own process with 50 ms
on every call, opens the app on it, starts the ACK flow over every source account, and
while it runs presses a key every 50 ms (once the checklist holds a step to move to),
timing each press until its effect is on screen: the highlight is on another step and the
screen has been refreshed since. Then, with every step in the checklist, it reads the
process's peak RSS.

- ``responsiveness.p99``: p99 of key press -> its effect on screen, vs the same presses
  once the run is over. Target: p99 <= 100 ms. A run of the full size lasts a few seconds,
  so the p99 of its ~30 presses is close to their maximum.
- ``memory.peak_rss``: peak RSS of the app after the run, vs a bare Textual app (Header,
  Static, Footer) driven the same way. Target: <= 150 MB.
"""

from __future__ import annotations

from benchmarks.harness import harness_json
from benchmarks.result import Figure


def _run(*args: str) -> dict:
    return harness_json("app", *args, timeout=900)


def _at_most(
    limit: float, name: str, unit: str, value: float, baseline: float, note: str
) -> Figure:
    """A figure whose value itself (not its ratio to the baseline) must stay within ``limit``."""
    return Figure(name, value, unit, baseline, target=limit, absolute=True, note=note)


def run(quick: bool) -> list[Figure]:
    sizes = ("4", "4") if quick else ("10", "10")
    busy = _run("app", *sizes)
    bare = _run("bare")
    presses = (
        f"{busy['presses']} presses during the run, median {busy['median_ms']:.1f} ms; "
        "baseline: idle"
    )
    steps = f"{busy['steps']} steps in the checklist; baseline: a bare Textual app"
    return [
        _at_most(100, "responsiveness.p99", "ms", busy["p99_ms"], busy["idle_p99_ms"], presses),
        _at_most(150, "memory.peak_rss", "MB", busy["peak_rss_mb"], bare["peak_rss_mb"], steps),
    ]
