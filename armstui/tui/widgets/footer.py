"""The key bar at the bottom of every screen: Textual's Footer, rebuilt only when the keys
it shows change.

``Footer.bindings_changed`` (textual/widgets/_footer.py) recomposes the whole bar for
every ``bindings_updated_signal`` a screen publishes, and a screen publishes one whenever
focus moves (``Screen.set_focus``), it is pushed or resumed, or ``refresh_bindings`` is
called, mostly with the same keys. Each recompose mounts and styles every key again: about
a millisecond per key against this app's stylesheet, on the UI thread. Here the changes
that arrive before the next refresh are taken together, and the bar is rebuilt only if
the keys shown (their key, description, action, tooltip and whether enabled, as
``Screen.active_bindings`` reports them) differ from what it shows.

And each key is built in its final style: ``FooterKey.compact`` defaults to True while
``Footer.compact`` defaults to False, so every key Footer.compose binds to it
(``data_bind(compact=Footer.compact)``) flips its ``-compact`` class twice as it mounts
(the reactive's first watcher call, then the binding), and each flip restyles the key.
Setting the final value before mount (``set_reactive``: no watcher) leaves nothing to
flip; the key looks the same. The command palette's key is not bound and keeps its
default.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def key_width(key: FooterKey) -> int:
    """Cells a compact key takes: its key, a space, its label, the margin after it."""
    return len(key.key_display) + len(key.description) + 2


class ArmsFooter(Footer):
    """Compact, and on two rows when one is too narrow for every key: the screen's own keys
    on the first, the app's (go to a screen, quit) on the second; no key is ever cut off."""

    _shown: tuple[Any, ...] | None = None
    _check_pending = False

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        keys: list[FooterKey] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
                keys.append(widget)
        two_rows = self._two_rows(keys)
        self.set_class(two_rows, "-two-rows")
        if not two_rows:
            yield from keys
            return
        palette = [k for k in keys if k.has_class("-command-palette")]
        app_actions = {b.action for _key, b in self.app._bindings}
        rows: tuple[list[FooterKey], list[FooterKey]] = ([], [])
        for key in keys:
            if key not in palette:
                rows[key.action in app_actions].append(key)
        yield HorizontalGroup(*rows[0], classes="footer-row")
        yield HorizontalGroup(*rows[1], classes="footer-row")
        yield from palette

    def _two_rows(self, keys: list[FooterKey]) -> bool:
        width = self.app.size.width
        return sum(key_width(k) for k in keys) > width

    def _on_resize(self, event: events.Resize) -> None:
        self._shown = None  # the same keys may need the other number of rows now
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._check_bindings, screen)

    def _check_bindings(self, screen: Screen[Any]) -> None:
        self._check_pending = False
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(
                screen
            )  # not shown now: Footer only notes that bindings are ready
            return
        shown = self._keys_shown(screen)
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)

    def _keys_shown(self, screen: Screen[Any]) -> tuple[Any, ...]:
        palette = self.app.COMMAND_PALETTE_BINDING if self.show_command_palette else None
        return (self.app.size.width,) + tuple(
            (binding.key, binding.action, binding.description, binding.tooltip, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )
