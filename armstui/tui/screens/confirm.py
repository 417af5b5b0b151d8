"""A yes/no question as a modal (``ModalScreen[bool]``, dismissed with the answer)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="cancel"),
        Binding("y", "answer(True)", "Yes", show=False, id="yes"),
    ]

    def __init__(
        self, title: str, text: str, *, yes: str = "Yes", no: str = "Cancel", danger: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else "")
        self.title_text, self.text, self.yes, self.no = title, text, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.text, id="dialog-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    self.yes,
                    variant="error" if self.has_class("-danger") else "primary",
                    id="yes",
                    compact=True,
                )
                yield Button(self.no, id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
