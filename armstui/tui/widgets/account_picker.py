"""Choose the monitoring account (A) and the source accounts (B...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, SelectionList


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
        self._monitoring = monitoring
        self._sources = set(sources)

    def compose(self) -> ComposeResult:
        yield Label("Monitoring account (A): where the data is viewed", classes="field-label")
        yield Select(
            [(account_label(a), a.alias) for a in self.accounts.values()],
            value=self._monitoring if self._monitoring in self.accounts else Select.NULL,
            allow_blank=False,
            id="monitoring",
            compact=True,
        )
        yield Label(
            "Source accounts (B): whose apps report into A (space toggles)", classes="field-label"
        )
        yield SelectionList[str](
            *[
                (account_label(a), a.alias, a.alias in self._sources)
                for a in self.accounts.values()
            ],
            id="sources",
            compact=True,
        )

    @property
    def monitoring(self) -> str | None:
        value = self.query_one("#monitoring", Select).value
        return value if isinstance(value, str) else None

    @property
    def sources(self) -> list[str]:
        return [
            a for a in self.query_one("#sources", SelectionList).selected if a != self.monitoring
        ]
