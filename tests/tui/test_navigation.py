"""Welcome is the bottom of the screen stack: the screen keys go from it, switch between
screens without piling them up, and escape comes back to it."""

from __future__ import annotations

from pathlib import Path

from armstui.cli.common import SandboxOptions
from armstui.tui.app import ArmsTui
from armstui.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import NOW, FakeWorkspace


async def test_screens_stack_on_welcome_and_escape_comes_back() -> None:
    fake = FakeWorkspace()
    app = ArmsTui(
        SandboxOptions(True, Path("/nonexistent")),
        workspace_factory=lambda: fake,
        clock=lambda: NOW,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None, timeout=5)
        assert [type(s) for s in app.screen_stack] == [WelcomeScreen]
        await pilot.press("c")
        await pilot.pause()
        assert [s.name for s in app.screen_stack] == ["welcome", "checklist"]
        await pilot.press("a")
        await pilot.pause()
        assert [s.name for s in app.screen_stack] == ["welcome", "accounts"]
        await pilot.press("escape")
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [WelcomeScreen]


async def test_only_a_translucent_screen_lets_the_one_under_it_show() -> None:
    """An opaque screen hides the welcome screen under it (so the welcome screen is not
    repainted, nor the top screen in full with it, while the top one changes); a dialog,
    translucent, still shows the screen it covers."""
    from textual.app import ComposeResult
    from textual.screen import ModalScreen
    from textual.widgets import Static

    class Dialog(ModalScreen[None]):
        def compose(self) -> ComposeResult:
            yield Static("a dialog")

    app = ArmsTui(workspace_factory=lambda: FakeWorkspace(), clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None, timeout=5)
        await pilot.press("c")
        await pilot.pause()
        checklist = app.screen
        assert checklist.name == "checklist" and app._background_screens == []
        app.push_screen(Dialog())
        await pilot.pause()
        assert app._background_screens == [checklist]
