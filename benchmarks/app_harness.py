"""Drive the app (or a bare Textual app) headless; print a JSON line of what was measured.

argv: "app" SOURCES CLUSTERS | "bare".
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def _presses(pilot, count: int, gap: float) -> list[float]:
    """Send keys the way the terminal driver does and time each until its effect is on screen.

    The effect: the focused step list's highlight moves to another step (down, or up from
    the last step), and the screen has been refreshed after it (``call_after_refresh`` on
    the screen runs once nothing on it waits to be painted). The highlight is followed by
    step ID, not index: the list is rebuilt as steps arrive and keeps the highlighted step,
    so an index may move without any key. The app's own loop reports it; nothing waits for
    the app to be idle (a running flow keeps it busy by design), so this is the latency an
    operator feels."""
    from textual import events

    app = pilot.app
    samples = []
    for _ in range(count):
        widget = app.focused
        before = getattr(widget, "highlighted_id", None)
        last = widget is not None and widget.highlighted == widget.option_count - 1
        started = time.perf_counter()
        app.post_message(events.Key("up" if last else "down", None))
        while time.perf_counter() - started < 10:
            await asyncio.sleep(0.001)
            if widget is None or getattr(widget, "highlighted_id", None) != before:
                break
        painted = asyncio.get_running_loop().create_future()
        app.screen.call_after_refresh(lambda p=painted: p.done() or p.set_result(None))
        await asyncio.wait_for(painted, 10)
        samples.append(time.perf_counter() - started)
        await asyncio.sleep(gap)
    return samples


def _can_move(widget) -> bool:
    """The step list holds a step to move to: a group header and two steps at least."""
    return getattr(widget, "highlighted", None) is not None and widget.option_count >= 3


async def bare() -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

    async with Bare().run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
    return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


async def app(sources: str, clusters: str) -> dict:
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup
    from armstui.sandbox.process import serving_in_process
    from armstui.tui.app import ArmsTui

    world = f"large:sources={sources},clusters={clusters},instances=0"
    with serving_in_process("--world", world, "--faults", "latency=50ms", "--speed", "100") as (
        state,
        _,
    ):
        tui = ArmsTui(
            workspace_factory=lambda: open_sandbox_workspace(
                state / "sandbox.json", vault_kind="memory"
            )
        )
        async with tui.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            names = tuple(a for a in tui.state.workspace.accounts if a.startswith("source-"))
            return await keys_during_apply(pilot, Setup("ack", "monitoring", names))


async def opened(pilot, tries: int = 200) -> None:
    """Until the app's workspace is open."""
    for _ in range(tries):
        await pilot.pause(0.05)
        if pilot.app.state.workspace is not None:
            return


async def keys_during_apply(pilot, setup) -> dict:
    """Apply ``setup`` in the app, on its checklist, pressing a key every 50 ms while it runs
    (once there is a step to move to); then the same presses on the same checklist, idle."""
    tui = pilot.app
    tui.action_show("checklist")
    await pilot.pause(0.2)
    assert tui.start_run(setup, "apply")
    started, first_press = time.perf_counter(), None
    busy: list[float] = []
    while tui.state.running and len(busy) < 2000:
        if _can_move(tui.focused):
            first_press = first_press or time.perf_counter()
            busy += await _presses(pilot, 1, 0.05)
        else:  # no second step to move to yet: a key would have no effect to time
            await pilot.pause(0.05)
    ended = time.perf_counter()
    await pilot.pause(0.5)
    steps = len(tui.state.checklist)
    idle = await _presses(pilot, 40, 0.02)  # the same checklist, nothing running
    return {
        "p99_ms": _p99(busy),
        "idle_p99_ms": _p99(idle),
        "presses": len(busy),
        "run_s": ended - started,  # the run, from the apply to its end seen by the harness
        "pressing_s": ended - (first_press or ended),  # of which keys were pressed
        "steps": steps,
        "median_ms": statistics.median(busy) * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    result = asyncio.run(bare() if sys.argv[1] == "bare" else app(sys.argv[2], sys.argv[3]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
