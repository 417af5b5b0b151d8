"""A password-style input for secrets: drawn as dots; a reveal key shows it briefly.

Textual's ``Input(password=True)`` draws every character as a bullet (textual
widgets/_input.py). Revealing turns that off for :data:`REVEAL_SECONDS`, with a warning
notification, then masks again.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input

REVEAL_SECONDS = 5.0


class SecretField(Input):
    BINDINGS = [Binding("ctrl+r", "reveal", "Reveal 5 s", id="reveal-secret")]

    def __init__(
        self, *, placeholder: str = "", id: str | None = None, compact: bool = False
    ) -> None:
        super().__init__(placeholder=placeholder, password=True, id=id, compact=compact)
        self._hide_timer: Timer | None = None

    def action_reveal(self) -> None:
        if not self.value:
            return
        self.password = False
        self.add_class("-revealed")
        self.notify(
            f"The secret is visible for {REVEAL_SECONDS:g} seconds: mind who can see your screen.",
            title="Secret shown",
            severity="warning",
            timeout=REVEAL_SECONDS,
        )
        if self._hide_timer is not None:
            self._hide_timer.stop()
        self._hide_timer = self.set_timer(REVEAL_SECONDS, self.hide)

    def hide(self) -> None:
        self.password = True
        self.remove_class("-revealed")
        self._hide_timer = None

    def on_blur(self) -> None:
        self.hide()
