"""A yes/no question as a modal, dismissed with the answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from armstui.tui.screens.dialog import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="cancel"),
        Binding("y", "answer(True)", "Yes", show=False, id="yes"),
    ]

    def __init__(
        self,
        title: str,
        text: str,
        *,
        yes: str = "Yes",
        no: str = "Cancel",
        danger: bool = False,
        guard: str | None = None,
    ) -> None:
        super().__init__(danger=danger, guard=guard)
        self.title_text, self.text, self.yes, self.no = title, text, yes, no

    def dialog_title(self) -> str:
        return self.title_text

    def compose_body(self) -> ComposeResult:
        yield Static(self.text, id="dialog-text", markup=False)

    def yes_label(self) -> str:
        return self.yes

    def no_label(self) -> str:
        return self.no

    def answer_for(self, yes: bool) -> bool:
        return yes
