"""The console password the role flow generated for B's user, from the vault: masked
until the operator asks to see it and confirms, then hidden again after
``RevealScreen.SHOW_SECONDS``; copying it (OSC 52, which reaches the local clipboard over
SSH) asks the same question first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from armstui.tui.screens.base import in_thread
from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.dialog import dialog_buttons

MASK = "•" * 12


def login_step(step_id: str) -> tuple[str, str] | None:
    """``role/<account>/user/<user>/login`` (the role flow's console-login step) ->
    (account, user); None for any other step."""
    parts = step_id.split("/")
    if len(parts) == 5 and parts[0] == "role" and parts[2] == "user" and parts[4] == "login":
        return parts[1], parts[3]
    return None


class RevealScreen(ModalScreen[None]):
    SHOW_SECONDS = 15.0
    AUTO_FOCUS = "#close"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="close-reveal"),
        Binding("r", "reveal", "Reveal", id="reveal"),
        Binding("c", "copy", "Copy", id="copy-secret"),
    ]

    def __init__(self, vault: object, vault_name: str, user: str, account: str) -> None:
        super().__init__()
        self.vault, self.vault_name, self.user, self.account = vault, vault_name, user, account
        self._secret: str | None = None
        self._confirmed = False
        self.shown = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Console password of {self.user} in {self.account}", id="dialog-title")
            yield Static("reading the vault…", id="secret-value", markup=False)
            yield Static(
                f"r shows it for {self.SHOW_SECONDS:g} s (asks first); c copies it over OSC 52.",
                classes="field-label",
            )
            yield dialog_buttons(
                Button("Reveal", id="reveal", compact=True, action="screen.reveal"),
                Button("Copy", id="copy", compact=True, action="screen.copy"),
                Button(
                    "Close",
                    variant="primary",
                    id="close",
                    compact=True,
                    action="screen.dismiss(None)",
                ),
            )

    def on_mount(self) -> None:
        in_thread(  # a keyring may block
            self,
            lambda: self.vault.read(self.vault_name),  # type: ignore[attr-defined]
            self._loaded,
            # VaultUnavailable: its message says what to do
            lambda exc: self._show_text(f"cannot read the vault: {exc}"),
        )

    def _loaded(self, secret: str | None) -> None:
        self._secret = secret
        self._show_text(MASK if secret else "not in the vault (run the role flow's apply)")

    def _show_text(self, text: str) -> None:
        self.query_one("#secret-value", Static).update(text)

    def _confirm(self, then: str) -> None:
        if self._secret is None:
            self.notify("No password to show.", severity="warning")
            return
        if self._confirmed:
            getattr(self, f"_{then}")()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._confirmed = True
                getattr(self, f"_{then}")()

        self.app.push_screen(
            ConfirmScreen(
                "Show the console password?",
                f"The password of {self.user} in {self.account} will "
                + ("show on this screen" if then == "reveal" else "go to your clipboard")
                + ". Anyone who can see the screen or the clipboard can sign in as that user.",
                yes="Show" if then == "reveal" else "Copy",
            ),
            answered,
        )

    def action_reveal(self) -> None:
        self._confirm("reveal")

    def action_copy(self) -> None:
        self._confirm("copy")

    def _reveal(self) -> None:
        self.shown = True
        self._show_text(self._secret or "")
        self.set_timer(self.SHOW_SECONDS, self._hide)

    def _hide(self) -> None:
        self.shown = False
        self._show_text(MASK)

    def _copy(self) -> None:
        self.app.copy_to_clipboard(self._secret or "")
        self.notify("Copied (OSC 52: works over SSH in most terminals).")
