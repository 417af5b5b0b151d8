"""The checklist's list: steps grouped by flow and account, each with its status icon,
title, outcome and elapsed time. Group headers are disabled options so the cursor skips
them (OptionList: ``Option(disabled=True)``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from armstui.flows.report import ICONS as REPORT_ICONS
from armstui.flows.runner import StepState
from armstui.tui.state import Checklist, format_elapsed

# Styles per outcome, names of Rich styles (the theme's colours do not reach Rich renderables).
OUTCOME_STYLES = {
    "ok": "green", "already": "green", "failed": "bold red", "blocked": "red",
    "needs-you": "bold yellow", "drift": "bold magenta", "skipped": "dim",
    "pending": "dim", "running": "bold cyan", "planned": "cyan",
}
FLOW_TITLES = {"ack": "ACK", "ecs": "ECS", "role": "Role"}
# The report's icons, except one: its needs-you hand is a wide emoji that many terminal
# fonts lack; the list keeps one narrow cell per icon.
ICONS = {**REPORT_ICONS, "needs-you": "!"}


def step_prompt(state: StepState, now: float) -> Table:
    outcome = state.outcome.value
    style = OUTCOME_STYLES.get(outcome, "")
    grid = Table.grid(expand=True)
    grid.add_column(width=2, no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(width=10, no_wrap=True, justify="right")
    grid.add_column(width=7, no_wrap=True, justify="right")
    grid.add_row(Text(ICONS.get(outcome, "?"), style=style), Text(state.title),
                 Text(outcome, style=style), Text(format_elapsed(state, now), style="dim"))
    return grid


def group_prompt(flow: str, account: str) -> Text:
    return Text.assemble((f"{FLOW_TITLES.get(flow, flow)} flow in ", "bold"), (account, "bold italic"))


class StepList(OptionList):
    def show(self, checklist: Checklist, now: float) -> None:
        """Rebuild from the checklist, keeping the highlighted step."""
        highlighted = self.highlighted_id
        options: list[Option] = []
        for flow, account, states in checklist.groups():
            options.append(Option(group_prompt(flow, account), id=f"group:{flow}:{account}", disabled=True))
            options += [Option(step_prompt(s, now), id=s.step_id) for s in states]
        self.set_options(options)
        ids = [o.id for o in options]
        if highlighted in ids:
            self.highlighted = ids.index(highlighted)
        elif any(not o.disabled for o in options):
            self.highlighted = next(i for i, o in enumerate(options) if not o.disabled)

    def update_step(self, state: StepState, now: float) -> bool:
        """Redraw one step in place; False if the list does not hold it yet."""
        try:
            self.replace_option_prompt(state.step_id, step_prompt(state, now))
        except Exception:  # OptionDoesNotExist: a new step, the caller rebuilds
            return False
        return True

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id
