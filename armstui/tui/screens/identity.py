"""Identity: who each account's credentials are (STS GetCallerIdentity, no permission
needed), assume a role, and list the ARMS apps visible as that identity.

The quick identity-switch check in three keystrokes: ``i`` (this screen), ``s`` (the role
ARN, prefilled with A's role from the role flow), ``enter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from armstui.flows.setup import DEFAULT_ROLE
from armstui.model import InvalidInput, validate_role_arn
from armstui.secrets.redaction import redact
from armstui.tui.messages import SwitchDone
from armstui.tui.screens.base import ArmsScreen, row_table

if TYPE_CHECKING:
    from armstui.tui.state import AppState


def default_role_arn(state: AppState) -> str:
    monitoring = state.accounts.get(state.monitoring) if state.monitoring else None
    setup = state.setups.get("role")
    role = setup.role_name if setup else DEFAULT_ROLE
    return f"acs:ram::{monitoring.uid}:role/{role}" if monitoring else ""


def switch_text(message: SwitchDone) -> Text:
    text = Text()
    if message.error or message.identity is None:
        text.append(f"{message.alias} could not switch into {message.role_arn}\n", style="bold red")
        text.append(redact(message.error or "unknown error"))
        return text
    who = message.identity
    text.append(f"{message.alias} is now {who.arn}\n", style="bold green")
    text.append(f"account {who.account_id}  type {who.identity_type}\n")
    text.append(f"ARMS applications visible as this identity: {len(message.apps)}\n", style="bold")
    for app in sorted(message.apps, key=lambda a: a.app_name):
        where = " ".join(x for x in (app.region_id, app.cluster_id or "", app.language or "") if x)
        text.append(f"  {app.app_name}  ", style="bold")
        text.append(f"{where}\n", style="dim")
    return text


# Fixed widths keep the columns apart at 80x24 (an ID cut short ends in "…").
COLUMNS = (("alias", 14), ("account ID", 17), ("type", 15), ("identity (ARN)", None))


class IdentityScreen(ArmsScreen):
    BINDINGS = [
        Binding("s", "switch", "Switch role", id="switch-role"),
        Binding("w", "whoami", "Who am I", id="whoami"),
    ]

    _switch_aliases: list[str]  # the accounts the picker offers (set as it is composed)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="identity"):
            yield row_table("identities", COLUMNS)
            yield Label("Assume a role: as", classes="field-label")
            with Horizontal(id="switch-row"):
                state = self.app.state
                self._switch_aliases = list(state.accounts)
                first_source = next((s for s in state.sources if s in state.accounts), Select.NULL)
                yield Select(
                    [(a, a) for a in self._switch_aliases],
                    value=first_source,
                    id="switch-from",
                    allow_blank=not self._switch_aliases,
                    compact=True,
                )
                yield Input(
                    placeholder="acs:ram::<A's account ID>:role/<name>", id="role-arn", compact=True
                )
                yield Button("Switch", variant="primary", id="switch", compact=True)
            yield Static("", id="switch-result")

    def on_mount(self) -> None:
        super().on_mount()
        self._redraw()

    def on_app_changed(self, what: str) -> None:
        if what in ("identities", "workspace", "accounts", "resume"):
            self._redraw()

    def _redraw(self) -> None:
        state = self.app.state
        table = self.query_one(DataTable)
        table.clear()
        for alias, account in state.accounts.items():
            who = state.identities.get(alias)
            name = Text(
                alias + (" PROD" if account.production else ""),
                style="bold red" if account.production else "",
            )
            if who is None:
                table.add_row(name, Text(account.uid), "…", "checking…", key=alias)
            elif who.caller is not None:
                caller = who.caller
                table.add_row(
                    name,
                    Text(caller.account_id),
                    Text(caller.identity_type),
                    Text(caller.arn),
                    key=alias,
                )
            else:
                table.add_row(
                    name, Text(account.uid), "-", Text(f"{who.error}", style="red"), key=alias
                )
        picker = self.query_one("#switch-from", Select)
        aliases = list(state.accounts)
        if aliases and aliases != self._switch_aliases:
            self._switch_aliases = aliases
            picker.set_options([(a, a) for a in aliases])
            first_source = next((s for s in state.sources if s in state.accounts), None)
            if first_source:
                picker.value = first_source
        arn = self.query_one("#role-arn", Input)
        if not arn.value:
            arn.value = default_role_arn(state)

    def action_whoami(self) -> None:
        self.app.state.identities.clear()
        self._redraw()
        self.app.refresh_identities()

    def action_switch(self) -> None:
        arn = self.query_one("#role-arn", Input)
        arn.value = arn.value or default_role_arn(self.app.state)
        arn.focus()

    @on(Input.Submitted, "#role-arn")
    @on(Button.Pressed, "#switch")
    def _switch(self) -> None:
        alias = self.query_one("#switch-from", Select).value
        arn = self.query_one("#role-arn", Input).value.strip()
        try:
            validate_role_arn(arn, "role ARN")
        except InvalidInput as exc:
            self.notify(str(exc), title="Check the role ARN", severity="error")
            return
        if not isinstance(alias, str):
            self.notify("Choose the account to switch from.", severity="error")
            return
        self.query_one("#switch-result", Static).update(
            Text(f"{alias} assumes {arn}…", style="italic")
        )
        self.app.switch_role(alias, arn)
        self.query_one(DataTable).focus()  # the screen's keys (s, w, l, …) work again

    def show_switch(self, message: SwitchDone) -> None:
        self.query_one("#switch-result", Static).update(switch_text(message))
