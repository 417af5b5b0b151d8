"""`armstui --sandbox` shows its first screen before any SDK import, and the UI keeps
answering while a flow runs (the flows run in a thread worker, armstui/tui/jobs.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from armstui.flows.setup import Setup
from tests.tui.conftest import run_done, running, wait_for

FIRST_FRAME = """
import gc
import sys
from textual.app import App

seen = {}
display = App._display

def first_display(self, screen, renderable):  # every frame of the current screen goes through it
    display(self, screen, renderable)
    if "modules" not in seen and renderable is not None and not self._batch_count and screen is self.screen:
        seen["modules"] = sorted(sys.modules)
        seen["screen"] = type(screen).__name__
        seen["text"] = self.export_screenshot().replace("&#160;", " ")
        seen["collecting"] = gc.isenabled()
        self.set_interval(0.05, lambda: self.state.workspace is not None and self.exit())

App._display = first_display
App.run = lambda self, run=App.run, **kw: run(self, **{**kw, "headless": True, "size": (80, 24)})

from armstui.cli import main
main(["--sandbox", "--sandbox-state", sys.argv[1]], standalone_mode=False)
print(seen["screen"], "cross-account" in seen["text"], seen["collecting"], gc.isenabled())
print(" ".join(seen["modules"]))
"""

# What the first frame must not wait for: the SDKs (~1.2 s), the sandbox (aiohttp, SQLite),
# the flows, the vault and the saved config, and the headless subcommands' modules.
# The flow registry is what the welcome menu and the key bindings list: names and titles only
# (it imports no flow module until a flow's steps are built).
BEFORE_THE_FIRST_FRAME = {"armstui.flows", "armstui.flows.registry"}
LATER = (
    "alibabacloud_",
    "Tea",
    "darabonba",
    "aiohttp",
    "sqlite3",
    "keyring",
    "cryptography",
    "armstui.flows",
    "armstui.sandbox",
    "armstui.cloud",
    "armstui.vault",
    "armstui.profiles",
    "armstui.credentials",
    "armstui.cli.accounts",
    "armstui.cli.flows",
    "armstui.cli.identity",
    "armstui.cli.sandbox",
)


def test_armstui_sandbox_paints_its_first_frame_before_loading_the_sandbox_flows_or_sdks(
    tmp_path: Path,
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "config.toml").write_text('vault = "memory"\n')  # nothing to ask
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(tmp_path / "state")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    first_line, modules = out.stdout.splitlines()[-2:]
    # The welcome text was on the first frame; the garbage collector, paused until then, runs again.
    assert first_line == "WelcomeScreen True False True"
    loaded_early = [
        m for m in modules.split() if m.startswith(LATER) and m not in BEFORE_THE_FIRST_FRAME
    ]
    assert loaded_early == []
    # ... and the sandbox opened after it: the script exits only once the workspace is open.


async def test_the_ui_answers_while_a_flow_runs(make_app, sandbox) -> None:
    sandbox.state.faults.configure({"latency": "20ms"})
    app = make_app()
    async with running(app) as pilot:
        app.start_run(Setup("ack", "monitoring", ("source",)), "apply")
        gaps, last = [], time.perf_counter()
        while not run_done(app, "ack"):
            await pilot.pause(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        # The UI loop kept turning while the flow ran in its worker (a blocked loop turns once).
        # How fast it turns is a benchmark's business (benchmarks/responsiveness.py), not a test's.
        assert len(gaps) > 20
        await wait_for(pilot, lambda: app.state.running is None)
