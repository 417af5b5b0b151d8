"""The history ARMS keeps of which applications report into which account, and what it
answers from it.

Who reports *now* is derived from the state (services/arms/reporting.py); ``sync`` records
it as reporting intervals, because ARMS keeps an application listed after it stops reporting
(the console shows it with "no data") until someone deletes it. So ListTraceApps proves an
application reported once; only its data (SearchTracesByPage, QueryMetricByPage) shows
whether it reports now.

When the cause goes away (key disabled or deleted, policy detached, uid changed, agent
removed, onepilot uninstalled) the application's interval in X closes: it stays listed in X
with no new data (and, for ACK, reports into the cluster's own account from then on).

Tags: ListTraceApps' ``Tags.N.Key/Value`` keeps the applications that carry every pair asked
for.

Recording is incremental: each store has a :class:`_History` that remembers what the records'
open intervals say and which records used each AccessKey, valid as long as no one but the last
recording wrote ``arms.app`` (a rolled-back request or a reopened state makes it rebuild
them from the records).
"""

from __future__ import annotations

import hashlib
import math
import weakref
from typing import Any

from armstui.sandbox.clock import Clock
from armstui.sandbox.services.arms.reporting import (
    Reporter,
    Sources,
    account_of_license,
    cross_account_target,
    license_key,
    next_changes,
    pending_changes,
    reporters,
)
from armstui.sandbox.store import Store

__all__ = [
    "account_of_license",
    "app_id",
    "cross_account_target",
    "key_last_reported",
    "last_sync",
    "license_key",
    "listed_apps",
    "report_times",
    "reporters",
    "reporting_apps",
    "sync",
    "sync_if_due",
]

APPS = "arms.app"


def app_id(pid: str) -> int:
    return int(hashlib.sha256(pid.encode()).hexdigest()[:12], 16)


class _History:
    """What one store's ``arms.app`` records say, kept beside them: ``current``, the
    applications whose last interval is open (with the ``key_id`` it runs with), and
    ``key_apps``, the records with an interval that used each AccessKey. Both hold while
    ``arms.app`` is as the last recording left it (``generation``)."""

    def __init__(self) -> None:
        self.sources = Sources()
        self.current: dict[str, Reporter] = {}
        self.key_apps: dict[str, set[str]] = {}
        self.generation = -1

    def check(self, store: Store) -> None:
        """Rebuild from the records unless they are as the last recording left them."""
        if store.generation(APPS) == self.generation:
            return
        self.current, self.key_apps = {}, {}
        for key, app in store.view_items(APPS):
            for _, _, used in app["intervals"]:
                if used is not None:
                    self.key_apps.setdefault(used, set()).add(key)
            begin, stop, used = app["intervals"][-1]
            if stop is None:
                self.current[key] = {
                    **{k: v for k, v in app.items() if k not in ("intervals", "CreateTime")},
                    "key_id": used,
                }
        self.generation = store.generation(APPS)

    def record(self, store: Store, clock: Clock, at: float) -> None:
        """Bring the records to instant ``at``: close the intervals of the applications that
        stopped reporting (or now report with another key), open one for each that started,
        and keep every record's fields as its source now has them."""
        changes = self.sources.at(store, clock, at)
        if changes is None or store.generation(APPS) != self.generation:
            self.check(store)
            current = self.sources.current()
            self._apply(store, self.current, current, at)
            self.current = current
        else:
            for before, after in changes:
                self._apply(store, before, after, at)
                for key in before:
                    self.current.pop(key, None)
                self.current.update(after)
        self.generation = store.generation(APPS)

    def _apply(
        self,
        store: Store,
        previous: dict[str, Reporter],
        current: dict[str, Reporter],
        at: float,
    ) -> None:
        """Record that ``previous`` (the open intervals) became ``current`` at ``at``."""
        for key, before in previous.items():
            now = current.get(key)
            if now is None or now["key_id"] != before["key_id"]:
                app = store.get(APPS, key)
                if app is not None and app["intervals"][-1][1] is None:
                    app["intervals"][-1][1] = at
                    store.put(APPS, key, app)
        for key, reporter in current.items():
            if previous.get(key) is not reporter:
                self._update(store, key, reporter, at)

    def _update(self, store: Store, key: str, reporter: Reporter, at: float) -> None:
        fields = {k: v for k, v in reporter.items() if k != "key_id"}
        stored = store.peek(APPS, key)
        reporting = stored is not None and stored["intervals"][-1][1] is None
        if stored is not None and reporting and all(stored.get(k) == v for k, v in fields.items()):
            return
        app = store.get(APPS, key) or {"CreateTime": at, "intervals": []}
        app.update(fields)
        if not reporting:
            key_id = reporter["key_id"]
            app["intervals"].append([at, None, key_id])
            if key_id is not None:
                self.key_apps.setdefault(key_id, set()).add(key)
        store.put(APPS, key, app)


