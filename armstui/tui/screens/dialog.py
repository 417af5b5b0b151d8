"""The one modal dialog every question uses: a title, a body, a "yes" and a "no" button.

Subclasses give the body (``compose_body``) and the buttons' labels; the answer is what
``answer_for(yes)`` makes of the button pressed (or of the key bound to ``answer``).
"""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

ResultT = TypeVar("ResultT")


class DialogScreen(ModalScreen[ResultT]):
    dialog_classes = ""  # extra classes of the #dialog container (e.g. "plan": wider)

    def __init__(self, *, danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else "")

    def dialog_title(self) -> str:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        yield from ()

    def yes_label(self) -> str:
        return "Yes"

    def no_label(self) -> str:
        return "Cancel"

    def yes_is_dangerous(self) -> bool:
        return self.has_class("-danger")

    def answer_for(self, yes: bool) -> ResultT:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes=self.dialog_classes):
            yield Label(self.dialog_title(), id="dialog-title")
            yield from self.compose_body()
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    self.yes_label(),
                    variant="error" if self.yes_is_dangerous() else "primary",
                    id="yes",
                    compact=True,
                )
                yield Button(self.no_label(), id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.action_answer(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.action_answer(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(self.answer_for(yes))
