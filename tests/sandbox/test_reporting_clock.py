"""A JVM that starts while the emulator records the reporting history still begins to report.

The history is brought up to date at a simulated instant read when a sync starts; when a JVM
restarted by Cloud Assistant becomes active between that instant and the end of the sync, the
next request must still record it (it once stayed unlisted until some change came along).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from armstui.sandbox import clock as clock_module
from armstui.sandbox.services.arms.model import (
    last_sync,
    license_key,
    listed_apps,
    sync,
    sync_if_due,
)
from armstui.sandbox.state import open_state
from armstui.sandbox.world import accounts_by_alias


class SteppedTime:
    """time.time() that moves forward by ``step`` seconds at every reading."""

    def __init__(self, start: float, step: float) -> None:
        self.now, self.step = start, step

    def time(self) -> float:
        self.now += self.step
        return self.now

    def __getattr__(self, name: str) -> Any:  # strftime, gmtime: the real module's
        return getattr(time, name)


@pytest.fixture
def stepped(monkeypatch: pytest.MonkeyPatch) -> Iterator[SteppedTime]:
    fake = SteppedTime(1_900_000_000.0, 0.001)
    monkeypatch.setattr(clock_module, "time", fake)
    yield fake


def test_a_jvm_starting_during_a_sync_reports_from_the_next_request(stepped: SteppedTime) -> None:
    state = open_state(None, speed=1)
    store, clock = state.store, state.clock
    accounts = accounts_by_alias(state)
    monitoring, source = accounts["monitoring"]["uid"], accounts["source"]["uid"]
    sync(store, clock)
    instance = next(
        i
        for i in store.list("ecs.instance", f"{source}/")
        if i.get("java_apps") and i.get("RegionId") == state.region
    )
    app = instance["java_apps"][0]
    # The agent becomes active a hair after the next sync reads its simulated now: inside
    # that sync, before it asks what is still to come.
    active_at = stepped.now + 1.5 * stepped.step
    app["agent"] = {
        "license_key": license_key(store, monitoring, state.region),
        "app_name": "started-mid-sync",
        "active_at": active_at,
    }
    store.put("ecs.instance", f"{source}/{instance['InstanceId']}", instance)

    sync(store, clock)
    # The sync's simulated now came before the JVM started (however often the sync reads the
    # clock after that: it may end after the start, or before it)...
    synced_at = last_sync(store)
    assert synced_at is not None and synced_at < clock.sim_at(active_at)
    names = {a["AppName"] for a in listed_apps(store, clock, monitoring, state.region)}
    assert "started-mid-sync" not in names  # ...so it is not recorded yet

    stepped.now += 5  # the next request, a while later, with no change of its own
    sync_if_due(store, clock)
    names = {a["AppName"] for a in listed_apps(store, clock, monitoring, state.region)}
    assert "started-mid-sync" in names
