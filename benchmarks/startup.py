"""startup: process start to the first interactive frame of `armstui --sandbox`, against a
bare Textual app (Header, Static, Footer) measured the same way.

Both run as fresh processes with the same harness: it notes the wall-clock time the parent
spawned it, runs the app headless, and exits as soon as the first screen has been painted
and can take keys (after the first refresh of a mounted screen). The figure is the median
over several runs of each, interleaved so that noise hits both alike.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from benchmarks.harness import harness_line
from benchmarks.result import Figure


def _once(kind: str, state_dir: str) -> float:
    started = time.time()
    line = harness_line(
        "startup", kind, repr(started), state_dir, timeout=120, label=f"startup harness ({kind})"
    )
    return float(line)


def run(quick: bool) -> list[Figure]:
    rounds = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="armstui-bench-") as state:
        _once("armstui", state)  # the first start seeds the sandbox state; not timed
        bare, app = [], []
        for _ in range(rounds):
            bare.append(_once("bare", state))
            app.append(_once("armstui", state))
    return [
        Figure(
            "startup",
            statistics.median(app),
            "s",
            statistics.median(bare),
            target=1.3,
            note=f"median of {rounds}; bare Textual app as the baseline",
        )
    ]
