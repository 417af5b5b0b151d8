"""Import accounts from aliyun CLI profiles or ALIBABA_CLOUD_* variables. The credentials
stay where they are (read at use time, never copied); only a reference is saved."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from armstui import accounts as ops
from armstui.credentials import shown_name
from armstui.model import short_key_id
from armstui.tui.screens.base import in_thread
from armstui.tui.screens.dialog import FormDialog
from armstui.tui.widgets.toggles import MarkedCheckbox


def candidate_label(c: Any) -> Text:
    """Plain text, never markup: a profile name is whatever the aliyun CLI file holds
    ("[/]" would break markup; control characters are escaped, long names cut)."""
    key = short_key_id(c.access_key_id) if c.access_key_id else "no key"
    default = " (default)" if c.default else ""
    problem = f" — cannot import: {c.problem}" if c.problem else ""
    return Text(
        f"{shown_name(c.name).strip(chr(39))}{default}  {c.mode}  {key}  {c.region}{problem}"
    )


class ImportScreen(FormDialog[Any]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-import")]
    AUTO_FOCUS = "#candidates"
    form_title, action_label, action_id = "Import an account", "Import", "import"

    def __init__(self, workspace: Any) -> None:
        super().__init__()
        self.workspace = workspace
        self.candidates: list[Any] = []

    def compose_fields(self) -> ComposeResult:
        yield OptionList(id="candidates")
        yield Label("Alias", classes="field-label")
        yield Input(id="alias", compact=True)
        yield Label("Account ID (16 digits; RamRoleArn profiles know it)", classes="field-label")
        yield Input(id="uid", restrict=r"[0-9]*", max_length=16, compact=True)
        yield MarkedCheckbox("Production account", id="production", compact=True)

    def on_mount(self) -> None:
        in_thread(
            self,
            ops.import_candidates,
            self._show,
            lambda exc: self.show_error(f"Cannot read the aliyun CLI profiles: {exc}"),
        )

    def _show(self, found: list[Any]) -> None:
        self.candidates = found
        options = self.query_one("#candidates", OptionList)
        options.set_options(
            [
                Option(candidate_label(c), id=str(i), disabled=bool(c.problem))
                for i, c in enumerate(found)
            ]
        )
        if not found:
            self.show_error(
                "Nothing to import: no ~/.aliyun/config.json profiles and no ALIBABA_CLOUD_ACCESS_KEY_ID."
            )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        candidate = self.candidates[int(event.option.id or 0)]
        self.query_one("#alias", Input).value = candidate.alias
        self.query_one("#uid", Input).value = candidate.uid or ""

    def action_import(self) -> None:
        options = self.query_one("#candidates", OptionList)
        if options.highlighted is None:
            self.show_error("Choose a profile first.")
            return
        candidate = self.candidates[int(options.get_option_at_index(options.highlighted).id or 0)]
        alias = self.query_one("#alias", Input).value.strip()
        uid = self.query_one("#uid", Input).value.strip()
        production = self.query_one("#production", Checkbox).value
        in_thread(
            self,
            lambda: self._import(candidate, alias, uid, production),
            self.dismiss,
            lambda exc: self.show_error(str(exc)),
        )

    def _import(self, candidate: Any, alias: str, uid: str, production: bool) -> Any:
        account = ops.account_for(candidate, alias, uid, production=production)
        ops.save_accounts(self.workspace, [account])
        return account
