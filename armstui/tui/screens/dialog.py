"""The modal dialogs' shared parts: the row of buttons at their foot (``dialog_buttons``);
the one dialog every question uses (``DialogScreen``); the one every form uses
(``FormDialog``).

A question has a title, a body, a "yes" and a "no" button. Subclasses give the body
(``compose_body``) and the buttons' labels; the answer is what ``answer_for(yes)`` makes of
the button pressed (or of the key bound to ``answer``). A question that changes a
production account is guarded: the focus starts on the "no" button, and "yes" stays
disabled until the account's alias is typed.

A form has a title, its fields (``compose_fields``), a line saying what is wrong with it
(``show_error``), then the button of its one action and Cancel, which dismisses it with
None.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from armstui.secrets.redaction import redact

ResultT = TypeVar("ResultT")


def dialog_buttons(*buttons: Button) -> Horizontal:
    """The row of buttons at the foot of a dialog."""
    return Horizontal(*buttons, id="dialog-buttons")


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
            yield dialog_buttons(
                Button(
                    self.yes_label(),
                    variant="error" if self.yes_is_dangerous() else "primary",
                    id="yes",
                    compact=True,
                    disabled=bool(self.guard),
                    action="screen.answer(True)",
                ),
                Button(self.no_label(), id="no", compact=True, action="screen.answer(False)"),
            )

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

    def action_answer(self, yes: bool) -> None:
        if yes and not self.unlocked:
            self.notify(f"Type {self.guard} first: it changes a production account.")
            return
        self.dismiss(self.answer_for(yes))


class FormDialog(ModalScreen[ResultT]):
    form_title = ""
    action_label = ""  # the label of the button that does the form's action
    action_id = ""  # its id, and the name of the screen's action it runs

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="form"):
            yield Label(self.form_title, id="dialog-title")
            yield from self.compose_fields()
            yield Static("", id="form-error")
            yield dialog_buttons(
                Button(
                    self.action_label,
                    variant="primary",
                    id=self.action_id,
                    compact=True,
                    action=f"screen.{self.action_id}",
                ),
                Button("Cancel", id="cancel", compact=True, action="screen.dismiss(None)"),
            )

    def show_error(self, text: str) -> None:
        """What is wrong, redacted, as plain text: a message may hold "[...]"."""
        self.query_one("#form-error", Static).update(Text(redact(text)))
