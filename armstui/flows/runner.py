"""Runs steps: observe -> apply what does not hold -> observe again, in dependency order.

Three modes:
- ``apply``: make every step hold. A step is ``ok`` only when a fresh observation shows its
  goal, ``already`` when it held before we touched it.
- ``verify``: observe only; a goal that no longer holds is ``drift``.
- ``plan``: observe only, and list the calls ``apply`` would make; nothing is changed.

Independent steps run concurrently (each service's call limit lives in the cloud session);
a step whose dependency did not succeed is ``blocked``. A mutating call whose answer was
lost is never blindly repeated: the step is observed again first, and applied again only
if its goal still does not hold (at most ``MAX_APPLY_ATTEMPTS`` times).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from armstui.cloud.transport import pooled_connections
from armstui.flows.context import FlowContext
from armstui.flows.step import Observation, Outcome, Step
from armstui.secrets.redaction import redact

MAX_APPLY_ATTEMPTS = 4
MODES = ("apply", "verify", "plan")

# The step whose coroutine is running; the call log attributes each cloud call to it.
current_step: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_step", default=None
)


@dataclass
class CallSummary:
    service: str
    action: str
    outcome: str
    request_id: str
    duration_ms: float
    mutating: bool


@dataclass
class StepState:
    """The live state of one step in one run: what the checklist shows."""

    step_id: str
    title: str
    account: str
    flow: str
    outcome: Outcome = Outcome.PENDING
    detail: str = ""
    needs_you: str | None = None
    error_code: str | None = None
    request_id: str | None = None
    hint: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    planned: list[str] = field(default_factory=list)
    calls: list[CallSummary] = field(default_factory=list)

    @property
    def elapsed(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.step_id,
            "title": self.title,
            "account": self.account,
            "flow": self.flow,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "needs_you": self.needs_you,
            "error_code": self.error_code,
            "request_id": self.request_id,
            "hint": self.hint,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "elapsed": self.elapsed,
            "planned": list(self.planned),
            "calls": [c.__dict__ for c in self.calls],
        }


@dataclass
class RunResult:
    mode: str
    states: list[StepState]
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0 every step holds; 1 a step failed; 3 something needs the operator."""
        outcomes = {s.outcome for s in self.states}
        if Outcome.FAILED in outcomes:
            return 1
        if outcomes & {Outcome.NEEDS_YOU, Outcome.DRIFT, Outcome.BLOCKED}:
            return 3
        return 0

    def by_id(self, step_id: str) -> StepState:
        return next(s for s in self.states if s.step_id == step_id)


Listener = Callable[[StepState], None]


