"""The keyring is locked or missing: offer the two safe ways on, inside the app.

- an encrypted file vault unlocked by a passphrase (armstui/secrets/file_vault.py: scrypt +
  AES-256-GCM), saved as the choice in config.toml when accounts are added;
- a session-only vault, forgotten when armstui exits.
Plaintext is never offered. Dismisses with ``(kind, passphrase)`` or None.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from armstui.tui.screens.dialog import dialog_buttons
from armstui.tui.widgets.secret_field import SecretField


class VaultChoiceScreen(ModalScreen[tuple[str, str | None] | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Without a vault", id="no-vault")]
    AUTO_FOCUS = "#passphrase"

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="form"):
            yield Label("No usable keyring", id="dialog-title")
            yield Static(first_sentence(self.reason), id="vault-reason", markup=False)
            yield Static(
                "Keep secrets in an encrypted file (type its passphrase) or for this session "
                "only; never in plain text.",
                id="vault-offer",
            )
            yield Label("Encrypted file: its passphrase (hidden)", classes="field-label")
            yield SecretField(id="passphrase", compact=True)
            yield dialog_buttons(
                Button("Encrypted file", variant="primary", id="file", compact=True),
                Button("Session only", id="memory", compact=True),
                Button("Quit", id="quit", compact=True),
            )

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#file")
    def _file_chosen(self) -> None:
        self._choose("file")

    @on(Button.Pressed, "#memory")
    def _memory_chosen(self) -> None:
        self._choose("memory")

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self) -> None:
        self.app.exit()

    def _choose(self, kind: str) -> None:
        passphrase = self.query_one("#passphrase", SecretField).value
        if kind == "file" and not passphrase:
            self.notify("Type the passphrase of the encrypted file first.", severity="warning")
            self.query_one("#passphrase", SecretField).focus()
            return
        if kind == "file" and not _encodable(passphrase):
            self.notify(
                "passphrase: must be text that can be written as UTF-8 (a pasted character could not be)",
                severity="warning",
            )
            self.query_one("#passphrase", SecretField).focus()
            return
        self.dismiss((kind, passphrase if kind == "file" else None))


def first_sentence(reason: str, width: int = 140) -> str:
    """The reason in one short line: its first sentence, cut to ``width`` characters."""
    sentence = reason.split(". ", 1)[0].strip().rstrip(".") + "."
    return sentence if len(sentence) <= width else sentence[: width - 1] + "…"


def _encodable(text: str) -> bool:
    """The passphrase is derived from its UTF-8 bytes (armstui/secrets/file_vault.py); a lone
    surrogate (a broken paste) has none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
