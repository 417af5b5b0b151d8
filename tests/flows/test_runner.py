"""The runner's rules, with small steps over an in-memory world (no cloud here: the flows'
own tests drive the sandbox through the SDKs)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from armstui.flows.context import FlowContext
from armstui.flows.journal import Journal
from armstui.flows.report import to_json, to_markdown
from armstui.flows.runner import Runner, StepState
from armstui.flows.step import Observation, Outcome, Step
from armstui.secrets.redaction import redactor


class Lost(Exception):
    """A mutating call whose answer was lost (the change may have happened)."""

    retryable = True
    code = "ServiceUnavailable"


class Thing(Step):
    """Goal: ``world[name]`` is True. Counts its applies; can fail or lose answers."""

    def __init__(
        self,
        name: str,
        world: dict,
        *,
        deps: tuple[str, ...] = (),
        fail: bool = False,
        lose_answers: int = 0,
        settle_polls: int = 0,
        manual: str | None = None,
    ) -> None:
        super().__init__(id=name, title=f"make {name}", flow="test", account="a", depends_on=deps)
        self.world = world
        self.fail = fail
        self.lose = lose_answers
        self.settle = settle_polls
        self.manual = manual
        self.applies = 0
        self.poll_interval = 1.0

    async def observe(self, ctx: FlowContext) -> Observation:
        if self.manual:
            return Observation(False, "not labelled", needs_you=self.manual)
        if self.world.get(self.id) == "settling":
            self.settle -= 1
            if self.settle <= 0:
                self.world[self.id] = True
            return Observation(False, "in progress", pending=True)
        return Observation(self.world.get(self.id) is True, f"{self.id}={self.world.get(self.id)}")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        self.applies += 1
        if self.fail:
            raise RuntimeError("boom")
        self.world[self.id] = "settling" if self.settle else True
        if self.lose > 0:
            self.lose -= 1
            raise Lost("the answer was lost")


def ctx() -> FlowContext:
    return FlowContext(sessions={}, vault=None, time_scale=1000.0)


async def apply_one(**behaviour: Any) -> tuple[Thing, StepState]:
    """Apply one step ``a`` that behaves so; the step and its state after the run."""
    step = Thing("a", {}, **behaviour)
    return step, (await Runner([step], ctx()).run("apply")).by_id("a")


@pytest.mark.parametrize(
    ("mode", "outcomes", "applies", "exit_code"),
    [
        # apply changes what does not hold, then sees it hold
        ("apply", (Outcome.OK, Outcome.ALREADY), (1, 0), 0),
        # verify changes nothing: what does not hold is drift
        ("verify", (Outcome.DRIFT, Outcome.OK), (0, 0), 3),
    ],
)
async def test_apply_changes_what_does_not_hold_and_verify_reports_it(
    mode: str, outcomes: tuple[Outcome, Outcome], applies: tuple[int, int], exit_code: int
) -> None:
    world = {"b": True}
    a, b = Thing("a", world), Thing("b", world)
    result = await Runner([a, b], ctx()).run(mode)
    assert (result.by_id("a").outcome, result.by_id("b").outcome) == outcomes
    assert (a.applies, b.applies) == applies
    assert result.exit_code == exit_code


async def test_a_second_run_changes_nothing() -> None:
    world: dict = {}
    steps = [Thing("a", world), Thing("b", world, deps=("a",))]
    await Runner(steps, ctx()).run("apply")
    again = await Runner(steps, ctx()).run("apply")
    assert {s.outcome for s in again.states} == {Outcome.ALREADY}
    assert [s.applies for s in steps] == [1, 1]


async def test_failure_blocks_dependents_and_exits_1() -> None:
    world: dict = {}
    steps = [Thing("a", world, fail=True), Thing("b", world, deps=("a",)), Thing("c", world)]
    result = await Runner(steps, ctx()).run("apply")
    assert result.by_id("a").outcome is Outcome.FAILED
    assert result.by_id("a").error_code == "RuntimeError"
    assert result.by_id("b").outcome is Outcome.BLOCKED
    assert "make a" in result.by_id("b").detail
    assert result.by_id("c").outcome is Outcome.OK
    assert result.exit_code == 1


async def test_a_lost_answer_is_observed_before_any_retry() -> None:
    step, state = await apply_one(lose_answers=1)
    # The change happened; the runner looked, saw it, and did not apply a second time.
    assert state.outcome is Outcome.OK
    assert step.applies == 1


async def test_pending_changes_are_waited_for() -> None:
    step, state = await apply_one(settle_polls=3)
    assert state.outcome is Outcome.OK and step.applies == 1


async def test_needs_you_is_reported_with_the_action_and_exits_3() -> None:
    step = Thing("a", {}, manual="add label armsPilotAutoEnable=on")
    result = await Runner([step], ctx()).run("apply")
    state = result.by_id("a")
    assert state.outcome is Outcome.NEEDS_YOU
    assert state.needs_you == "add label armsPilotAutoEnable=on"
    assert result.exit_code == 3


async def test_plan_lists_calls_and_changes_nothing() -> None:
    class Planned(Thing):
        def planned_calls(self, seen):  # type: ignore[override]
            return [f"Ram.CreateUser ({self.id})"]

    world: dict = {}
    a = Planned("a", world)
    result = await Runner([a], ctx()).run("plan")
    assert result.by_id("a").planned == ["Ram.CreateUser (a)"]
    assert result.by_id("a").outcome is Outcome.PLANNED
    assert result.exit_code == 0
    assert a.applies == 0 and world == {}


async def test_independent_steps_run_concurrently() -> None:
    """Every apply waits until all ten are applying at once: run one after another, the
    first would wait for ever (the guard's timeout only turns that hang into a failure)."""
    all_applying = asyncio.Event()
    applying = 0

    class Together(Thing):
        async def apply(self, ctx, seen):  # type: ignore[override]
            nonlocal applying
            applying += 1
            if applying == 10:
                all_applying.set()
            await asyncio.wait_for(all_applying.wait(), timeout=30)
            await super().apply(ctx, seen)

    world: dict = {}
    steps = [Together(f"s{i}", world) for i in range(10)]
    result = await Runner(steps, ctx()).run("apply")
    assert applying == 10 and all_applying.is_set()
    assert [s.outcome for s in result.states] == [Outcome.OK] * 10


async def test_skipped_steps_block_their_dependents() -> None:
    world: dict = {}
    steps = [Thing("a", world), Thing("b", world, deps=("a",))]
    result = await Runner(steps, ctx(), skip={"a"}).run("apply")
    assert result.by_id("a").outcome is Outcome.SKIPPED
    assert result.by_id("b").outcome is Outcome.BLOCKED


def test_unknown_dependencies_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown steps"):
        Runner([Thing("a", {}, deps=("zz",))], ctx())


async def test_journal_records_runs_without_secrets_and_reports(tmp_path: Path) -> None:
    secret = "Zq9" + "x7" * 12
    redactor.add(secret)

    class Leaky(Thing):
        async def apply(self, ctx, seen):  # type: ignore[override]
            raise RuntimeError(f"failed with {secret}")

    journal = Journal(tmp_path / "data" / "journal.db")
    world: dict = {}
    steps = [Thing("a", world), Leaky("b", world)]
    result = await Runner(steps, ctx(), journal=journal, setup_key="ack:m:s").run("apply")
    run = journal.last_run("ack:m:s")
    assert run is not None and run["exit_code"] == 1 == result.exit_code
    assert [s["outcome"] for s in run["steps"]] == ["ok", "failed"]
    raw = (tmp_path / "data" / "journal.db").read_bytes()
    assert secret.encode() not in raw
    assert oct((tmp_path / "data" / "journal.db").stat().st_mode & 0o777) == oct(0o600)
    assert oct((tmp_path / "data").stat().st_mode & 0o777) == oct(0o700)
    md = to_markdown(run)
    assert "| ✔ | make a | a | ok |" in md and "RuntimeError" in md and secret not in md
    assert secret not in to_json(run)
    assert journal.interrupted_run("ack:m:s") is None


async def test_an_interrupted_run_is_found_for_resume(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    run_id = journal.start_run("k", "apply", [])
    assert journal.interrupted_run("k")["id"] == run_id
    journal.finish_run(run_id, 0)
    assert journal.interrupted_run("k") is None


async def test_a_change_that_lands_during_the_run_counts_as_this_runs_change(
    tmp_path: Path,
) -> None:
    """A resumed apply finds the killed run's change still landing: once it lands, proofs
    that depend on it must treat it as just made (wait for first data), not as old news,
    or they call the operator for data that is simply not there yet. And an apply after an
    interrupted one says so to the proofs."""
    world: dict = {"a": "settling"}  # the killed run's change, still landing
    landing = Thing("a", world, settle_polls=2)
    flow_ctx = ctx()
    journal = Journal(tmp_path / "journal.db")
    journal.start_run("setup", "apply", [landing])  # the interrupted run: never finished
    result = await Runner([landing], flow_ctx, journal=journal, setup_key="setup").run("apply")
    assert result.by_id("a").outcome is Outcome.ALREADY and landing.applies == 0
    assert "a" in flow_ctx.applied_at
    assert flow_ctx.resumed_at is not None

    settled_ctx = ctx()
    await Runner([Thing("b", {"b": True})], settled_ctx, journal=journal, setup_key="s2").run(
        "apply"
    )
    assert settled_ctx.applied_at == {} and settled_ctx.resumed_at is None


class CheckWithKey(Step):
    """A proof that makes a short-lived change to look (as the role flow's switch check makes
    a key): its first ``lost`` looks fail retryably."""

    observe_mutates = True
    proof = True

    def __init__(self, lost: int, *, mutates: bool = True) -> None:
        super().__init__(id="check", title="check", flow="test", account="a")
        self.lost, self.looks = lost, 0
        self.observe_mutates = mutates
        self.poll_interval = 1.0

    async def observe(self, ctx: FlowContext) -> Observation:
        self.looks += 1
        if self.looks <= self.lost:
            raise Lost("the key's answer was lost")
        return Observation(True, "switched")


async def test_a_proof_that_changes_something_to_look_is_asked_again_on_a_lost_answer() -> None:
    check = CheckWithKey(lost=2)
    result = await Runner([check], ctx()).run("apply")
    assert result.by_id("check").outcome is Outcome.OK and check.looks == 3


async def test_a_plain_look_that_fails_is_not_repeated_by_the_runner() -> None:
    """Reads are retried by the cloud session already; the runner does not add more."""
    check = CheckWithKey(lost=1, mutates=False)
    result = await Runner([check], ctx()).run("apply")
    assert result.by_id("check").outcome is Outcome.FAILED and check.looks == 1


async def test_a_proof_that_keeps_losing_answers_fails_after_the_bound() -> None:
    check = CheckWithKey(lost=100)
    result = await Runner([check], ctx()).run("apply")
    assert result.by_id("check").outcome is Outcome.FAILED
    assert check.looks == 4  # MAX_APPLY_ATTEMPTS
