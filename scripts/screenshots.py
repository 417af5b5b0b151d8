"""Regenerate screenshots/*.svg from the real app on a fresh sandbox.

    python scripts/screenshots.py [--out screenshots] [--sizes 80x24,120x40] [--no-color]

Drives armstui with Textual's Pilot (App.run_test) exactly as an operator would: the
welcome screen, accounts, the three flows (form, plan, run), the finished checklist,
the identity switch, the call log, the fleet, the doctor, a key rotation (plan, then the
checklist) and a teardown's plan; then, on the ``org`` world, the ACK form's Resource
Directory tree with a folder ticked and one member left out. One SVG per screen and size (App.save_screenshot),
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
from typing import Any

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
            lambda: any(  # a root key is refused, as on the real cloud: that is shown too
                said in str(app.screen.query_one("#switch-result").render())
                for said in ("visible", "could not switch")
            ),
            timeout=20,
        )
        save("identity")
        await pilot.press("l")
        await pilot.pause(0.3)
        save("call-log")
        await pilot.press("l", "f")
        await wait_for(pilot, lambda: _fleet_loaded(app))
        save("fleet")
        await pilot.press("D")
        await wait_for(pilot, lambda: _doctor_done(app))
        save("doctor")
        await pilot.press("c")
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


def _fleet_loaded(app: ArmsTui) -> bool:
    from textual.widgets import DataTable

    return app.screen.name == "fleet" and any(t.row_count for t in app.screen.query(DataTable))


def _doctor_done(app: ArmsTui) -> bool:
    from textual.widgets import DataTable

    return app.screen.name == "doctor" and any(t.row_count for t in app.screen.query(DataTable))


async def shoot_directory(out: Path, size: tuple[int, int], suffix: str = "") -> Path:
    """The ACK form on the ``org`` world: its management account signs as its RAM user
    ``admin`` (a root key cannot assume the members' access roles); the staging folder is
    ticked and one of its members left out."""
    from armstui.accounts import open_sandbox_workspace
    from armstui.sandbox.state import open_state
    from armstui.tui.widgets.directory_choice import folders_under
    from armstui.tui.widgets.directory_tree import CheckTree

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers
    from tests.support.org import signing_as_admin
    from tests.support.sandbox import serving

    state_dir = Path(tempfile.mkdtemp(prefix="armstui-screens-org-"))
    with serving(open_state(None, world="org:members=12,regions=3", speed=SPEED)) as org:
        description = signing_as_admin(org, state_dir)
        app = ArmsTui(
            SandboxOptions(True, state_dir),
            workspace_factory=lambda: open_sandbox_workspace(description, vault_kind="memory"),
        )
        async with app.run_test(size=size) as pilot:
            state = app.state
            await wait_for(
                pilot,
                lambda: (
                    state.workspace is not None and len(state.identities) == len(state.accounts)
                ),
            )
            state.sources = []  # the directory alone
            await pilot.press("k")
            await wait_for(pilot, lambda: bool(app.screen.query(CheckTree)))
            tree = app.screen.query_one(CheckTree)
            tree.focus()
            staging = next(f for f in folders_under(tree.choice.root) if f.name == "staging")
            for wanted in (staging, staging.members[1]):
                node = next(n for n in _nodes(tree.root) if n.data is wanted)
                tree.move_cursor(node)
                await pilot.press("space")
            await pilot.pause(0.3)
            name = f"directory-{size[0]}x{size[1]}{suffix}.svg"
            return Path(app.save_screenshot(name, str(out)))


def _nodes(root: Any) -> list[Any]:
    found, queue = [], [root]
    while queue:
        node = queue.pop(0)
        found.append(node)
        queue.extend(node.children)
    return found


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
        print(asyncio.run(shoot_directory(args.out, (columns, rows), suffix)))


if __name__ == "__main__":
    main()
