"""Sessions on the test sandbox, and what its request log says was called."""

from __future__ import annotations

from typing import Any

import requests

from armstui.cloud.session import CloudSession
from armstui.model import Credentials
from tests.support.sandbox import RunningSandbox


def session(
    sandbox: RunningSandbox,
    alias: str,
    *,
    key: tuple[str, str] | None = None,
    root: bool = False,
) -> CloudSession:
    """A session as ``alias``'s admin user (its root with ``root``, or the given key)."""
    account = sandbox.accounts[alias]
    if key is None:
        who = account if root else account["users"]["admin"]
        key = (who["access_key_id"], who["access_key_secret"])
    return CloudSession(
        alias, account["uid"], sandbox.state.region, Credentials(*key), endpoint=sandbox.endpoint
    )


def calls(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """The sandbox's request log (``GET /__sandbox/calls``)."""
    answer = requests.get(f"http://{sandbox.endpoint}/__sandbox/calls", timeout=10)
    answer.raise_for_status()
    return list(answer.json())


def actions(sandbox: RunningSandbox) -> list[str]:
    return [str(c["action"]) for c in calls(sandbox)]


def mutating_calls(sandbox: RunningSandbox) -> list[str]:
    """The actions in the sandbox's request log that change something."""
    from armstui.sandbox.server import _operations

    changes = {op.action for op in _operations().values() if op.mutating}
    return [a for a in actions(sandbox) if a in changes]
