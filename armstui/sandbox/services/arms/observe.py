"""What every request leaves behind besides its own effect: the AccessKey it was signed
with counts as used (RAM GetAccessKeyLastUsed), and the reporting history is brought up to
date before a change and recorded after it (services/arms/model.py ``sync``), so an
interval closes at the simulated instant the request changed its cause."""

from __future__ import annotations

import dataclasses
from typing import Any

from armstui.sandbox.api import Call, Handler, Operation, Service
from armstui.sandbox.services.arms.model import sync
from armstui.sandbox.services.ram.usage import record_signing

# Reads that may land an addon change (and so must see the history up to date first).
_SYNC_READS = ("CS", "ARMS")


def observed(services: list[Service]) -> list[Service]:
    """The same services, each operation's handler wrapped (see the module notes)."""
    for service in services:
        for action, op in list(service.operations.items()):
            service.operations[action] = dataclasses.replace(op, handler=_wrap(op))
    return services


def _wrap(op: Operation) -> Handler:
    handler = op.handler
    sync_before = op.mutating or op.product in _SYNC_READS

    def run(call: Call) -> Any:
        state = call.state
        record_signing(state.store, state.clock, call.caller.access_key_id)
        if sync_before:
            sync(state.store, state.clock)
        result = handler(call)
        if op.mutating:
            sync(state.store, state.clock)
        return result

    return run
