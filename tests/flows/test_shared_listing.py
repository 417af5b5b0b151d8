"""FlowContext.trace_apps: hundreds of proofs share few ARMS listings, none older than the
change it proves (armstui/flows/context.py)."""

from __future__ import annotations

import asyncio
import time

from armstui.cloud.calllog import CallLog
from armstui.flows.context import FlowContext
from tests.support.sandbox import RunningSandbox


def _context(sandbox: RunningSandbox, latency: str) -> tuple[FlowContext, CallLog]:
    """A context as monitoring's root on a sandbox answering after ``latency``, and its log."""
    sandbox.state.faults.configure({"latency": latency})
    log = CallLog()
    return FlowContext({"monitoring": sandbox.session("monitoring", call_log=log)}, vault=None), log


async def test_askers_after_a_listing_started_wait_for_it_and_share_the_next(
    sandbox: RunningSandbox,
) -> None:
    ctx, log = _context(sandbox, "300ms")
    first = asyncio.ensure_future(ctx.trace_apps("monitoring", newer_than=time.monotonic()))
    # One turn of the loop: trace_apps starts its listing before its first await.
    await asyncio.sleep(0)
    assert not first.done()
    asked_at: list[float] = []
    later = []
    for _ in range(20):  # each proof's change landed after the first listing started
        asked_at.append(time.time())
        asker = asyncio.ensure_future(ctx.trace_apps("monitoring", newer_than=time.monotonic()))
        later.append(asker)
        await asyncio.sleep(0)  # the asker queues behind the listing in flight
        assert not asker.done()
    assert not first.done()  # every asker came while the first listing was in flight
    seen = await asyncio.gather(first, *later)

    listings = [r for r in log.records() if r.action == "ListTraceApps"]
    assert len(listings) == 2  # not one per asker
    assert all(s is seen[1] for s in seen[1:]) and seen[0] is not seen[1]
    assert listings[1].started_at >= max(asked_at)  # what they saw was fetched after their change


async def test_a_listing_started_after_the_change_is_shared_at_once(
    sandbox: RunningSandbox,
) -> None:
    ctx, log = _context(sandbox, "200ms")
    changed = time.monotonic()
    seen = await asyncio.gather(
        *(ctx.trace_apps("monitoring", newer_than=changed) for _ in range(10))
    )
    again = await ctx.trace_apps(
        "monitoring", newer_than=changed
    )  # fetched after the change: reused
    assert sum(r.action == "ListTraceApps" for r in log.records()) == 1
    assert all(s is seen[0] for s in [*seen, again])
