"""The plan preview: what apply would create or change, in which account; then confirm.

Plan states come from ``Workspace.run(setup, "plan")`` (armstui/flows/runner.py): a step
that already holds is ``already``; one apply would change is ``planned`` with its calls in
``planned``; ``needs-you`` names a manual action. A rotation's or a teardown's plan
(``action``) is shown the same way; a teardown's planned calls say who created what, when,
and what it keeps (``skipped``, with the reason).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from armstui.flows.runner import StepState
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.tui.screens.dialog import DialogScreen
from armstui.tui.widgets.step_list import ICONS, outcome_style


def plan_text(states: list[StepState], mono: bool = False) -> Text:
    """The steps in the order they will run (a rotation goes A, B, then A again), numbered,
    with the account named each time it changes."""
    text = Text()
    account = None
    for number, s in enumerate(states, 1):
        if s.account != account:
            account = s.account
            text.append(f"in {account}\n", style="bold underline")
        style = outcome_style(s.outcome.value, mono)
        text.append(f"{number:>2}. {ICONS.get(s.outcome.value, '?')} ", style=style)
        text.append(f"{s.title}", style="bold" if s.planned else "")
        text.append(f"  {s.outcome.value}\n", style=style)
        for call in s.planned:
            text.append(f"     + {call}\n", style="cyan")
        if s.needs_you:
            text.append(f"     to do: {s.needs_you}\n", style="yellow")
        if s.outcome is Outcome.SKIPPED and s.detail:
            text.append(f"     {s.detail}\n", style="dim")
        if s.error_code:
            text.append(f"     {s.detail}\n", style="red")
    return text


class PlanScreen(DialogScreen["bool | dict[str, bool]"]):
    """Dismissed with True (go), False (cancel), or — for a teardown — the options to plan
    again with (``{"include_adopted": True}``)."""

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="cancel-plan"),
        Binding("ctrl+a", "answer(True)", "Apply", id="apply-plan"),
        Binding("a", "toggle_option('include_adopted')", "Adopted too", id="plan-adopted"),
        Binding("u", "toggle_option('uninstall_addon')", "Uninstall addon", id="plan-uninstall"),
    ]
    TEARDOWN_OPTIONS = {
        "include_adopted": "a: also remove what armstui did not create",
        "uninstall_addon": "u: also uninstall ack-onepilot where armstui installed it",
    }

    TITLES = {
        "setup": "Plan: {flow} flow",
        "rotate": "Rotate the {flow} reporting key",
        "teardown": "Tear down: {flow} flow",
    }
    BUTTONS = {"setup": "Apply", "rotate": "Rotate", "teardown": "Tear down"}
    dialog_classes = "plan"

    def __init__(
        self, setup: Setup, states: list[StepState], state: Any, action: str = "setup"
    ) -> None:
        self.setup, self.states, self.app_state, self.action = setup, states, state, action
        production = self.production
        super().__init__(danger=action == "teardown", guard=" ".join(production) or None)

    @property
    def changes(self) -> int:
        return sum(len(s.planned) for s in self.states)

    @property
    def production(self) -> list[str]:
        accounts = dict.fromkeys(s.account for s in self.states if s.planned)
        return [a for a in accounts if self.app_state.production(a)]

    def dialog_title(self) -> str:
        title = self.TITLES[self.action].format(flow=self.setup.flow.upper())
        return f"{title}, {self.setup.monitoring} ← {', '.join(self.setup.sources)}"

    def compose_body(self) -> ComposeResult:
        holding = sum(1 for s in self.states if s.outcome is Outcome.ALREADY)
        accounts = list(dict.fromkeys(s.account for s in self.states if s.planned))
        production = self.production
        summary = (
            f"{self.changes} change(s) in {', '.join(accounts) or 'no account'}; "
            f"{holding} of {len(self.states)} steps already hold."
        )
        yield Static(summary, id="plan-summary", markup=False)
        if production:
            yield Static(
                f"PRODUCTION: this changes {', '.join(production)}.",
                id="plan-production",
                markup=False,
            )
        if self.action == "teardown":
            options = "  ·  ".join(
                f"[{'x' if getattr(self.setup, name) else ' '}] {text}"
                for name, text in self.TEARDOWN_OPTIONS.items()
            )
            yield Static(options, id="plan-options", markup=False)
        with VerticalScroll(id="plan-steps"):
            yield Static(plan_text(self.states, self.app.no_color))

    def yes_label(self) -> str:
        label = self.BUTTONS[self.action]
        return label if self.changes else f"{label} (checks only)"

    def yes_is_dangerous(self) -> bool:
        return bool(self.production) or self.action == "teardown"

    def answer_for(self, yes: bool) -> bool | dict[str, bool]:
        return yes

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.action == "teardown" if action == "toggle_option" else True

    def action_toggle_option(self, option: str) -> None:
        """Plan the teardown again with the option flipped (what goes changes with it)."""
        self.dismiss({option: not getattr(self.setup, option)})
