"""Where to write the checklist's reports: a folder, the working directory shown as the
default; one Markdown file per flow (``armstui-<flow>-report.md``)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from armstui.tui.screens.dialog import DialogScreen
from armstui.tui.widgets.form_errors import field_error, show_errors


def report_name(flow: str) -> str:
    return f"armstui-{flow}-report.md"


class ExportScreen(DialogScreen["Path | None"]):
    BINDINGS = [Binding("escape", "answer(False)", "Cancel", id="cancel-export")]

    def __init__(self, flows: list[str], folder: Path) -> None:
        super().__init__()
        self.flows, self.folder = flows, folder

    def dialog_title(self) -> str:
        return "Export the reports"

    def compose_body(self) -> ComposeResult:
        names = ", ".join(report_name(f) for f in self.flows)
        yield Static(f"Writes {names} (replacing files of those names).", markup=False)
        yield Label("Folder", classes="field-label")
        yield Input(str(self.folder), id="folder", compact=True)
        yield field_error("folder")

    def yes_label(self) -> str:
        return "Export"

    def first_focus(self) -> Widget:
        return self.query_one("#folder", Input)

    @on(Input.Submitted, "#folder")
    def _submitted(self) -> None:
        self.action_answer(True)

    def chosen(self) -> Path | None:
        """The folder typed, or None (its error shown) if it is not a folder one can use."""
        text = self.query_one("#folder", Input).value.strip()
        folder = Path(text).expanduser() if text else None
        error = ""
        if folder is None:
            error = "folder: type where the reports go"
        elif not folder.is_dir():
            error = f"folder: {folder} is not an existing folder"
        show_errors(self, {"folder": error} if error else {})
        return None if error else folder

    def action_answer(self, yes: bool) -> None:
        if not yes:
            self.dismiss(None)
            return
        folder = self.chosen()
        if folder is not None:
            self.dismiss(folder)

    def answer_for(self, yes: bool) -> Path | None:  # every answer goes through action_answer
        return None
