"""Run one app headless and print the seconds from spawn to its first interactive frame.

argv: kind ("bare" | "armstui"), the parent's spawn time (time.time()), a sandbox state dir.

Both apps are started the way a user starts them and timed the same way, without
subclassing them (a subclass defined here would make Textual look for the app's
CSS_PATH next to this file): the harness wraps ``App.run`` to run headless at 80x24, and
``App._display`` (textual/app.py: every compositor update of the current screen goes
through it, headless or not) to note the first frame painted. The app is interactive once
its loop has come back from painting that frame and processed what was queued behind it
(one more refresh: ``call_after_refresh``), so the figure includes any work that competes
with the first key. Then it exits with that time.

``armstui`` goes through the console entry point, ``armstui.cli.main``, with
``--sandbox --sandbox-state DIR``, exactly like ``armstui --sandbox`` on a terminal.
"""

from __future__ import annotations

import sys
import time


def _time_first_frame() -> dict[str, object]:
    from textual.app import App

    seen: dict[str, object] = {}
    run, display = App.run, App._display

    def timed_display(self: App, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        display(self, screen, renderable)
        if (
            "painted" in seen
            or renderable is None
            or self._batch_count
            or screen is not self.screen
        ):
            return
        seen["painted"], seen["screen"] = time.time(), type(screen).__name__
        self.call_after_refresh(
            lambda: (
                seen.setdefault("interactive", time.time()),
                seen.setdefault("cpu", time.thread_time()),
                self.exit(),
            )
        )

    def headless_run(self: App, **kwargs: object) -> object:
        return run(self, headless=True, size=(80, 24))

    App._display = timed_display  # type: ignore[method-assign]
    App.run = headless_run  # type: ignore[method-assign]
    return seen


def main() -> None:
    kind, spawned, state_dir = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    seen = _time_first_frame()
    if kind == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Header, Static

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Static("Hello")
                yield Footer()

        Bare().run()
    else:
        from armstui.cli import main as armstui_main

        armstui_main(["--sandbox", "--sandbox-state", state_dir], standalone_mode=False)
    if "interactive" not in seen:
        raise SystemExit(f"{kind}: exited before its first frame (see the error above)")
    print(
        f"first frame: {seen['screen']}, painted {float(seen['painted']) - spawned:.4f} s, "
        f"main thread CPU until interactive {float(seen['cpu']):.4f} s",
        file=sys.stderr,
    )
    print(f"{float(seen['interactive']) - spawned:.4f}")


if __name__ == "__main__":
    main()
