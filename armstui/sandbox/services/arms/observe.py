"""What every request leaves behind besides its own effect: the reporting history
(services/arms/model.py ``sync``) is brought up to date before the request when time alone
changed something, and recorded after a request that may have changed a cause of reporting,
so an interval closes at the simulated instant the request changed it. (That the request's
AccessKey counts as used is recorded by the server as soon as the request is authenticated.)"""

from __future__ import annotations

import dataclasses
from typing import Any

from armstui.sandbox.api import Call, Handler, Operation, Service
from armstui.sandbox.services.arms.model import sync, sync_if_due

# Changes that cannot alter who reports: STS sessions, and anything merely created (a new
# user, key, role, policy or kept command is in no onepilot config or JVM yet).
_INERT_PRODUCTS = ("Sts",)
_INERT_PREFIXES = ("Create",)


def observed(services: list[Service]) -> list[Service]:
    """The same services, each operation's handler wrapped (see the module notes)."""
    for service in services:
        for action, op in list(service.operations.items()):
            service.operations[action] = dataclasses.replace(op, handler=_wrap(op))
    return services


def _changes_reporting(op: Operation) -> bool:
    return (
        op.mutating
        and op.product not in _INERT_PRODUCTS
        and not op.action.startswith(_INERT_PREFIXES)
    )


def _wrap(op: Operation) -> Handler:
    handler = op.handler
    sync_after = _changes_reporting(op)

    def run(call: Call) -> Any:
        state = call.state
        sync_if_due(state.store, state.clock)
        result = handler(call)
        if sync_after:
            sync(state.store, state.clock)
        return result

    return run
