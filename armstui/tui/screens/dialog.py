"""The one modal dialog every question uses: a title, a body, a "yes" and a "no" button.

Subclasses give the body (``compose_body``) and the buttons' labels; the answer is what
``answer_for(yes)`` makes of the button pressed (or of the key bound to ``answer``).

A question that changes a production account is guarded: the focus starts on the "no"
button, and "yes" stays disabled until the account's alias is typed.
"""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label

ResultT = TypeVar("ResultT")


class DialogScreen(ModalScreen[ResultT]):
    dialog_classes = ""  # extra classes of the #dialog container (e.g. "plan": wider)

    def __init__(self, *, danger: bool = False, guard: str | None = None) -> None:
        super().__init__(classes="-danger" if danger or guard else "")
        self.guard = guard  # what must be typed before "yes": a production alias, or None

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
            if self.guard:
                yield Label(
                    f"PRODUCTION: type {self.guard} to enable {self.yes_label()}",
                    id="guard-label",
                    markup=False,
                )
                yield Input(placeholder=self.guard, id="guard", compact=True)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    self.yes_label(),
                    variant="error" if self.yes_is_dangerous() else "primary",
                    id="yes",
                    compact=True,
                    disabled=bool(self.guard),
                )
                yield Button(self.no_label(), id="no", compact=True)

    def on_mount(self) -> None:
        self.first_focus().focus()

    def first_focus(self) -> Widget:
        """Where the focus starts: "yes", or "no" when the question is guarded."""
        return self.query_one("#no" if self.guard else "#yes", Button)

    @property
    def unlocked(self) -> bool:
        if not self.guard:
            return True
        return self.query_one("#guard", Input).value.strip() == self.guard

    @on(Input.Changed, "#guard")
    def _guard_typed(self) -> None:
        self.query_one("#yes", Button).disabled = not self.unlocked

    @on(Input.Submitted, "#guard")
    def _guard_submitted(self) -> None:
        if self.unlocked:
            self.action_answer(True)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.action_answer(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.action_answer(False)

    def action_answer(self, yes: bool) -> None:
        if yes and not self.unlocked:
            self.notify(f"Type {self.guard} first: it changes a production account.")
            return
        self.dismiss(self.answer_for(yes))
