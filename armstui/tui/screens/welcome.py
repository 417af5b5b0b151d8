"""Welcome: what the tool does, a caution, and where to go from here."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from armstui.tui.messages import AppChange
from armstui.tui.navigation import DESTINATIONS
from armstui.tui.screens.base import ArmsScreen

INTRO = (
    "armstui sets up ARMS cross-account monitoring: source accounts report traces, "
    "metrics and topology into one monitoring account, and every step is checked "
    "against the cloud."
)
CAUTION = (
    "Cross-account monitoring adds operational overhead; managing each account on its "
    "own is simpler for most teams."
)


class WelcomeScreen(ArmsScreen):
    BINDINGS = [
        Binding("s", "use_sandbox", "Use sandbox", id="use-sandbox"),
        Binding("n", "add_account", "Add account", id="welcome-add-account"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="welcome"):
            yield Static(INTRO, id="intro")
            yield Static(CAUTION, id="caution")
            yield Static("", id="status")
            yield OptionList(id="menu")

    def on_app_changed(self, what: AppChange) -> None:
        if what in (AppChange.WORKSPACE, AppChange.ACCOUNTS, AppChange.RESUME):
            self._redraw()

    def on_mount(self) -> None:
        super().on_mount()
        self._redraw()

    def _redraw(self) -> None:
        state = self.app.state
        status = self.query_one("#status", Static)
        menu = self.query_one("#menu", OptionList)
        if state.workspace is None:
            status.update("Starting the sandbox…" if state.sandbox else "Opening your accounts…")
            menu.set_options([])
            return
        aliases = list(state.accounts)
        if not aliases:
            status.update(
                "No accounts yet. Press [b]s[/] to rehearse on the sandbox (nothing real is "
                "touched), or [b]n[/] to add a real account (its secret goes to the vault)."
            )
            menu.set_options(
                [
                    Option("s  Use the sandbox — rehearse every flow locally", id="sandbox"),
                    Option("n  Add an account", id="add"),
                ]
            )
        else:
            where = "the sandbox" if state.sandbox else "Alibaba Cloud"
            status.update(f"{len(aliases)} account(s) on {where}: {', '.join(aliases)}.")
            menu.set_options(
                [Option(f"{d.key}  {d.title:<10} {d.menu_text}", id=d.name) for d in DESTINATIONS]
            )
        menu.highlighted = 0
        if not isinstance(self.focused, OptionList):
            menu.focus()  # the arrows and enter work at once
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("use_sandbox", "add_account"):
            state = self.app.state
            if action == "add_account":
                return state.workspace is not None and not state.sandbox
            return not state.sandbox and (state.workspace is None or not state.accounts)
        return True

    @on(OptionList.OptionSelected, "#menu")
    def _destination_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "sandbox":
            self.app.action_use_sandbox()
        elif event.option.id == "add":
            self.action_add_account()
        elif event.option.id:
            self.app.action_show(event.option.id)

    def action_use_sandbox(self) -> None:
        self.app.action_use_sandbox()

    def action_add_account(self) -> None:
        self.app.action_show("accounts")
        self.app.call_after_refresh(lambda: self.app.screen.run_action("add_account"))
