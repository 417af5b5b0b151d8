"""The reporting history over many clusters and many keys, through the official SDK clients.

Twelve clusters in three accounts each report into A with an AccessKey of their own (six A
users, two keys each). Then, one cause at a time, reporting stops or moves: a key disabled
(and one disabled and enabled again), a cluster switched to another cluster's key, onepilot
uninstalled, a policy detached from a user with two keys. Requests that fail after the
history was brought up to date (and so roll it back) are mixed in. Every key's
GetAccessKeyLastUsed and every application's data must then be exactly what those causes
imply: the history records incrementally, and a change missed for one cluster among many
shows here. The clock runs at speed 1 and moves by ``advance``."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_cs20151215 import models as cs
from alibabacloud_ram20150501 import models as ram
from Tea.exceptions import TeaException

from armstui.sandbox.state import open_state
from tests.support.sandbox import RunningSandbox, serving

REGION = "cn-hangzhou"
ONEPILOT = "ack-onepilot"
SOURCES, CLUSTERS = 3, 4  # 12 clusters; the even ones run onepilot 3.0.12 from the start
MINUTE_MS = 60_000


@pytest.fixture
def world() -> Iterator[RunningSandbox]:
    state = open_state(None, world=f"large:sources={SOURCES},clusters={CLUSTERS},instances=0")
    state.clock.speed = 1
    with serving(state) as running:
        yield running


def _clusters(sandbox: RunningSandbox) -> list[tuple[str, str, bool]]:
    """(account alias, cluster ID, whether onepilot 3.0.12 runs in it) of every cluster, in a
    fixed order."""
    out = []
    for s in range(1, SOURCES + 1):
        alias = f"source-{s:02d}"
        for c in range(1, CLUSTERS + 1):
            cluster_id = sandbox.cluster_id(alias, f"s{s:02d}-cluster{c:02d}")
            out.append((alias, cluster_id, c % 2 == 0))
    return out


def _keys(sandbox: RunningSandbox, count: int) -> list[dict[str, str]]:
    """``count`` keys of A users allowed to report, two per user: user, id, secret."""
    root = sandbox.client("ram", "monitoring")
    keys = []
    for n in range(count // 2):
        user = f"reporter-{n}"
        first = sandbox.user_key("monitoring", user, "AliyunARMSFullAccess")
        second = root.create_access_key(ram.CreateAccessKeyRequest(user_name=user)).body.access_key
        keys.append(
            {"user": user, "id": first["access_key_id"], "secret": first["access_key_secret"]}
        )
        keys.append({"user": user, "id": second.access_key_id, "secret": second.access_key_secret})
    return keys


def _config(sandbox: RunningSandbox, key: dict[str, str]) -> str:
    return json.dumps(
        {"accessKey": key["id"], "accessKeySecret": key["secret"], "uid": sandbox.uid("monitoring")}
    )


def _sim(sandbox: RunningSandbox) -> float:
    return sandbox.state.clock.sim_now()


def _fail_after_catching_up(sandbox: RunningSandbox, alias: str, cluster_id: str) -> None:
    """A request that brings the history up to date, then fails (its writes roll back)."""
    with pytest.raises(TeaException) as info:
        sandbox.client("cs", alias).get_cluster_addon_instance(cluster_id, "no-such-addon")
    assert info.value.status_code == 404


def _last_used(sandbox: RunningSandbox, key: dict[str, str]) -> float | None:
    """GetAccessKeyLastUsed as a simulated instant (None: never used)."""
    answer = (
        sandbox.client("ram", "monitoring")
        .get_access_key_last_used(
            ram.GetAccessKeyLastUsedRequest(user_name=key["user"], user_access_key_id=key["id"])
        )
        .body.access_key_last_used.last_used_date
    )
    if not answer:
        return None
    shown = calendar.timegm(time.strptime(answer, "%Y-%m-%dT%H:%M:%SZ"))
    return sandbox.state.clock.to_sim(shown)


def _spans(sandbox: RunningSandbox, alias: str, pid: str, start_sim: float, end_sim: float) -> int:
    clock = sandbox.state.clock
    request = arms.SearchTracesByPageRequest(
        region_id=REGION,
        pid=pid,
        start_time=int(clock.present(start_sim) * 1000),
        end_time=int(clock.present(end_sim) * 1000),
    )
    return int(sandbox.client("arms", alias).search_traces_by_page(request).body.page_bean.total)


def _apps_by_cluster(sandbox: RunningSandbox, alias: str) -> dict[str, list[Any]]:
    listed = (
        sandbox.client("arms", alias)
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
        or []
    )
    out: dict[str, list[Any]] = {}
    for app in listed:
        out.setdefault(app.cluster_id, []).append(app)
    return out


def test_every_keys_last_use_and_every_apps_data_follow_their_causes(
    world: RunningSandbox,
) -> None:
    sandbox = world
    clusters = _clusters(sandbox)
    keys = _keys(sandbox, len(clusters))
    # Each cluster reports into A with its own key: install onepilot 3.2.0 with it, or (the
    # 3.0.12 ones) set the config, then upgrade.
    for (alias, cluster_id, running), key in zip(clusters, keys, strict=True):
        client = sandbox.client("cs", alias)
        if running:
            client.modify_cluster_addon(
                cluster_id, ONEPILOT, cs.ModifyClusterAddonRequest(config=_config(sandbox, key))
            )
        else:
            item = cs.InstallClusterAddonsRequestBody(
                name=ONEPILOT, version="3.2.0", config=_config(sandbox, key)
            )
            client.install_cluster_addons(cluster_id, cs.InstallClusterAddonsRequest(body=[item]))
    sandbox.state.clock.advance(30)  # the config changes land (20 s); installs still run
    upgraded = []
    for alias, cluster_id, running in clusters:
        client = sandbox.client("cs", alias)
        if running:
            item = cs.UpgradeClusterAddonsRequestBody(
                component_name=ONEPILOT, version="3.0.12", next_version="3.2.0"
            )
            client.upgrade_cluster_addons(cluster_id, cs.UpgradeClusterAddonsRequest(body=[item]))
            upgraded.append(cluster_id)
    assert len(upgraded) == len(clusters) // 2
    started = _sim(sandbox) + 90  # the last upgrade lands 90 s after it began
    sandbox.state.clock.advance(600)
    assert all(_last_used(sandbox, k) == pytest.approx(_sim(sandbox), abs=2) for k in keys)

    # One cause at a time (the cluster index names the key it reports with).
    ram_client = sandbox.client("ram", "monitoring")

    def set_status(index: int, status: str) -> float:
        ram_client.update_access_key(
            ram.UpdateAccessKeyRequest(
                user_name=keys[index]["user"], user_access_key_id=keys[index]["id"], status=status
            )
        )
        return _sim(sandbox)

    stops: dict[int, float] = {}  # key index -> the simulated instant it last reported
    stops[0] = set_status(0, "Inactive")
    sandbox.state.clock.advance(120)
    set_status(1, "Inactive")
    sandbox.state.clock.advance(120)
    set_status(1, "Active")  # reports again: in use now
    alias, cluster_id, _ = clusters[2]
    sandbox.client("cs", alias).modify_cluster_addon(
        cluster_id, ONEPILOT, cs.ModifyClusterAddonRequest(config=_config(sandbox, keys[3]))
    )
    stops[2] = _sim(sandbox) + 20  # the old config runs until the change lands
    alias, cluster_id, _ = clusters[4]
    sandbox.client("cs", alias).un_install_cluster_addons(
        cluster_id,
        cs.UnInstallClusterAddonsRequest(
            addons=[cs.UnInstallClusterAddonsRequestAddons(name=ONEPILOT)]
        ),
    )
    stops[4] = _sim(sandbox) + 30
    sandbox.state.clock.advance(60)  # both changes have landed; nothing has looked yet
    _fail_after_catching_up(sandbox, *clusters[5][:2])
    _fail_after_catching_up(sandbox, *clusters[6][:2])
    ram_client.detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(
            user_name=keys[6]["user"], policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )
    stops[6] = stops[7] = _sim(sandbox)
    sandbox.state.clock.advance(600)
    now = _sim(sandbox)

    for index, key in enumerate(keys):
        expected = stops.get(index, now)
        assert _last_used(sandbox, key) == pytest.approx(expected, abs=2), (index, key["id"])

    # Every application stays listed in A; it has data in A exactly while it reported there
    # (cluster 2 went on with key 3: its applications did not stop).
    in_a = _apps_by_cluster(sandbox, "monitoring")
    assert sorted(in_a) == sorted(c for _, c, _ in clusters)
    for index, (_, cluster_id, _) in enumerate(clusters):
        apps = in_a[cluster_id]
        assert len(apps) == 2
        stop = stops.get(index) if index != 2 else None
        for app in apps:
            assert _spans(sandbox, "monitoring", app.pid, started, started + 300) in (20, 21)
            recent = _spans(sandbox, "monitoring", app.pid, now - 300, now)
            if stop is None:
                assert recent in (20, 21), (index, recent)
            else:
                assert recent == 0, index
                assert _spans(sandbox, "monitoring", app.pid, stop - 60, stop + 1) >= 4
                assert _spans(sandbox, "monitoring", app.pid, stop + 1, now) == 0
    # Those whose key stopped working fell back to their own account; the uninstalled one and
    # the one switched to another key did not.
    for index in (0, 6, 7):
        alias, cluster_id, _ = clusters[index]
        own = _apps_by_cluster(sandbox, alias).get(cluster_id, [])
        assert len(own) == 2 and all(
            _spans(sandbox, alias, a.pid, now - 300, now) in (20, 21) for a in own
        )
    for index in (2, 4):
        alias, cluster_id, _ = clusters[index]
        assert cluster_id not in _apps_by_cluster(sandbox, alias)