class Runner:
    def __init__(
        self,
        steps: Iterable[Step],
        ctx: FlowContext,
        *,
        listener: Listener | None = None,
        journal: Any = None,
        setup_key: str = "",
        call_log: Any = None,
        skip: Iterable[str] | Mapping[str, str] = (),
        max_parallel: int = 1000,
        journal_mode: str | None = None,
    ) -> None:
        self.steps = list(steps)
        self.journal_mode = (
            journal_mode  # how the journal names the run ("rotate", "teardown"), else the mode
        )
        self.run_id: int | None = None
        self.ctx = ctx
        self.listener = listener
        self.journal = journal
        self.setup_key = setup_key
        self.call_log = call_log
        # step id -> why it is skipped (the operator's choice, or the flow's: an adopted resource)
        self.skip = (
            dict(skip)
            if isinstance(skip, Mapping)
            else dict.fromkeys(skip, "skipped by the operator")
        )
        self._limit = asyncio.Semaphore(max_parallel)
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        known = set(ids)
        for step in self.steps:
            missing = [d for d in step.depends_on if d not in known]
            if missing:
                raise ValueError(f"step {step.id}: depends on unknown steps {missing}")
        self.states = {s.id: StepState(s.id, s.title, s.account, s.flow) for s in self.steps}

    async def run(self, mode: str = "apply") -> RunResult:
        if mode not in MODES:
            raise ValueError(f"mode: must be one of {', '.join(MODES)}")
        if mode == "apply" and self.journal is not None:
            if self.journal.interrupted_run(self.setup_key) is not None:
                # Changes the killed run made may land only now: proofs wait for first data.
                self.ctx.resumed_at = time.monotonic()
        run_id = (
            self.journal.start_run(self.setup_key, self.journal_mode or mode, self.steps)
            if self.journal
            else None
        )
        self.run_id = run_id
        unsubscribe = self._subscribe_calls()
        done = {s.id: asyncio.Event() for s in self.steps}
        try:
            async with (
                pooled_connections()
            ):  # the run's calls reuse connections (cloud/transport.py)
                await asyncio.gather(
                    *(self._run_step(step, mode, done, run_id) for step in self.steps)
                )
        finally:
            if unsubscribe:
                unsubscribe()
        result = RunResult(mode, [self.states[s.id] for s in self.steps], run_id)
        if self.journal:
            self.journal.finish_run(run_id, result.exit_code)
        return result

    # --- one step -------------------------------------------------------------------------

    async def _run_step(
        self, step: Step, mode: str, done: dict[str, asyncio.Event], run_id: int | None
    ) -> None:
        state = self.states[step.id]
        try:
            # Even when only observing, a step may need what its dependencies saw.
            for dep in step.depends_on:
                await done[dep].wait()
            if step.id in self.skip:
                self._finish(state, Outcome.SKIPPED, self.skip[step.id])
                return
            if mode != "plan":  # a plan looks at every step, whatever its dependencies show
                blockers = [d for d in step.depends_on if not self.states[d].outcome.succeeded]
                if blockers and not (mode == "verify" and step.observe_when_blocked):
                    self._finish(
                        state,
                        Outcome.BLOCKED,
                        "waits for: " + ", ".join(self.states[b].title for b in blockers),
                    )
                    return
            async with self._limit:
                token = current_step.set(step.id)
                try:
                    state.started_at = time.time()
                    self._set(state, Outcome.RUNNING, "observing")
                    await self._execute(step, state, mode)
                except Exception as exc:  # one broken step never stops the run
                    self._fail(state, exc)
                finally:
                    current_step.reset(token)
        finally:
            if not state.outcome.final:
                self._finish(state, Outcome.FAILED, "stopped before it finished")
            if self.journal and run_id is not None:
                self.journal.record_step(run_id, state)
            done[step.id].set()

    async def _execute(self, step: Step, state: StepState, mode: str) -> None:
        if mode == "plan" and (
            step.observe_mutates or step.proof
        ):  # only meaningful after the changes before it
            self._finish(state, Outcome.PLANNED, f"will check: {step.title}")
            return
        seen = await self._observe_settled(step, state)
        if seen.skipped is not None:
            self._finish(state, Outcome.SKIPPED, seen.skipped)
            return
        if mode == "plan":
            state.planned = [] if seen.holds else step.planned_calls(seen)
            if seen.holds:
                self._finish(state, Outcome.ALREADY, seen.detail)
            elif not step.can_apply:  # a proof: it can only be checked once the rest is in place
                self._finish(state, Outcome.PLANNED, f"will check; now: {seen.detail}")
            elif seen.needs_you:
                self._needs_you(state, seen)
            else:
                self._finish(state, Outcome.PLANNED, "will " + "; ".join(state.planned))
            return
        if seen.holds:
            # A proof (a step with nothing to apply) is "ok": it was shown to hold just now.
            was_there = mode == "apply" and step.can_apply and not step.proof
            self._finish(state, Outcome.ALREADY if was_there else Outcome.OK, seen.detail)
            return
        if seen.needs_you:
            self._needs_you(state, seen)
            return
        if mode == "verify":
            self._finish(state, Outcome.DRIFT, seen.detail)
            return
        if not step.can_apply:
            self._finish(state, Outcome.FAILED, seen.detail)
            return
        await self._apply_until_it_holds(step, state, seen)

    async def _apply_until_it_holds(self, step: Step, state: StepState, seen: Observation) -> None:
        before = seen
        self._record_created(step, before, None)
        for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
            self._set(
                state,
                Outcome.RUNNING,
                "applying" if attempt == 1 else f"applying again (attempt {attempt})",
            )
            try:
                await step.apply(self.ctx, seen)
            except Exception as exc:
                if not getattr(exc, "retryable", False) or attempt == MAX_APPLY_ATTEMPTS:
                    raise
                # The answer was lost: maybe the change happened. Look before trying again.
                await self.ctx.sleep(step.poll_interval * attempt)
            if step.expected_seconds:
                # Looking before the change can have landed only costs calls (and rate limit).
                self._set(
                    state,
                    Outcome.RUNNING,
                    f"waiting ~{step.expected_seconds:g} s for the change to land",
                )
                await self.ctx.sleep(step.expected_seconds)
            self._set(state, Outcome.RUNNING, "verifying")
            seen = await self._observe_settled(step, state)
            if seen.holds:
                # Proofs that depend on this step look only at listings fetched after now.
                self.ctx.applied_at[step.id] = time.monotonic()
                self._record_created(step, before, seen)
                self._finish(state, Outcome.OK, seen.detail)
                return
            if seen.needs_you:
                self._needs_you(state, seen)
                return
        self._finish(
            state, Outcome.FAILED, f"applied, but the cloud does not show it: {seen.detail}"
        )

    async def _observe_settled(self, step: Step, state: StepState) -> Observation:
        """Observe; while a change is in progress, wait and look again (bounded)."""
        seen = await self._look(step)
        waited = 0.0
        was_pending = seen.pending
        while seen.pending and waited < step.settle_timeout:
            self._set(state, Outcome.RUNNING, f"waiting: {seen.detail}")
            await self.ctx.sleep(step.poll_interval)
            waited += step.poll_interval
            seen = await self._look(step)
        if was_pending and seen.holds:
            # A change landed during this run (perhaps one an interrupted run made): proofs
            # that depend on it look only at what came after, and wait for first data.
            self.ctx.applied_at[step.id] = time.monotonic()
        if seen.pending:
            seen = Observation(
                False, f"still in progress after {step.settle_timeout:g} s: {seen.detail}"
            )
        self.ctx.facts[step.id] = seen.fact
        return seen

    async def _look(self, step: Step) -> Observation:
        """``step.observe``; a proof that makes a short-lived change to look (a check key)
        is asked again when that change failed retryably, as apply would be (such a step
        recognises what a lost attempt left behind)."""
        for attempt in range(1, MAX_APPLY_ATTEMPTS + 1):
            try:
                return await step.observe(self.ctx)
            except Exception as exc:
                retry = step.observe_mutates and getattr(exc, "retryable", False)
                if not retry or attempt == MAX_APPLY_ATTEMPTS:
                    raise
                await self.ctx.sleep(step.poll_interval * attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _record_created(self, step: Step, before: Observation, after: Observation | None) -> None:
        if self.journal is not None:
            for managed in step.manages(before, after):
                self.journal.record_created(
                    self.setup_key, step.account, managed.kind, managed.name, self.run_id
                )

    # --- state changes ----------------------------------------------------------------------

    def _set(self, state: StepState, outcome: Outcome, detail: str) -> None:
        state.outcome = outcome
        state.detail = redact(detail)
        if self.listener:
            self.listener(state)

    def _finish(self, state: StepState, outcome: Outcome, detail: str) -> None:
        state.finished_at = time.time()
        if state.started_at is None:
            state.started_at = state.finished_at
        self._set(state, outcome, detail)

    def _needs_you(self, state: StepState, seen: Observation) -> None:
        state.needs_you = redact(seen.needs_you or "")
        self._finish(state, Outcome.NEEDS_YOU, seen.detail)

    def _fail(self, state: StepState, exc: Exception) -> None:
        state.error_code = getattr(exc, "code", None) or type(exc).__name__
        state.request_id = getattr(exc, "request_id", None) or None
        state.hint = redact(getattr(exc, "hint", "") or "") or None
        message = getattr(exc, "message", None) or str(exc)
        self._finish(state, Outcome.FAILED, f"{state.error_code}: {message}")

    def _subscribe_calls(self) -> Callable[[], None] | None:
        if self.call_log is None:
            return None

        def on_call(record: Any) -> None:
            step_id = current_step.get()
            if step_id in self.states:
                self.states[step_id].calls.append(
                    CallSummary(
                        record.service,
                        record.action,
                        record.outcome,
                        record.request_id or "",
                        record.duration_ms,
                        record.mutating,
                    )
                )

        unsubscribe: Callable[[], None] = self.call_log.subscribe(on_call)
        return unsubscribe
