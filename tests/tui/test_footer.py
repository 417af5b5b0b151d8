"""The key bar: rebuilt when the keys it shows change, left alone when focus moves and the
keys stay the same; keys keep Footer's (non-compact) style."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from armstui.tui.widgets.footer import ArmsFooter


class Keys(App[None]):
    BINDINGS = [Binding("x", "toggle", "Toggle"), Binding("y", "other", "Other")]
    other_shown = True

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield ArmsFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.other_shown if action == "other" else True

    def action_toggle(self) -> None:
        self.other_shown = not self.other_shown
        self.refresh_bindings()

    def action_other(self) -> None:
        pass


def _shown(app: App) -> list[str]:
    return [key.description for key in app.query(FooterKey) if key.description]


async def test_the_footer_follows_the_keys_but_not_every_focus_move() -> None:
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        assert _shown(app) == ["Toggle", "Other", "palette"]
        keys = list(app.query(FooterKey))
        assert app.focused is app.query_one("#one", Button)

        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.query_one("#two", Button)
        assert list(app.query(FooterKey)) == keys  # the same widgets: nothing was rebuilt

        await pilot.press("x")
        await pilot.pause()
        assert _shown(app) == ["Toggle", "palette"]
        await pilot.press("x")
        await pilot.pause()
        assert _shown(app) == ["Toggle", "Other", "palette"]
        # Built in their final style: the app's footer is compact, and so is every key in it.
        styles = {
            key.description: (key.compact, key.has_class("-compact"))
            for key in app.query(FooterKey)
        }
        assert styles == {
            "Toggle": (True, True),
            "Other": (True, True),
            "palette": (True, True),
        }
