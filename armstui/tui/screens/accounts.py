"""Accounts: alias, account ID, region, credential source, whether the secret is
reachable, and the part each plays. Add (secret straight into the vault), import (aliyun
CLI profiles, ALIBABA_CLOUD_* variables), remove, pick A and the Bs, mark production."""

from __future__ import annotations

import functools
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from armstui import accounts as ops
from armstui.secrets.redaction import redact
from armstui.tui.messages import AppChange
from armstui.tui.screens.base import ArmsScreen, in_thread, row_table

COLUMNS = ("alias", "A/B", "account ID", "region", "credential", "secret")


class AccountsScreen(ArmsScreen):
    BINDINGS = [
        Binding("m", "make_monitoring", "Monitoring", id="make-monitoring"),
        Binding("s", "toggle_source", "Source", id="toggle-source"),
        Binding("p", "toggle_production", "Prod", id="toggle-production"),
        Binding("n", "add_account", "Add", id="add-account"),
        Binding("o", "import_accounts", "Import", id="import-accounts"),
        Binding("d", "remove_account", "Remove", id="remove-account"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="accounts-help")
        yield row_table("accounts", COLUMNS)

    def on_mount(self) -> None:
        super().on_mount()
        self._redraw()
        if self.app.state.workspace is not None:
            self.app.check_reachability()

    def on_app_changed(self, what: str) -> None:
        if what in ("workspace", "accounts", "resume", "reachable"):
            self._redraw()

    def _part(self, alias: str) -> str:
        state = self.app.state
        return "A" if alias == state.monitoring else ("B" if alias in state.sources else "-")

    def _redraw(self) -> None:
        state = self.app.state
        table = self.query_one(DataTable)
        selected = self.selected_alias
        table.clear()
        for alias, account in state.accounts.items():
            credential = account.credential.describe() if account.credential else "none"
            name = f"{alias} (PROD)" if account.production else alias
            reachable = state.reachable.get(alias, "…")
            cells = (
                name,
                self._part(alias),
                account.uid,
                account.region,
                credential,
                reachable if reachable == "…" else reachable.split(":")[0],
            )
            table.add_row(
                *(
                    Text(c, style="bold red" if account.production and c == name else "")
                    for c in cells
                ),
                key=alias,
            )
        if selected in state.accounts:
            table.move_cursor(row=list(state.accounts).index(selected))
        where = (
            "Sandbox accounts come from sandbox.json (add/import/remove act on saved accounts)."
            if state.sandbox
            else "Secrets go straight into the vault; config.toml holds none."
        )
        if not state.accounts:
            where = (
                "No accounts yet: [b]n[/] adds one (its secret goes to the vault), [b]o[/] "
                "imports aliyun CLI profiles or ALIBABA_CLOUD_* variables. " + where
            )
        self.query_one("#accounts-help", Static).update(
            f"{where} [b]m[/] makes the row the monitoring account (A), [b]s[/] toggles it as a source (B)."
        )

    @property
    def selected_alias(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    # --- choosing A and B -------------------------------------------------------------------

    def action_make_monitoring(self) -> None:
        alias = self.selected_alias
        if alias is None:
            return
        state = self.app.state
        state.monitoring = alias
        state.sources = [s for s in state.sources if s != alias]
        self._roles_changed()

    def action_toggle_source(self) -> None:
        alias = self.selected_alias
        state = self.app.state
        if alias is None:
            return
        if alias == state.monitoring:
            self.notify(
                f"{alias} is the monitoring account; a source must differ from it.",
                severity="warning",
            )
            return
        state.sources = (
            [s for s in state.sources if s != alias]
            if alias in state.sources
            else [*state.sources, alias]
        )
        self._roles_changed()

    def _roles_changed(self) -> None:
        state = self.app.state
        if not state.sandbox:
            monitoring, sources = state.monitoring, list(state.sources)
            in_thread(
                self,
                lambda: ops.save_roles(monitoring, sources),
                lambda _: None,
                functools.partial(self._failed, "Not saved"),
            )
        self.app.changed.publish(AppChange.ACCOUNTS)

    def _failed(self, title: str, exc: Exception) -> None:
        self.notify(redact(str(exc)), title=title, severity="error")

    def action_toggle_production(self) -> None:
        alias = self.selected_alias
        if alias is None:
            return
        state = self.app.state
        production = not state.accounts[alias].production
        in_thread(
            self,
            lambda: ops.set_production(state.workspace, alias, production, saved=not state.sandbox),
            lambda _: self.app.changed.publish(AppChange.ACCOUNTS),
            functools.partial(self._failed, "Not saved"),
        )

    # --- add, import, remove --------------------------------------------------------------------

    def action_add_account(self) -> None:
        from armstui.tui.screens.add_account import AddAccountScreen

        self.app.push_screen(
            AddAccountScreen(self.app.state.workspace, sandbox=self.app.state.sandbox), self._added
        )

    def _added(self, account: Any) -> None:
        if account is None:
            return
        self.notify(
            f"Added {account.alias}: secret in the {self.app.state.workspace.vault.kind} vault."
        )
        self.app.state.choose_defaults()
        self.app.changed.publish(AppChange.ACCOUNTS)
        self.app.check_reachability()
        self.app.refresh_identities()

    def action_import_accounts(self) -> None:
        if self.app.state.sandbox:
            self.notify(
                "On the sandbox the accounts are its seeded ones; import works on saved accounts.",
                severity="warning",
            )
            return
        from armstui.tui.screens.import_accounts import ImportScreen

        self.app.push_screen(ImportScreen(self.app.state.workspace), self._added)

    def action_remove_account(self) -> None:
        alias = self.selected_alias
        if alias is None:
            return
        if self.app.state.sandbox:
            self.notify(
                "Sandbox accounts cannot be removed; they come from sandbox.json.",
                severity="warning",
            )
            return
        from armstui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                in_thread(
                    self,
                    lambda: ops.remove_account(self.app.state.workspace, alias).describe(),
                    functools.partial(self._removed, alias),
                    functools.partial(self._failed, "Not removed"),
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Remove {alias}?",
                f"{alias} leaves config.toml and its secret "
                "leaves the vault. Nothing changes in the cloud.",
                yes="Remove",
                danger=True,
            ),
            answered,
        )

    def _removed(self, alias: str, text: str) -> None:
        state = self.app.state
        if state.monitoring == alias:
            state.monitoring = None
        state.sources = [s for s in state.sources if s != alias]
        self.notify(text)
        self.app.changed.publish(AppChange.ACCOUNTS)
