"""What the app knows between screens: the workspace, the chosen accounts, who each
account is, and the checklist. Plain Python (no Textual), so it is easy to test and the
screens only draw it.

StepState and Outcome come from :mod:`armstui.flows.runner` / :mod:`armstui.flows.step`;
journal runs are the dicts of :meth:`armstui.flows.journal.Journal.last_run`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the flows load after the first frame (armstui/tui/app.py); they are needed
    # only once there are steps
    from armstui.cloud.sts import CallerIdentity
    from armstui.flows.runner import StepState
    from armstui.flows.setup import Setup


@dataclass(frozen=True)
class Identity:
    """Who one account's credentials are: the answer of GetCallerIdentity (``caller``), or
    why there is none (``error``)."""

    alias: str
    caller: CallerIdentity | None = None
    error: str | None = None


# What the runner writes on a step a stop cut short (armstui/flows/runner.py): the app
# shows such a step as stopped, not failed, since a resume takes it up again.
STOPPED_DETAIL = "stopped before it finished"


def shown_outcome(state: StepState) -> str:
    """The word the app shows for a step: its outcome, or ``stopped``."""
    from armstui.flows.step import Outcome

    if state.outcome is Outcome.FAILED and state.detail == STOPPED_DETAIL:
        return "stopped"
    return state.outcome.value


def snapshot(state: StepState) -> StepState:
    """A copy the UI may keep while the runner goes on mutating the original."""
    return dataclasses.replace(state, planned=list(state.planned), calls=list(state.calls))


def from_journal(step: dict[str, Any]) -> StepState:
    """A journal step (``StepState.to_dict``) back as a StepState."""
    from armstui.flows.runner import CallSummary, StepState
    from armstui.flows.step import Outcome

    calls = [
        CallSummary(
            c["service"],
            c["action"],
            c["outcome"],
            c.get("request_id") or "",
            float(c.get("duration_ms") or 0),
            bool(c.get("mutating")),
        )
        for c in step.get("calls") or []
    ]
    return StepState(
        step["id"],
        step["title"],
        step["account"],
        step["flow"],
        Outcome(step["outcome"]),
        step.get("detail") or "",
        step.get("needs_you"),
        step.get("error_code"),
        step.get("request_id"),
        step.get("hint"),
        step.get("started_at"),
        step.get("finished_at"),
        list(step.get("planned") or []),
        calls,
    )


class Checklist:
    """Every step the app has seen, per flow, in the runner's order."""

    def __init__(self) -> None:
        self._steps: dict[str, StepState] = {}
        self.modes: dict[str, str] = {}  # flow -> the mode of the run shown ("apply", ...)
        # Groups whose rows a later run may have made untrue (a rotation or a teardown
        # changed the cloud under them) until they are verified again.
        self.stale: set[str] = set()

    def update(self, state: StepState) -> None:
        self._steps[state.step_id] = state

    def replace_flow(self, flow: str, states: Iterable[StepState], mode: str) -> None:
        """Show a new run of ``flow``: its steps replace the old run's."""
        self._steps = {k: v for k, v in self._steps.items() if v.flow != flow}
        for state in states:
            self._steps[state.step_id] = state
        self.modes[flow] = mode
        self.stale.discard(flow)

    def load_run(self, run: dict[str, Any]) -> None:
        flow = run["setup_key"].split(":", 1)[0]
        self.replace_flow(flow, [from_journal(s) for s in run["steps"]], run["mode"])

    def get(self, step_id: str) -> StepState | None:
        return self._steps.get(step_id)

    def groups(self) -> list[tuple[str, str, list[StepState]]]:
        """(flow, account, steps), flows in the registry's order, accounts as they first
        appear."""
        from armstui.flows.registry import FLOW_NAMES

        out: dict[tuple[str, str], list[StepState]] = {}
        others = sorted({s.flow for s in self._steps.values()} - set(FLOW_NAMES))
        for flow in (*FLOW_NAMES, *others):
            for state in self._steps.values():
                if state.flow == flow:
                    out.setdefault((flow, state.account), []).append(state)
        return [(flow, account, steps) for (flow, account), steps in out.items()]

    def __len__(self) -> int:
        return len(self._steps)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for state in self._steps.values():
            shown = shown_outcome(state)
            counts[shown] = counts.get(shown, 0) + 1
        return counts

    def as_run(self, flow: str, setup_key: str = "") -> dict[str, Any]:
        """This flow's steps in the journal's shape, for :mod:`armstui.flows.report`."""
        steps = [s for s in self._steps.values() if s.flow == flow]
        started = min((s.started_at for s in steps if s.started_at), default=0.0)
        finished = [s.finished_at for s in steps if s.finished_at is not None]
        return {
            "setup_key": setup_key or flow,
            "mode": self.modes.get(flow, "apply"),
            "started_at": started,
            "finished_at": max(finished) if steps and len(finished) == len(steps) else None,
            "exit_code": None,
            "steps": [s.to_dict() for s in steps],
        }


@dataclass
class AppState:
    workspace: Any = None  # armstui.flows.workspace.Workspace, once open
    sandbox: bool = False
    monitoring: str | None = None
    sources: list[str] = field(default_factory=list)
    identities: dict[str, Identity] = field(default_factory=dict)
    reachable: dict[str, str] = field(default_factory=dict)  # alias -> "yes" or "no: why"
    checklist: Checklist = field(default_factory=Checklist)
    setups: dict[str, Setup] = field(
        default_factory=dict
    )  # checklist group -> the setup last planned or run
    actions: dict[str, str] = field(
        default_factory=dict
    )  # checklist group -> "setup", "rotate" or "teardown"
    skip: set[str] = field(default_factory=set)  # step IDs the operator chose to skip
    running: str | None = None  # "ack apply" while a run is in progress
    running_group: str | None = None  # the checklist group that run fills
    running_mode: str | None = None  # and its mode ("apply", "verify", "plan")
    stopped: dict[str, tuple[Setup, str]] = field(
        default_factory=dict
    )  # group -> (setup, action) of an apply the operator stopped: it can resume

    @property
    def accounts(self) -> dict[str, Any]:
        return self.workspace.accounts if self.workspace is not None else {}

    def production(self, alias: str | None) -> bool:
        account = self.accounts.get(alias) if alias else None
        return bool(account is not None and account.production)

    def choose_defaults(self, monitoring: str | None = None, sources: Iterable[str] = ()) -> None:
        """Pick the monitoring and source accounts: the given ones, else the sandbox's names,
        else the first account and the rest (outsider never, it proves strangers are refused)."""
        aliases = list(self.accounts)
        if monitoring in aliases:
            self.monitoring = monitoring
        elif self.monitoring not in aliases:
            self.monitoring = (
                "monitoring" if "monitoring" in aliases else (aliases[0] if aliases else None)
            )
        chosen = [s for s in sources if s in aliases and s != self.monitoring]
        if chosen:
            self.sources = chosen
        elif not [s for s in self.sources if s in aliases]:
            if "source" in aliases:
                self.sources = ["source"]
            else:
                self.sources = [a for a in aliases if a != self.monitoring][:1]


def format_elapsed(state: StepState, now: float) -> str:
    """``0.4s``, ``12s``, ``3m05s``; empty before the step started."""
    if state.started_at is None:
        return ""
    seconds = max(0.0, (state.finished_at or now) - state.started_at)
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
