"""A running sandbox seeded with the ``org`` world (a Resource Directory), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.sandbox import RunningSandbox, serving


@contextmanager
def running_org(members: int = 8, regions: int = 3) -> Iterator[RunningSandbox]:
    from armstui.sandbox.state import open_state

    # simulated durations run fast, as in every other test sandbox
    state = open_state(None, world=f"org:members={members},regions={regions}", speed=200)
    with serving(state) as running:
        yield running
