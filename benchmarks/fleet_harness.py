"""Drive the app's Fleet screen headless over a large world; print a JSON line.

argv: SOURCES CLUSTERS INSTANCES.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def _press(pilot, key: str, expect: str) -> float:
    """Type ``key`` into the focused filter and time it until the filter holds ``expect``
    and the screen has been refreshed after it (the rows filtered again by then)."""
    from textual import events

    app = pilot.app
    field = app.screen.query_one("#fleet-filter")
    started = time.perf_counter()
    app.post_message(events.Key(key, None if key == "backspace" else key))
    while field.value != expect and time.perf_counter() - started < 10:
        await asyncio.sleep(0.001)
    painted = asyncio.get_running_loop().create_future()
    app.screen.call_after_refresh(lambda: painted.done() or painted.set_result(None))
    await asyncio.wait_for(painted, 10)
    return time.perf_counter() - started


async def _typing(pilot, until, gap: float, limit: int) -> list[float]:
    """Type "v" (only the instances' rows hold one: the table is filtered to them) and
    delete it again (every row is back), again and again, while ``until()`` is false."""
    samples: list[float] = []
    while not until() and len(samples) < limit:
        samples.append(await _press(pilot, "v", "v"))
        samples.append(await _press(pilot, "backspace", ""))
        await asyncio.sleep(gap)
    return samples


async def _opened_workspace(pilot, seconds: float = 20):
    """The app's workspace once it has opened it; TimeoutError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while pilot.app.state.workspace is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not open its workspace in {seconds:.0f} s")
        await pilot.pause(0.05)
    return pilot.app.state.workspace


async def fleet(sources: str, clusters: str, instances: str) -> dict:
    from armstui.accounts import open_sandbox_workspace
    from armstui.tui.app import ArmsTui
    from armstui.tui.screens.fleet import FleetScreen

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "armstui",
                "sandbox",
                "serve",
                "--state",
                str(state),
                "--port",
                "0",
                "--world",
                f"large:sources={sources},clusters={clusters},instances={instances}",
                "--faults",
                "latency=50ms",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        server.stdout.readline()
        try:
            tui = ArmsTui(
                workspace_factory=lambda: open_sandbox_workspace(
                    state / "sandbox.json", vault_kind="memory"
                )
            )
            async with tui.run_test(size=(160, 45)) as pilot:
                accounts = (await _opened_workspace(pilot)).accounts
                tui.state.monitoring = "monitoring"
                tui.state.sources = [a for a in accounts if a.startswith("source-")]
                started = time.perf_counter()
                tui.action_show("fleet")
                await pilot.pause()
                screen = tui.screen
                assert isinstance(screen, FleetScreen)
                screen.query_one("#fleet-filter").focus()
                busy = await _typing(pilot, lambda: bool(screen.summary), 0.03, 4000)
                while not screen.summary:
                    await pilot.pause(0.05)
                survey_s = time.perf_counter() - started
                rows = len(screen.visible_rows())
                idle = await _typing(pilot, lambda: False, 0.03, 40)
            return {
                "p99_ms": _p99(busy),
                "max_ms": max(busy) * 1000,
                "idle_p99_ms": _p99(idle),
                "presses": len(busy),
                "median_ms": statistics.median(busy) * 1000,
                "rows": rows,
                "survey_s": survey_s,
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(10)


def main() -> None:
    print(json.dumps(asyncio.run(fleet(*sys.argv[1:4]))))


if __name__ == "__main__":
    main()
