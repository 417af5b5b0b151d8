"""The App: screens, bindings, command palette, theme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from armstui import __version__
from armstui.tui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:
    from armstui.cli.common import SandboxOptions


class ArmsTui(App[None]):
    """armstui's terminal app."""

    TITLE = "armstui"
    SUB_TITLE = f"ARMS cross-account monitoring · {__version__}"
    CSS_PATH = "armstui.tcss"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, sandbox: SandboxOptions | None = None) -> None:
        super().__init__()
        self.sandbox = sandbox

    def on_mount(self) -> None:
        self.push_screen(WelcomeScreen())


def run_app(sandbox: SandboxOptions | None = None) -> None:
    ArmsTui(sandbox).run()
