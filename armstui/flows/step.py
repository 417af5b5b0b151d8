"""A step: one goal in one account, that can be observed, applied and observed again.

``observe`` makes read-only calls and says whether the goal holds now. ``apply`` makes it
so. The runner applies only what does not hold and then observes again: a step is ``ok``
only when the cloud shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from armstui.flows.facts import Fact

if TYPE_CHECKING:
    from armstui.flows.context import FlowContext

FactT = TypeVar("FactT", bound=Fact)


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


@dataclass(frozen=True)
class Managed:
    """A cloud resource a step's change brings into existence; the journal keeps it and
    teardown removes it."""

    kind: str  # e.g. "ram-user", "access-key", "onepilot-config" (teardown's ORDER)
    name: str  # e.g. "armstui-reporter", "armstui-reporter:LTAI...", a cluster ID


@dataclass
class Observation:
    """What ``observe`` saw."""

    holds: bool
    detail: str  # what is there now, for the operator (never a secret)
    pending: bool = False  # a change is still in progress (e.g. an addon upgrading): look again
    needs_you: str | None = None  # the goal cannot be applied by us: exactly what to do
    fact: Fact | None = None  # for apply, the plan and dependent steps
    skipped: str | None = None  # nothing to do here, and why (the run shows it as skipped)

    def fact_of(self, kind: type[FactT]) -> FactT | None:
        return self.fact if isinstance(self.fact, kind) else None


class Step:
    """Base class of every step: its identity comes to the constructor; subclasses override
    ``observe`` (and ``apply``, ``planned_calls``, ``manages`` where they change things)."""

    id: str
    title: str
    flow: str
    account: str
    depends_on: tuple[str, ...] = ()
    observe_mutates: bool = False  # a proof that needs a short-lived change (never run in a plan)
    # A check of the changes before it: "ok" when it holds, "planned" in a plan (apply only
    # repairs).
    proof: bool = False
    settle_timeout: float = 600.0  # nominal seconds to wait for a pending change
    poll_interval: float = 5.0  # nominal seconds between observations while pending
    expected_seconds: float = 0.0  # how long apply's change usually takes: the first look waits
    # verify: observe even when a step it depends on does not hold (a proof that names what
    # stopped is worth more than "blocked")
    observe_when_blocked: bool = False

    def __init__(
        self,
        *,
        id: str,
        title: str,
        flow: str,
        account: str,
        depends_on: tuple[str, ...] = (),
    ) -> None:
        self.id = id  # stable across runs, e.g. "ack/source/c-123/onepilot-config"
        self.title = title
        self.flow = flow
        self.account = account  # alias of the account it acts in
        self.depends_on = depends_on

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

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        """What ``apply`` brings into existence. ``before``: the observation apply starts
        from; None asks what the step would create were nothing there (teardown's
        question). ``after``: the observation that shows the goal holds, when names only the
        cloud chooses (an AccessKey ID) are known."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


class NothingToSetUp(Step):
    """A source where the flow finds nothing to cover (no cluster, no running instance): a
    skipped row that says what it looked for and where."""

    def __init__(self, flow: str, account: str, what: str, title: str, why: str) -> None:
        super().__init__(id=f"{flow}/{account}/{what}", title=title, flow=flow, account=account)
        self.why = f"{why}: nothing to set up"

    async def observe(self, ctx: FlowContext) -> Observation:
        return Observation(True, self.why, skipped=self.why)
