"""Choose the monitoring account (A) and the source accounts (B...).

The monitoring account is never offered as its own source: its row in the source list is
unticked and disabled while it is A. With no accounts at all the picker says what to do
first instead of showing empty lists (Textual's Select refuses to be built empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from armstui.tui.widgets.toggles import MarkedSelectionList

NO_ACCOUNTS = (
    "No accounts yet. Press a (Accounts) to add or import one, or go Home (esc) and press s "
    "to rehearse on the sandbox."
)


def account_label(account: Any) -> str:
    prod = "  PRODUCTION" if account.production else ""
    return f"{account.alias}  {account.uid}{prod}"


class AccountPicker(Vertical):
    def __init__(
        self,
        accounts: dict[str, Any],
        monitoring: str | None,
        sources: Iterable[str],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.accounts = accounts
        self._monitoring = monitoring if monitoring in accounts else None
        self._sources = set(sources)

    def compose(self) -> ComposeResult:
        if not self.accounts:
            yield Static(NO_ACCOUNTS, id="no-accounts", markup=False)
            return
        yield Label("Monitoring account (A): where the data is viewed", classes="field-label")
        yield Select(
            [(account_label(a), a.alias) for a in self.accounts.values()],
            value=self._monitoring or Select.NULL,
            allow_blank=False,
            id="monitoring",
            compact=True,
        )
        yield Label(
            "Source accounts (B): whose apps report into A (space toggles)", classes="field-label"
        )
        yield MarkedSelectionList(*self._source_rows(self._monitoring), id="sources", compact=True)

    def _source_rows(self, monitoring: str | None) -> list[Selection[str]]:
        return [
            Selection(
                account_label(a),
                a.alias,
                a.alias in self._sources and a.alias != monitoring,
                disabled=a.alias == monitoring,
            )
            for a in self.accounts.values()
        ]

    @on(Select.Changed, "#monitoring")
    def _monitoring_changed(self, event: Select.Changed) -> None:
        event.stop()
        chosen = event.value if isinstance(event.value, str) else None
        sources = self.query_one("#sources", SelectionList)
        self._sources = set(sources.selected)
        highlighted = sources.highlighted
        sources.clear_options()
        sources.add_options(self._source_rows(chosen))
        sources.highlighted = highlighted

    @property
    def monitoring(self) -> str | None:
        found = self.query("#monitoring")
        value = found.first(Select).value if found else None
        return value if isinstance(value, str) else None

    @property
    def sources(self) -> list[str]:
        found = self.query("#sources")
        if not found:
            return []
        return [a for a in found.first(SelectionList).selected if a != self.monitoring]
