"""What every main screen shares: header, identity banner, call log panel, footer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header

from armstui.tui.messages import AppChange
from armstui.tui.widgets.call_log import CallLogPanel
from armstui.tui.widgets.footer import ArmsFooter
from armstui.tui.widgets.identity_banner import IdentityBanner

if TYPE_CHECKING:
    from armstui.tui.app import ArmsTui


T = TypeVar("T")


def in_thread(
    node: Widget,
    work: Callable[[], T],
    then: Callable[[T], object],
    failed: Callable[[Exception], object],
    *,
    exclusive: bool = False,
) -> None:
    """Run ``work`` in a thread worker of ``node`` (a keyring, a file or the config may
    block), then on the app's thread hand what it returned to ``then``, or what it raised to
    ``failed``: an error never ends the app."""

    def run() -> None:
        try:
            result = work()
        except Exception as exc:
            node.app.call_from_thread(failed, exc)
            return
        node.app.call_from_thread(then, result)

    node.run_worker(run, thread=True, exclusive=exclusive, exit_on_error=False)


def row_table(table_id: str, columns: Iterable[str | tuple[str, int | None]]) -> DataTable[Any]:
    """A table read a row at a time (the cursor on whole rows, zebra stripes) with its
    columns, each keyed by its label: a label alone, or with its width (None: as wide as
    its content)."""
    table: DataTable[Any] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for column in columns:
        label, width = (column, None) if isinstance(column, str) else column
        table.add_column(label, key=label, width=width)
    return table


class ArmsScreen(Screen[None]):
    app: ArmsTui

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield IdentityBanner(id="banner")
        yield from self.compose_body()
        yield CallLogPanel()
        yield ArmsFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.app.changed.subscribe(self, self._on_app_changed)
        self.app.calls.subscribe(self, self._on_call)
        self._sync_chrome()

    def on_screen_resume(self) -> None:
        self._sync_chrome()
        self.on_app_changed(AppChange.RESUME)

    def _sync_chrome(self) -> None:
        self.query_one(IdentityBanner).refresh_banner(self.app.state)
        panel = self.query_one(CallLogPanel)
        panel.display = self.app.show_call_log
        if panel.display:
            panel.show_records(self.app.call_records())

    def _on_app_changed(self, what: AppChange) -> None:
        self.query_one(IdentityBanner).refresh_banner(self.app.state)
        if what == AppChange.CALL_LOG:
            self._sync_chrome()
        self.on_app_changed(what)

    def on_app_changed(self, what: AppChange) -> None:
        """Something in app.state changed (see AppChange): screens redraw what depends on it."""

    def survey_in_thread(
        self, survey: Callable[[], Coroutine[Any, Any, Any]], show: Callable[[Any], None]
    ) -> None:
        """From a worker thread: run the read-only ``survey`` and hand its report to ``show``
        on the app's thread. An error is shown as a notification, never ends the app."""
        from armstui.tui.workers import describe_error

        try:
            report = asyncio.run(survey())
        except Exception as exc:
            self.app.call_from_thread(self.notify, describe_error(exc), severity="error")
            return
        self.app.call_from_thread(show, report)

    def _on_call(self, record: Any) -> None:
        panel = self.query_one(CallLogPanel)
        if panel.display:
            panel.add_record(record)
