"""Add an account: alias, account ID, region, AccessKey ID, and the secret in a hidden
field that goes straight into the vault (from a worker: keyring calls may block)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Checkbox, Input, Label

from armstui import accounts as ops
from armstui.model import (
    DEFAULT_REGION,
    InvalidInput,
    validate_access_key_id,
    validate_access_key_secret,
    validate_alias,
    validate_region,
    validate_uid,
)
from armstui.tui.screens.base import in_thread
from armstui.tui.screens.dialog import FormDialog
from armstui.tui.widgets.form_errors import collect, field_error, show_errors, text_field
from armstui.tui.widgets.secret_field import SecretField
from armstui.tui.widgets.toggles import MarkedCheckbox


def field_errors(new: ops.NewAccount) -> dict[str, str]:
    """Every field of the form that breaks a rule, each under its own name."""
    return collect(
        [
            ("alias", "alias", lambda: validate_alias(new.alias)),
            ("uid", "account ID", lambda: validate_uid(new.uid)),
            ("region", "region", lambda: validate_region(new.region)),
            ("key-id", "AccessKey ID", lambda: validate_access_key_id(new.access_key_id)),
            ("secret", "AccessKey secret", lambda: validate_access_key_secret(new.secret)),
        ]
    )


class AddAccountScreen(FormDialog[Any]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="cancel-add"),
        Binding("ctrl+s", "save", "Save", id="save-account"),
    ]
    AUTO_FOCUS = "#alias"
    form_title, action_label, action_id = "Add an account", "Save", "save"

    def __init__(self, workspace: Any, *, sandbox: bool) -> None:
        super().__init__()
        self.workspace, self.sandbox = workspace, sandbox

    def compose_fields(self) -> ComposeResult:
        yield from text_field("Alias (a-z, 0-9, - and _)", "alias", placeholder="prod-a")
        yield from text_field(
            "Account ID (16 digits)",
            "uid",
            placeholder="1234567890123456",
            restrict=r"[0-9]*",
            max_length=16,
        )
        yield from text_field("Region", "region", DEFAULT_REGION)
        yield from text_field("AccessKey ID", "key-id", placeholder="LTAI…")
        yield Label("AccessKey secret (hidden; ctrl+r shows it for 5 s)", classes="field-label")
        yield SecretField(id="secret", compact=True)
        yield field_error("secret")
        yield MarkedCheckbox(
            "Production account (shown in red; asks before changes)",
            id="production",
            compact=True,
        )

    @on(Input.Submitted, "#secret")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted, "#alias, #uid, #region, #key-id")
    def _next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        new = ops.NewAccount(
            alias=self.query_one("#alias", Input).value.strip(),
            uid=self.query_one("#uid", Input).value.strip(),
            region=self.query_one("#region", Input).value.strip(),
            access_key_id=self.query_one("#key-id", Input).value.strip(),
            secret=self.query_one("#secret", SecretField).value,
            production=self.query_one("#production", Checkbox).value,
        )
        errors = field_errors(new)
        show_errors(self, errors)
        if errors:
            self.show_error(f"Nothing was saved: {len(errors)} field(s) to fix, marked above.")
            return
        try:
            new.validated()
        except InvalidInput as exc:  # every field passed on its own; a rule across them
            self.show_error(str(exc))
            return
        self.query_one("#save", Button).disabled = True
        in_thread(
            self,
            lambda: ops.add_account(
                self.workspace, new, self.workspace.vault, saved=not self.sandbox
            ),
            self.dismiss,
            lambda exc: self.show_error(f"Nothing was saved: {exc}"),
            exclusive=True,
        )

    def show_error(self, text: str) -> None:
        super().show_error(text)
        self.query_one("#save", Button).disabled = False