_histories: weakref.WeakKeyDictionary[Store, _History] = weakref.WeakKeyDictionary()


def _history(store: Store) -> _History:
    history = _histories.get(store)
    if history is None:
        history = _histories[store] = _History()
    return history


def sync_if_due(store: Store, clock: Clock) -> None:
    """``sync`` when time alone may have changed who reports since the last one (cheap
    otherwise); changes made by requests are recorded when each request ends."""
    last = store.peek("arms.sync", "last")
    if last is None:
        sync(store, clock)
        return
    next_sim, next_real = last.get("next_sim"), last.get("next_real")
    if (next_sim is not None and clock.sim_now() >= next_sim) or (
        next_real is not None and clock.now() >= next_real
    ):
        sync(store, clock)


def sync(store: Store, clock: Clock) -> None:
    """Bring every application's reporting intervals up to the simulated now.

    Reporting is derived from the state (keys, policies, addons, agents); this records its
    history, which the state alone forgets: each application once seen stays as an
    ``arms.app`` record ``<account>/<pid>`` with ``intervals`` ``[[start, end|None, key_id]]``
    in simulated seconds. Changes made by a request are recorded when it ends (the caller
    syncs before and after a mutating request); changes due to time alone land at their
    own instants."""
    with store.transaction():
        now = clock.sim_now()
        last = store.peek("arms.sync", "last")
        after = last["at"] if last else now
        history = _history(store)
        for at in [*pending_changes(store, clock, after, now), now]:
            history.record(store, clock, at)
        store.put("arms.sync", "last", {"at": now, **next_changes(store, clock, now)})


def last_sync(store: Store) -> float | None:
    record = store.peek("arms.sync", "last")
    return record["at"] if record else None


# --- what ARMS answers ----------------------------------------------------------------------


def listed_apps(store: Store, clock: Clock, account_id: str, region: str) -> list[dict[str, Any]]:
    """Every application that ever reported into ``account_id`` in ``region``, in
    ListTraceApps' item shape; ``UpdateTime`` is its last report (now, while it reports)."""
    now = clock.sim_now()
    out = []
    for app in store.view(APPS, f"{account_id}/"):
        if app["RegionId"] != region:
            continue
        last_report = app["intervals"][-1][1] or now
        item = {k: v for k, v in app.items() if k not in ("intervals", "CreateTime")}
        out.append(
            {
                **item,
                "AppId": app_id(app["Pid"]),
                "Type": "TRACE",
                "CreateTime": int(clock.present(app["CreateTime"]) * 1000),
                "UpdateTime": int(clock.present(last_report) * 1000),
                "Show": True,
                "ResourceGroupId": "",
            }
        )
    return out


POINT_SECONDS = 15  # one span (and one call in the metrics) per app every 15 simulated seconds


def report_times(app: dict[str, Any], start: float, end: float, now: float) -> list[float]:
    """The simulated instants in [start, end] at which ``app`` reported (a 15 s grid inside
    its reporting intervals, never after ``now``)."""
    times: list[float] = []
    for begin, stop, _ in app["intervals"]:
        low, high = max(begin, start), min(stop if stop is not None else now, end, now)
        t = math.ceil(low / POINT_SECONDS) * POINT_SECONDS
        while t <= high:
            times.append(float(t))
            t += POINT_SECONDS
    return times


def key_last_reported(store: Store, clock: Clock, key_id: str) -> float | None:
    """The simulated instant onepilot last reported with the AccessKey, or None."""
    with store.locked():  # the history and the records read together
        history = _history(store)
        history.check(store)
        apps = [store.peek(APPS, key) for key in history.key_apps.get(key_id, ())]
    now, last = clock.sim_now(), None
    for app in apps:
        for _, stop, used in app["intervals"] if app else ():
            if used == key_id:
                at = stop if stop is not None else now
                last = at if last is None else max(last, at)
    return last


def reporting_apps(
    store: Store, clock: Clock, account_id: str, region: str
) -> list[dict[str, Any]]:
    """The applications that report into ``account_id`` in ``region`` right now (what a
    test or a benchmark checks the cloud against; ARMS itself lists more, see
    ``listed_apps``)."""
    sync(store, clock)
    return [
        {k: v for k, v in r.items() if k != "key_id"}
        for r in reporters(store, clock, clock.sim_now()).values()
        if r["UserId"] == account_id and r["RegionId"] == region
    ]
