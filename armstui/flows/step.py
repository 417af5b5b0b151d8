"""A step: one goal in one account, that can be observed, applied and observed again.

``observe`` makes read-only calls and says whether the goal holds now. ``apply`` makes it
so. The runner applies only what does not hold and then observes again: a step is ``ok``
only when the cloud shows it (DESIGN.md, "How a step works").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armstui.flows.context import FlowContext


class Outcome(StrEnum):
    """A step's state; its value is the word the checklist, the report and the journal show."""

    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"  # applied now, and the cloud shows it
    ALREADY = "already"  # was in place
    FAILED = "failed"  # code, request ID, hint
    BLOCKED = "blocked"  # a step it depends on did not succeed
    NEEDS_YOU = "needs-you"  # a manual action, with exactly what to do
    DRIFT = "drift"  # verify: it held once, it does not now
    SKIPPED = "skipped"
    PLANNED = "planned"  # plan: apply would change this

    @property
    def succeeded(self) -> bool:
        return self in (Outcome.OK, Outcome.ALREADY)

    @property
    def final(self) -> bool:
        return self not in (Outcome.PENDING, Outcome.RUNNING)


@dataclass
class Observation:
    """What ``observe`` saw."""

    holds: bool
    detail: str  # what is there now, for the operator (never a secret)
    pending: bool = False  # a change is still in progress (e.g. an addon upgrading): look again
    needs_you: str | None = None  # the goal cannot be applied by us: exactly what to do
    facts: dict[str, Any] = field(default_factory=dict)  # for dependent steps


class Step:
    """Base class of every step. Subclasses set the fields and override the methods."""

    id: str = ""  # stable across runs, e.g. "ack/source/c-123/onepilot-config"
    title: str = ""
    account: str = ""  # alias of the account it acts in
    flow: str = ""
    depends_on: tuple[str, ...] = ()
    observe_mutates: bool = False  # a proof that needs a short-lived change (never run in a plan)
    proof: bool = False  # a check of the changes before it: "ok" when it holds, "planned" in a plan (apply only repairs)
    settle_timeout: float = 600.0  # nominal seconds to wait for a pending change
    poll_interval: float = 5.0  # nominal seconds between observations while pending
    expected_seconds: float = (
        0.0  # how long apply's change usually takes: the first look waits this long
    )

    async def observe(self, ctx: FlowContext) -> Observation:
        raise NotImplementedError

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        """Make the goal hold. Steps that only check (proofs) leave this out."""
        raise NotImplementedError

    @property
    def can_apply(self) -> bool:
        return type(self).apply is not Step.apply

    def planned_calls(self, seen: Observation | None) -> list[str]:
        """The calls ``apply`` would make, as ``Service.Action (what)``, for the plan."""
        return []

    def creates(self, before: Observation, after: Observation | None) -> list[tuple[str, str]]:
        """What ``apply`` brings into existence, as ``(kind, name)`` for the journal (teardown
        removes it later). Asked before apply (``after`` None) and again once it holds, when
        names only the cloud chooses (an AccessKey ID) are known."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
