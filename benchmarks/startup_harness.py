"""Run one app headless and print the seconds from spawn to its first interactive frame.

argv: kind ("bare" | "armstui"), the parent's spawn time (time.time()), a sandbox state dir.
"""

from __future__ import annotations

import sys
import time


def _exit_after_first_frame(app_class: type) -> type:
    class Timed(app_class):  # type: ignore[misc, valid-type]
        def on_mount(self) -> None:  # noqa: D401
            super_mount = getattr(super(), "on_mount", None)
            if super_mount:
                super_mount()
            self.call_after_refresh(self._first_frame)

        def _first_frame(self) -> None:
            self.call_after_refresh(lambda: self.exit(time.time()))

    return Timed


def main() -> None:
    kind, spawned, state_dir = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    if kind == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Header, Static

        class Bare(App[float]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Static("Hello")
                yield Footer()

        app = _exit_after_first_frame(Bare)()
    else:
        from pathlib import Path

        from armstui.cli.common import SandboxOptions
        from armstui.tui import app as tui_app

        app = _exit_after_first_frame(tui_app.ArmsTui)(SandboxOptions(True, Path(state_dir)))
    first_frame = app.run(headless=True, size=(80, 24))
    print(f"{(first_frame or time.time()) - spawned:.4f}")


if __name__ == "__main__":
    main()
