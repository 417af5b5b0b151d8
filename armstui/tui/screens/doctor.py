"""Doctor: the read-only preflight as a screen. A finding that a flow step fixes opens that
flow (enter on its row)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from armstui.flows.registry import FLOW_NAMES
from armstui.tui.screens.base import ArmsScreen, row_table

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "error": "?"}
ORDER = {"error": 0, "fail": 1, "warn": 2, "ok": 3}
COLUMNS = ("", "account", "check", "seen", "fix", "step")


def flow_of(step: str) -> str | None:
    """The flow a step ID belongs to (``ack/source/c…/onepilot`` -> ``ack``)."""
    flow = step.split("/", 1)[0]
    return flow if flow in FLOW_NAMES else None


class DoctorScreen(ArmsScreen):
    BINDINGS = [Binding("r", "run_doctor", "Run again", id="doctor-run")]

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self.findings: list[Any] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="doctor"):
            yield row_table("doctor-table", COLUMNS)
            yield Label("Checking…", id="doctor-summary")

    def on_mount(self) -> None:
        super().on_mount()
        self.action_run_doctor()

    def action_run_doctor(self) -> None:
        state = self.app.state
        if state.workspace is None:
            return
        aliases = [a for a in (state.monitoring, *state.sources) if a in state.accounts]
        self.run_worker(
            lambda: self._doctor(state.workspace, state.monitoring, aliases),
            thread=True,
            exclusive=True,
            group="doctor",
            exit_on_error=False,
        )

    def _doctor(self, workspace: Any, monitoring: str | None, aliases: list[str]) -> None:
        from armstui.flows.setup import Setup
        from armstui.survey import accounts as chosen
        from armstui.survey.doctor import Role, run_doctor
        from armstui.survey.local import vault_finding

        async def run() -> Any:
            sessions = await chosen.sessions(workspace, aliases)
            user = Setup.reporter_user
            uid = workspace.accounts[monitoring].uid if monitoring else ""
            return await run_doctor(
                [Role(sessions[a], a == monitoring, workspace.accounts[a].uid) for a in aliases],
                reporter_user=user,
                vault_has=chosen.vault_has(workspace, uid, user),
                local=[vault_finding(workspace.vault)],
            )

        self.survey_in_thread(run, self.show_report)

    def show_report(self, report: Any) -> None:
        self.findings = sorted(report.findings, key=lambda f: ORDER[f.status.value])
        table = self.query_one("#doctor-table", DataTable)
        table.clear()
        for f in self.findings:
            status = f.status.value
            table.add_row(MARKS[status], f.account, f.check, f.detail, f.fix, f.step)
        counts = {s: sum(f.status.value == s for f in report.findings) for s in ORDER}
        told = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        self.query_one("#doctor-summary", Label).update(
            f"{told}. Enter on a finding with a step opens the flow that fixes it."
        )

    @on(DataTable.RowSelected, "#doctor-table")
    def _finding_chosen(self, event: DataTable.RowSelected) -> None:
        finding = self.findings[event.cursor_row] if event.cursor_row < len(self.findings) else None
        flow = flow_of(finding.step) if finding and finding.step else None
        if flow is None:
            return
        self.notify(f"{finding.step}: {finding.detail}" if finding else "")
        self.app.action_show(flow)
