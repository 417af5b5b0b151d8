"""The vault did not open: offer what opens one, inside the app.

With no vault chosen yet, the two safe ways on when the keyring is locked or missing:

- an encrypted file vault unlocked by a passphrase (armstui/secrets/file_vault.py: scrypt +
  AES-256-GCM), saved as the choice in config.toml when accounts are added (a sandbox's
  choice is saved in its own config.toml when it is opened);
- a session-only vault, forgotten when armstui exits.

A sandbox whose choice is saved opens only that vault (``needs``): the dialog asks for the
encrypted file's passphrase, or to try the keyring again once it is unlocked.
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

_WORDING = {  # the title and the offer, by the vault the sandbox needs (None: any safe one)
    None: (
        "No usable keyring",
        "Keep secrets in an encrypted file (type its passphrase) or for this session "
        "only; never in plain text.",
    ),
    "file": (
        "The sandbox's encrypted vault",
        "The sandbox's secrets are in its encrypted file: type its passphrase.",
    ),
    "keyring": (
        "The sandbox's keyring did not open",
        "The sandbox's secrets are in the keyring: unlock it, then try again.",
    ),
}


class VaultChoiceScreen(ModalScreen[tuple[str, str | None] | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Without a vault", id="no-vault")]
    AUTO_FOCUS = "#passphrase, #keyring"  # the first answer: the one that is there

    def __init__(self, reason: str, needs: str | None = None) -> None:
        """``needs``: the one vault kind a sandbox saved as its choice (``file`` or
        ``keyring``), the only one offered then; None: the encrypted file or session only."""
        super().__init__()
        self.reason = reason
        self.needs = needs if needs in ("file", "keyring") else None

    def compose(self) -> ComposeResult:
        title, offer = _WORDING[self.needs]
        with VerticalScroll(id="dialog", classes="form"):
            yield Label(title, id="dialog-title")
            yield Static(first_sentence(self.reason), id="vault-reason", markup=False)
            yield Static(offer, id="vault-offer")
            if self.needs == "keyring":
                first = Button("Try again", variant="primary", id="keyring", compact=True)
            else:
                yield Label("Encrypted file: its passphrase (hidden)", classes="field-label")
                yield SecretField(id="passphrase", compact=True)
                first = Button("Encrypted file", variant="primary", id="file", compact=True)
            session = [Button("Session only", id="memory", compact=True)] if not self.needs else []
            yield dialog_buttons(first, *session, Button("Quit", id="quit", compact=True))

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#file")
    def _file_chosen(self) -> None:
        self._choose("file")

    @on(Button.Pressed, "#memory")
    def _memory_chosen(self) -> None:
        self._choose("memory")

    @on(Button.Pressed, "#keyring")
    def _keyring_chosen(self) -> None:
        self.dismiss(("keyring", None))

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
