"""Fleet: every source's clusters and instances, whether each reports into A now.

The survey runs in a thread worker with its own event loop (the SDK work never touches the
UI loop); each source's rows arrive as soon as that source is known. The table sorts what
needs attention first, filters as you type, and refreshes on a timer the operator can
change (``+``/``-``) or stop (``p``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label

from armstui.tui.screens.base import ArmsScreen, row_table

INTERVALS = (15.0, 30.0, 60.0, 120.0, 300.0)
# Fixed widths: the table never measures its cells, so a redraw costs the same for any size.
COLUMNS = (
    ("", 1),
    ("account", 12),
    ("kind", 8),
    ("name", 24),
    ("region", 14),
    ("onepilot", 8),
    ("reporting", 13),
    ("last data", 20),
    ("note", 60),
)
REDRAW_AFTER_S = 0.1  # keys and arriving sources within this are drawn once


@dataclass(frozen=True)
class Row:
    """One cluster or instance as the table shows it; ``rank`` orders by attention."""

    rank: int  # 0 could not look, 1 not reporting or drifted, 2 not monitored, 3 fine
    cells: tuple[str, ...]
    key: str = ""  # the cluster or instance ID: what the checklist's step IDs name

    def matches(self, text: str) -> bool:
        return not text or any(text in cell.lower() for cell in self.cells)


MARKS = {0: "?", 1: "✗", 2: "·", 3: "✓"}


def rows_of(source: Any) -> list[Row]:
    """The rows of one source (armstui.survey.fleet.SourceHealth)."""
    if source.error:
        return [Row(0, (MARKS[0], source.account, "source", "", "", "", "", "", source.error))]
    out = []
    for c in source.clusters:
        rank = 3 if c.reporting_now and not c.drift else 1
        out.append(
            Row(
                rank,
                (
                    MARKS[rank],
                    source.account,
                    "cluster",
                    c.name,
                    c.region or "",
                    c.onepilot_version or "none",
                    "yes" if c.reporting_now else "NO",
                    c.last_data_at or "",
                    "; ".join(c.drift),
                ),
                c.cluster_id,
            )
        )
    for i in source.instances:
        rank = 2 if not i.monitored else 3 if i.reporting_now else 1
        out.append(
            Row(
                rank,
                (
                    MARKS[rank],
                    source.account,
                    "instance",
                    i.name or i.instance_id,
                    i.region or "",
                    "",
                    "not monitored" if not i.monitored else "yes" if i.reporting_now else "NO",
                    i.last_data_at or "",
                    f"app {i.app_name}" + ("" if i.cloud_assistant else ", no Cloud Assistant"),
                ),
                i.instance_id,
            )
        )
    return out


class FleetScreen(ArmsScreen):
    BINDINGS = [
        Binding("r", "refresh_fleet", "Refresh", id="fleet-refresh"),
        Binding("p", "pause", "Pause/resume timer", id="fleet-pause"),
        Binding("plus", "slower", "Slower", show=False, id="fleet-slower"),
        Binding("minus", "faster", "Faster", show=False, id="fleet-faster"),
        Binding("slash", "focus_filter", "Filter", id="fleet-filter"),
    ]

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self._rows: dict[str, list[Row]] = {}  # source alias -> its rows
        self._interval = INTERVALS[1]
        self._timer: Timer | None = None
        self._paused = False
        self.summary = ""
        self._redraw_pending = False
        self._shown: list[Row] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="fleet"):
            with Horizontal(id="fleet-bar"):
                yield Input(placeholder="filter: type to narrow the rows", id="fleet-filter")
                yield Label("", id="fleet-timer")
            yield row_table("fleet-table", COLUMNS)
            yield Label("Looking at the fleet…", id="fleet-summary")

    def on_mount(self) -> None:
        super().on_mount()
        # The screen's keys first; "/" goes to the filter.
        self.query_one("#fleet-table", DataTable).focus()
        self._restart_timer()
        self.action_refresh_fleet()

    # --- the timer --------------------------------------------------------------------

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = (
            None if self._paused else self.set_interval(self._interval, self.action_refresh_fleet)
        )
        state = "stopped (p resumes)" if self._paused else f"every {self._interval:.0f} s (+/-)"
        self.query_one("#fleet-timer", Label).update(f"refresh {state}")

    def action_pause(self) -> None:
        self._paused = not self._paused
        self._restart_timer()

    def _step(self, by: int) -> None:
        at = INTERVALS.index(self._interval) if self._interval in INTERVALS else 1
        self._interval = INTERVALS[max(0, min(len(INTERVALS) - 1, at + by))]
        self._restart_timer()

    def action_slower(self) -> None:
        self._step(+1)

    def action_faster(self) -> None:
        self._step(-1)

    def action_focus_filter(self) -> None:
        self.query_one("#fleet-filter", Input).focus()

    # --- the survey -------------------------------------------------------------------

    def action_refresh_fleet(self) -> None:
        state = self.app.state
        if state.workspace is None or state.monitoring is None:
            self.query_one("#fleet-summary", Label).update("Choose the monitoring account first.")
            return
        sources = [s for s in state.accounts if s != state.monitoring]
        saved = [s for s in state.sources if s in state.accounts and s != state.monitoring]
        self.run_worker(
            lambda: self._survey(state.workspace, state.monitoring, saved or sources),
            thread=True,
            exclusive=True,
            group="fleet",
            exit_on_error=False,
        )

    def _survey(self, workspace: Any, monitoring: str, sources: list[str]) -> None:
        from armstui.flows.setup import Setup
        from armstui.survey import accounts as chosen
        from armstui.survey.fleet import survey_fleet

        async def run() -> Any:
            sessions = await chosen.sessions(workspace, [monitoring, *sources])
            user = Setup.reporter_user
            return await survey_fleet(
                sessions[monitoring],
                {s: sessions[s] for s in sources},
                reporter_user=user,
                vault_has=chosen.vault_has(workspace, workspace.accounts[monitoring].uid, user),
                on_source=lambda health: self.app.call_from_thread(self.show_source, health),
            )

        self.survey_in_thread(run, self.show_report)

    def show_source(self, source: Any) -> None:
        self._rows[source.account] = rows_of(source)
        self._redraw_soon()

    def show_report(self, report: Any) -> None:
        self.summary = f"{report.checked_at}: {report.summary()}"
        self.query_one("#fleet-summary", Label).update(self.summary)

    # --- the table --------------------------------------------------------------------

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self) -> None:
        self._redraw_soon()

    def _redraw_soon(self) -> None:
        """Redraw once the keys and sources of the next moment are in: a key press is
        echoed at once and never waits for the table."""
        if not self._redraw_pending:
            self._redraw_pending = True
            self.set_timer(REDRAW_AFTER_S, self._redraw)

    def visible_rows(self) -> list[Row]:
        text = self.query_one("#fleet-filter", Input).value.strip().lower()
        rows = [r for rows in self._rows.values() for r in rows if r.matches(text)]
        return sorted(rows, key=lambda r: (r.rank, r.cells[1], r.cells[2], r.cells[3]))

    def _redraw(self) -> None:
        self._redraw_pending = False
        rows = self.visible_rows()
        if rows == self._shown:  # a repaint of the table is the costly part: only on change
            return
        self._shown = rows
        table = self.query_one("#fleet-table", DataTable)
        table.clear()
        table.add_rows(row.cells for row in rows)

    # --- a row's detail ---------------------------------------------------------------

    @on(DataTable.RowSelected, "#fleet-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        if event.cursor_row < len(self._shown):
            self.notify(row_detail(self._shown[event.cursor_row], self.app.state), timeout=15)


def row_detail(row: Row, state: Any) -> str:
    """What the fleet saw of one row, then its steps in the checklist with the calls behind
    each one's last observation."""
    lines = [" · ".join(c for c in row.cells[1:] if c)]
    steps = [
        s
        for _flow, _action, states in state.checklist.groups()
        for s in states
        if row.key and row.key in s.step_id
    ]
    if not steps:
        lines.append("No step of a setup on this screen's checklist names it yet.")
    for step in steps:
        lines.append(f"{step.outcome.value}: {step.title}")
        lines += [f"  {c.service}.{c.action} {c.outcome} {c.request_id}" for c in step.calls]
    return "\n".join(lines)
