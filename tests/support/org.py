"""A running sandbox seeded with the ``org`` world (a Resource Directory), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.sandbox import RunningSandbox, serving


@contextmanager
def running_org(members: int = 8, regions: int = 3) -> Iterator[RunningSandbox]:
    from armstui.sandbox.state import SandboxState
    from armstui.sandbox.store import Store
    from armstui.sandbox.world_org import seed_org

    state = SandboxState(Store())
    with state.store.transaction():
        seed_org(state, members=members, regions=regions)
    with serving(state) as running:
        yield running
