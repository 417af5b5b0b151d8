"""Regenerate screenshots/*.svg from the real app on a fresh sandbox.

    python scripts/screenshots.py [--out screenshots] [--sizes 80x24,120x40] [--no-color]

Drives armstui with Textual's Pilot (App.run_test) exactly as an operator would: the
welcome screen, accounts, the three flows (form, plan, run), the finished checklist,
the identity switch, the call log, a key rotation (plan, then the checklist) and a
teardown's plan. One SVG per screen and size (App.save_screenshot),
named ``<screen>-<COLUMNS>x<ROWS>.svg``; with ``--no-color`` as a monochrome terminal
draws it (``NO_COLOR``), named ``<screen>-<COLUMNS>x<ROWS>-no-color.svg``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from armstui.cli.common import SandboxOptions
from armstui.tui.app import ArmsTui

SPEED = 100.0  # sandbox clock: an onepilot upgrade (90 s nominal) takes about a second


def sandbox_workspace(state_dir: Path) -> Callable[[], object]:
    def open_() -> object:
        from armstui.accounts import open_sandbox_workspace
        from armstui.sandbox_runtime import ensure_sandbox

        runtime = ensure_sandbox(state_dir, speed=SPEED)
        return open_sandbox_workspace(runtime.sandbox_json, runtime=runtime, vault_kind="memory")

    return open_


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 60.0) -> None:
    """Until ``condition()`` holds; past ``timeout`` say so on stderr and shoot what is
    there (a flow that fails on the sandbox is still worth a picture)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            print(f"warning: gave up waiting at line {_caller_line()}", file=sys.stderr)
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)


def _caller_line() -> int:
    return sys._getframe(2).f_lineno


async def shoot(out: Path, size: tuple[int, int], suffix: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    state_dir = Path(tempfile.mkdtemp(prefix="armstui-screens-"))
    app = ArmsTui(SandboxOptions(True, state_dir), workspace_factory=sandbox_workspace(state_dir))

    def save(name: str) -> None:
        written.append(
            Path(app.save_screenshot(f"{name}-{size[0]}x{size[1]}{suffix}.svg", str(out)))
        )

    async with app.run_test(size=size) as pilot:
        state = app.state
        await wait_for(
            pilot,
            lambda: state.workspace is not None and len(state.identities) == len(state.accounts),
        )
        save("welcome")
        await pilot.press("a")
        await wait_for(pilot, lambda: len(state.reachable) == len(state.accounts))
        save("accounts")
        for flow, key in (("ack", "k"), ("ecs", "e"), ("role", "r")):
            await pilot.press(key)
            await pilot.pause(0.3)
            save(f"flow-{flow}")
            await pilot.press("p")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen")
            save(f"plan-{flow}")
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda flow=flow: (
                    state.running is None
                    and state.checklist.modes.get(flow) == "apply"
                    and not any(
                        not s.outcome.final for _f, _a, ss in state.checklist.groups() for s in ss
                    )
                ),
            )
        await pilot.press("c")
        await pilot.pause(0.3)
        save("checklist")
        await pilot.press("i", "s", "enter")
        await wait_for(
            pilot,
            lambda: "visible" in str(app.screen.query_one("#switch-result").render()),
            timeout=20,
        )
        save("identity")
        await pilot.press("l")
        await pilot.pause(0.3)
        save("call-log")
        await pilot.press("l", "c")
        await pilot.pause(0.3)
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen")
        save("plan-rotate")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                state.running is None
                and state.checklist.modes.get("rotate") == "apply"
                and not any(
                    not s.outcome.final for _f, _a, ss in state.checklist.groups() for s in ss
                )
            ),
        )
        save("checklist-rotated")
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen")
        save("plan-teardown")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "screenshots"
    )
    parser.add_argument("--sizes", default="80x24,120x40", help="COLUMNSxROWS,...")
    parser.add_argument("--no-color", action="store_true", help="as a monochrome terminal")
    args = parser.parse_args()
    if args.no_color:
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app is made
    for size in args.sizes.split(","):
        columns, rows = (int(n) for n in size.split("x"))
        suffix = "-no-color" if args.no_color else ""
        for path in asyncio.run(shoot(args.out, (columns, rows), suffix)):
            print(path)


if __name__ == "__main__":
    main()
