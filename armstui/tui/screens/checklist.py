"""The checklist: every step, grouped by flow and account, live; the selected step's
details (API calls with request IDs, error code and hint, the exact manual action).

verify re-observes every step (drift shows as such); retry runs apply again (steps are
idempotent: what holds is 'already', so only the failed step and those it blocked act);
skip marks a step to be skipped on the next run; export writes the report
(armstui.flows.report.to_markdown); copy puts a value on the clipboard with OSC 52
(App.copy_to_clipboard), which reaches the local clipboard over SSH.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.widgets import Static

from armstui.flows.registry import ALL_FLOWS
from armstui.flows.report import to_markdown
from armstui.flows.runner import StepState
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.secrets.redaction import redact
from armstui.tui.messages import AppChange
from armstui.tui.screens.base import ArmsScreen
from armstui.tui.state import format_elapsed, shown_outcome
from armstui.tui.widgets.step_list import ICONS, StepList, outcome_style

# Outcomes a retry can change: the rest hold, or are still running.
RETRYABLE = (Outcome.FAILED, Outcome.BLOCKED, Outcome.DRIFT, Outcome.NEEDS_YOU, Outcome.SKIPPED)


def detail_text(state: StepState, now: float, skipped: bool, mono: bool = False) -> Text:
    outcome = shown_outcome(state)
    style = outcome_style(outcome, mono)
    text = Text()
    text.append(f"{ICONS.get(outcome, '?')} {outcome}", style=style)
    elapsed = format_elapsed(state, now)
    text.append(f"  {elapsed}" if elapsed else "", style="dim")
    text.append(f"  in {state.account}\n", style="dim")
    text.append(f"{state.title}\n", style="bold")
    if skipped:
        text.append("marked to skip on the next run (s toggles)\n", style="yellow")
    if outcome == "stopped":
        text.append("the run was stopped here; t resumes it\n", style="yellow")
    if state.detail:  # the runner redacts detail, needs_you and hint (runner.py _set)
        text.append(f"{redact(state.detail)}\n")
    if state.needs_you:
        text.append("\nWhat you need to do (y copies it):\n", style="bold yellow")
        text.append(f"{state.needs_you}\n")
    if state.error_code:
        text.append(f"\nerror {state.error_code}", style=outcome_style("failed", mono))
        text.append(f"  request ID {state.request_id or '-'}\n")
        if state.hint:
            text.append(f"hint: {state.hint}\n", style="yellow")
    if state.planned:
        text.append("\nplanned:\n", style="bold")
        for planned in state.planned:
            text.append(f"  + {planned}\n", style="cyan")
    if state.calls:
        text.append(f"\nAPI calls ({len(state.calls)}, * changes something):\n", style="bold")
        for call in state.calls:
            mark = "*" if call.mutating else " "
            text.append(
                f"{mark}{call.service}.{call.action} ", style="bold" if call.mutating else ""
            )
            text.append(
                f"{call.outcome} {call.duration_ms:.0f}ms ",
                style=outcome_style("ok" if call.outcome == "ok" else "failed", mono),
            )
            text.append(f"{call.request_id}\n", style="dim")
    return text


def copy_value(state: StepState) -> tuple[str, str]:
    """What y copies: the manual action, else the request ID, else the detail."""
    if state.needs_you:
        return "the manual action", state.needs_you
    if state.request_id:
        return "the request ID", state.request_id
    return "the detail", state.detail


class ChecklistScreen(ArmsScreen):
    # -wide puts the details beside the list (armstui.tcss). Only this screen has breakpoints:
    # on the others the class would restyle the whole screen at every resize for nothing.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("v", "verify", "Verify", id="verify"),
        Binding("t", "retry", "Retry", id="retry"),
        Binding("s", "skip", "Skip", id="skip"),
        Binding("x", "export", "Export", id="export"),
        Binding("y", "copy", "Copy", id="copy"),
        Binding("o", "rotate", "Rotate", id="rotate"),
        Binding("d", "teardown", "Teardown", id="teardown"),
        Binding("w", "reveal_password", "Reveal", id="reveal-password"),
        Binding("z", "stop_run", "Stop", id="stop-run"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="summary")
        with Container(id="checklist-body"):
            yield StepList(id="steps")
            with VerticalScroll(id="detail"):
                yield Static("Select a step to see its API calls and what to do.", id="detail-text")

    def on_mount(self) -> None:
        super().on_mount()
        self._rebuild()
        self.set_interval(1.0, self._tick)
        self.query_one(StepList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_run":
            return self.app.state.running is not None  # shown only while something runs
        if action == "reveal_password":
            return self._login_step() is not None  # shown once the role flow made a login
        return True

    def _login_step(self) -> tuple[str, str] | None:
        """(account, user) of the selected console-login step, else of the first one."""
        from armstui.tui.screens.reveal import login_step

        selected = self.selected()
        found = login_step(selected.step_id) if selected is not None else None
        if found is not None:
            return found
        for _flow, _account, states in self.app.state.checklist.groups():
            for state in states:
                found = login_step(state.step_id)
                if found is not None:
                    return found
        return None

    def action_reveal_password(self) -> None:
        """The role flow's console password for B's user: masked, shown on request."""
        from armstui.flows.role import password_vault_name
        from armstui.tui.screens.reveal import RevealScreen

        found = self._login_step()
        account = self.app.state.accounts.get(found[0]) if found else None
        if found is None or account is None:
            self.notify("No console login yet: apply the role flow first.", severity="warning")
            return
        alias, user = found
        vault = self.app.state.workspace.vault
        self.app.push_screen(
            RevealScreen(vault, password_vault_name(account.uid, user), user, alias)
        )

    def action_stop_run(self) -> None:
        self.app.action_stop_run()

    def on_app_changed(self, what: AppChange) -> None:
        if what == AppChange.RUN:
            self.refresh_bindings()
            if self.app.state.running:
                self.query_one(StepList).moved_by_operator = False
        # "steps" comes at most every ArmsTui.STEPS_EVERY however many steps changed, and a
        # rebuild costs what is on screen (StepList), so keys stay quick during large runs.
        if what in (AppChange.STEPS, AppChange.RUN, AppChange.RESUME, AppChange.WORKSPACE):
            self._rebuild()
            if what != AppChange.STEPS:  # whether a login exists changes with a run's end
                self.refresh_bindings()

    def _rebuild(self) -> None:
        steps = self.query_one(StepList)
        steps.show(self.app.state.checklist, self.app.clock())
        self._follow_the_run(steps)
        self._summary()
        self._detail()

    def _follow_the_run(self, steps: StepList) -> None:
        """While an apply fills a group the cursor is not in, the cursor goes to that group's
        running step, until the operator moves it (a verify updates rows in place and
        leaves the cursor where it is)."""
        state = self.app.state
        group = state.running_group
        if group is None or state.running_mode != "apply" or steps.moved_by_operator:
            return
        selected = self.selected()
        if selected is not None and selected.flow == group:
            return
        for flow, _account, states in state.checklist.groups():
            if flow == group:
                running = [s for s in states if s.outcome is Outcome.RUNNING]
                target = (running or states)[0]
                steps.move_to_step(target.step_id)
                return

    def _tick(self) -> None:
        """Running steps' elapsed time moves every second."""
        if not self.app.state.running:
            return
        steps = self.query_one(StepList)
        now = self.app.clock()
        for _flow, _account, states in self.app.state.checklist.groups():
            for state in states:
                if state.outcome is Outcome.RUNNING:
                    steps.update_step(state, now)
        self._summary()
        self._detail()

    def _summary(self) -> None:
        state = self.app.state
        counts = state.checklist.counts()
        if not counts and not state.accounts:
            text = "No accounts yet: a (Accounts) adds one; or Home (esc), s for the sandbox."
        elif not counts:
            text = "No steps yet: plan and apply a flow (k ACK, e ECS, r role)."
        else:
            text = " ".join(f"{ICONS.get(o, '?')}{n} {o}" for o, n in counts.items())
            modes = ", ".join(
                f"{f.upper()} {'stopped: t resumes' if f in state.stopped else m}"
                for f, m in state.checklist.modes.items()
            )
            stale = ", ".join(f.upper() for f in sorted(state.checklist.stale))
            text = (f"STALE {stale}: verifying again. " if stale else "") + text
            text += f"   ({state.running + ' running…' if state.running else modes})"
        if (
            text != self._shown_summary
        ):  # a redraw costs the UI thread; runs redraw ten times a second
            self._shown_summary = text
            self.query_one("#summary", Static).update(Text(text), layout=False)  # one line, always

    _shown_summary: str | None = None
    _shown_detail: tuple[object, ...] | None = None
    _detail_height: int | None = None

    def selected(self) -> StepState | None:
        step_id = self.query_one(StepList).highlighted_id
        return self.app.state.checklist.get(step_id) if step_id else None

    def _detail(self) -> None:
        state = self.selected()
        if state is None:
            return
        now = self.app.clock()
        skipped = state.step_id in self.app.state.skip
        # The checklist keeps a step's snapshot until that step changes: the same object, the
        # same text (but for a running step's elapsed time).
        shown = (state, skipped, None if state.finished_at else round(now, 1))
        if (
            self._shown_detail is not None
            and shown[0] is self._shown_detail[0]
            and shown[1:] == self._shown_detail[1:]
        ):
            return
        self._shown_detail = shown
        text = detail_text(state, now, skipped, self.app.no_color)
        widget = self.query_one("#detail-text", Static)
        # Lay the screen out again only if the text's height changes: a layout repaints every
        # widget, the cost of a key press in the list. (Static.update lays out by default.)
        # The text fills the panel at least (armstui.tcss), so most details are one height.
        width, room = widget.size.width, self.query_one("#detail").scrollable_content_region.height
        height = max(room, len(text.wrap(self.app.console, width))) if width else None
        widget.update(text, layout=height is None or height != self._detail_height)
        self._detail_height = height

    def on_step_list_highlighted(self, event: StepList.Highlighted) -> None:
        self._detail()

    # --- actions ---------------------------------------------------------------------------

    def _setup_of(self, state: StepState | None) -> Setup | None:
        setups = self.app.state.setups
        if state is not None and state.flow in setups:
            return setups[state.flow]
        return next(iter(setups.values()), None)

    def _action_of(self, state: StepState | None) -> str:
        return self.app.state.actions.get(state.flow, "setup") if state is not None else "setup"

    def action_verify(self) -> None:
        setups = list(self.app.state.setups.values())
        if not setups:
            self.notify("Nothing to verify yet: run a flow first.", severity="warning")
            return
        state = self.selected()
        setup = self._setup_of(state) or setups[0]
        self.app.start_run(setup, "verify", self._action_of(state))

    def action_retry(self) -> None:
        state = self.selected()
        stopped = self.app.state.stopped
        if state is not None and state.flow in stopped:
            self.app.resume(state.flow)
            return
        setup = self._setup_of(state)
        if setup is None:
            return
        if state is not None and state.outcome not in RETRYABLE:
            self.notify(
                "This step holds; retry runs its flow again all the same.", severity="information"
            )
        self.app.apply_guarded(setup, self._action_of(state))

    def action_rotate(self) -> None:
        """Plan a rotation of the reporting key (the ACK flow's: the one flow the registry
        marks ``rotates_key``); the plan screen asks before it runs."""
        setups = self.app.state.setups
        setup = next(
            (setups[f.name] for f in ALL_FLOWS if f.rotates_key and f.name in setups), None
        )
        if setup is None:
            self.notify(
                "Rotation swaps the ACK flow's reporting key: run the ACK flow first.",
                severity="warning",
            )
            return
        self.app.start_run(setup, "plan", "rotate")

    def action_teardown(self) -> None:
        """Plan the teardown of the selected step's setup (the ACK one if nothing is selected)."""
        state = self.selected()
        setups = self.app.state.setups
        flow = state.flow if state is not None and state.flow in setups else None
        setup = setups.get(flow) if flow else None
        if setup is None or self._action_of(state) != "setup":
            setup = next(
                (
                    s
                    for group, s in setups.items()
                    if self.app.state.actions.get(group, "setup") == "setup"
                ),
                None,
            )
        if setup is None:
            self.notify("Nothing to tear down yet: run a flow first.", severity="warning")
            return
        self.app.start_run(setup, "plan", "teardown")

    def action_skip(self) -> None:
        state = self.selected()
        if state is None:
            return
        skip = self.app.state.skip
        if state.step_id in skip:
            skip.discard(state.step_id)
            self.notify(f"{state.title}: will run again.")
        else:
            skip.add(state.step_id)
            self.notify(
                f"{state.title}: skipped on the next run (steps that depend on it are blocked)."
            )
        self._detail()

    def action_export(self) -> None:
        """Ask for the folder (the working directory by default), then write one report per
        flow there."""
        from armstui.tui.screens.export import ExportScreen

        checklist = self.app.state.checklist
        flows = list(dict.fromkeys(s.flow for _f, _a, states in checklist.groups() for s in states))
        if not flows:
            self.notify("Nothing to export yet.", severity="warning")
            return
        self.app.push_screen(
            ExportScreen(flows, Path.cwd()),
            lambda folder: self._export(flows, folder) if folder else None,
        )

    def _export(self, flows: list[str], folder: Path) -> None:
        from armstui.tui.screens.export import report_name

        checklist = self.app.state.checklist
        written = []
        for flow in flows:
            setup = self.app.state.setups.get(flow)
            run = checklist.as_run(flow, setup.key if setup else flow)
            path = folder / report_name(flow)
            try:
                path.write_text(to_markdown(run), encoding="utf-8")
            except OSError as exc:
                self.notify(f"{path}: {exc.strerror}", title="Not exported", severity="error")
                return
            written.append(path.name)
        self.notify(f"Wrote {', '.join(written)} in {folder}", title="Report exported")

    def action_copy(self) -> None:
        state = self.selected()
        if state is None:
            return
        what, value = copy_value(state)
        self.app.copy_to_clipboard(redact(value))
        self.notify(f"Copied {what} (OSC 52: works over SSH in most terminals).")
