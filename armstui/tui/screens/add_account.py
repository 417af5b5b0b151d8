"""Add an account: alias, account ID, region, AccessKey ID, and the secret in a hidden
field that goes straight into the vault (from a worker: keyring calls may block)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

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
from armstui.secrets.redaction import redact
from armstui.tui.widgets.form_errors import collect, field_error, show_errors
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


class AddAccountScreen(ModalScreen[Any]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="cancel-add"),
        Binding("ctrl+s", "save", "Save", id="save-account"),
    ]

    def __init__(self, workspace: Any, *, sandbox: bool) -> None:
        super().__init__()
        self.workspace, self.sandbox = workspace, sandbox

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="form"):
            yield Label("Add an account", id="dialog-title")
            yield Label("Alias (a-z, 0-9, - and _)", classes="field-label")
            yield Input(placeholder="prod-a", id="alias", compact=True)
            yield field_error("alias")
            yield Label("Account ID (16 digits)", classes="field-label")
            yield Input(
                placeholder="1234567890123456",
                id="uid",
                restrict=r"[0-9]*",
                max_length=16,
                compact=True,
            )
            yield field_error("uid")
            yield Label("Region", classes="field-label")
            yield Input(DEFAULT_REGION, id="region", compact=True)
            yield field_error("region")
            yield Label("AccessKey ID", classes="field-label")
            yield Input(placeholder="LTAI…", id="key-id", compact=True)
            yield field_error("key-id")
            yield Label("AccessKey secret (hidden; ctrl+r shows it for 5 s)", classes="field-label")
            yield SecretField(id="secret", compact=True)
            yield field_error("secret")
            yield MarkedCheckbox(
                "Production account (shown in red; asks before changes)",
                id="production",
                compact=True,
            )
            yield Static("", id="form-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#alias", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#secret")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

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
            self._error(f"Nothing was saved: {len(errors)} field(s) to fix, marked above.")
            return
        try:
            new.validated()
        except InvalidInput as exc:  # every field passed on its own; a rule across them
            self._error(str(exc))
            return
        self.query_one("#save", Button).disabled = True
        self._store(new)

    def _error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(
            Text(redact(text))
        )  # plain text: a message may hold "[...]"
        self.query_one("#save", Button).disabled = False

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _store(self, new: ops.NewAccount) -> None:
        try:
            account = ops.add_account(
                self.workspace, new, self.workspace.vault, saved=not self.sandbox
            )
        except Exception as exc:
            self.app.call_from_thread(self._error, f"Nothing was saved: {exc}")
            return
        self.app.call_from_thread(self.dismiss, account)
