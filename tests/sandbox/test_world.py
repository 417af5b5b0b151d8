"""The seeded worlds (armstui/sandbox/world.py), seen
through the SDK where an API shows it and through the state where none does (workload labels,
agents). The large world's sizes are checked (also custom ones, ``large:sources=3,...``); its
speed is measured and printed, and bounded loosely where everything reports into A."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_cs20151215 import models as cs
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ram20150501 import models as ram

from armstui.sandbox.services.arms.model import last_sync, reporting_apps, sync
from armstui.sandbox.state import open_state
from armstui.sandbox.world import accounts_by_alias, parse_world
from tests.support.sandbox import RunningSandbox, serving

REGION = "cn-hangzhou"


def _v(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _clusters_and_instances(sandbox: RunningSandbox, alias: str) -> tuple[list[Any], list[Any]]:
    """What ``alias`` owns in ACK and ECS, as DescribeClustersV1 and DescribeInstances list it."""
    clusters = sandbox.client("cs", alias).describe_clusters_v1(cs.DescribeClustersV1Request()).body
    instances = (
        sandbox.client("ecs", alias)
        .describe_instances(ecs.DescribeInstancesRequest(region_id=REGION))
        .body
    )
    return clusters.clusters, instances.instances.instance


def test_default_accounts(sandbox: RunningSandbox) -> None:
    assert set(sandbox.accounts) == {"monitoring", "source", "outsider"}
    uids = {a["uid"] for a in sandbox.accounts.values()}
    assert len(uids) == 3 and all(len(u) == 16 and u.isdigit() and u[0] != "0" for u in uids)
    for alias, account in sandbox.accounts.items():
        who = sandbox.client("sts", alias).get_caller_identity().body
        assert (who.account_id, who.identity_type) == (account["uid"], "Account")
        assert account["access_key_id"].startswith("LTAI") and len(account["access_key_id"]) == 24
        users = sandbox.client("ram", alias).list_users(ram.ListUsersRequest()).body.users.user
        assert [u.user_name for u in users] == ["admin"]
        assert sandbox.client("ram", alias).list_roles(ram.ListRolesRequest()).body.roles.role == []
    assert sandbox.state.region == REGION


def test_every_account_has_an_admin_user_with_its_key_in_sandbox_json(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    path = sandbox.write_description(tmp_path / "state")
    assert path.stat().st_mode & 0o777 == 0o600
    published = json.loads(path.read_text())["accounts"]
    assert set(published) == {"monitoring", "source", "outsider"}
    for alias, account in published.items():
        assert account["access_key_id"] == sandbox.accounts[alias]["access_key_id"]  # root pair
        admin = account["users"]["admin"]
        assert admin["user_name"] == "admin" and admin["access_key_id"] != account["access_key_id"]
        as_admin = {
            "access_key_id": admin["access_key_id"],
            "access_key_secret": admin["access_key_secret"],
        }
        who = sandbox.client("sts", **as_admin).get_caller_identity().body
        assert (who.identity_type, who.account_id) == ("RAMUser", account["uid"])
        assert who.arn == f"acs:ram::{account['uid']}:user/admin"
        policies = (
            sandbox.client("ram", alias)
            .list_policies_for_user(ram.ListPoliciesForUserRequest(user_name="admin"))
            .body.policies.policy
        )
        assert [(p.policy_type, p.policy_name) for p in policies] == [
            ("System", "AdministratorAccess")
        ]
        # AdministratorAccess: the admin may do what the root may, e.g. create a user
        sandbox.client("ram", **as_admin).create_user(ram.CreateUserRequest(user_name="made"))


def test_monitoring_has_arms_activated_and_nothing_else(sandbox: RunningSandbox) -> None:
    a = sandbox.uid("monitoring")
    seeded = sandbox.state.store.get("arms.license", f"{a}/{REGION}")
    assert seeded is not None  # activated before anyone asked
    key = (
        sandbox.client("arms", "monitoring")
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id=REGION))
        .body.license_key
    )
    assert key == seeded["LicenseKey"]
    assert _clusters_and_instances(sandbox, "monitoring") == ([], [])


def test_source_has_two_clusters_one_bare_one_with_an_old_onepilot(sandbox: RunningSandbox) -> None:
    client = sandbox.client("cs", "source")
    clusters = client.describe_clusters_v1(cs.DescribeClustersV1Request()).body.clusters
    assert len(clusters) == 2
    addons = {
        c.name: client.list_cluster_addon_instances(c.cluster_id).body.addons for c in clusters
    }
    bare = [name for name, found in addons.items() if not found]
    old = [found[0] for found in addons.values() if found]
    assert len(bare) == 1 and len(old) == 1
    assert old[0].name == "ack-onepilot" and _v(old[0].version) < (3, 0, 14)
    for cluster in sandbox.state.store.list("cs.cluster", f"{sandbox.uid('source')}/"):
        java = [w for w in cluster["workloads"] if w["language"] == "java"]
        labelled = [w for w in java if w["labels"].get("armsPilotAutoEnable") == "on"]
        assert len(labelled) >= 2 and len(java) > len(labelled)  # a few labelled, one that is not


def test_source_has_four_instances_with_java_apps_and_no_agent(sandbox: RunningSandbox) -> None:
    instances = (
        sandbox.client("ecs", "source")
        .describe_instances(ecs.DescribeInstancesRequest(region_id=REGION))
        .body.instances.instance
    )
    assert len(instances) == 4 and all(
        i.status == "Running" and i.ostype == "linux" for i in instances
    )
    for record in sandbox.state.store.list("ecs.instance", f"{sandbox.uid('source')}/"):
        assert record["java_apps"] and all(app["agent"] is None for app in record["java_apps"])
    ecs_apps = [
        a
        for a in sandbox.client("arms", "source")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
        if a.source == "ECS"
    ]
    assert ecs_apps == []


def test_outsider_owns_nothing(sandbox: RunningSandbox) -> None:
    assert _clusters_and_instances(sandbox, "outsider") == ([], [])


def test_an_unknown_world_is_refused() -> None:
    with pytest.raises(ValueError, match="world"):
        open_state(None, world="huge")


@pytest.fixture(scope="module")
def large() -> Iterator[tuple[RunningSandbox, float]]:
    started = time.perf_counter()
    state = open_state(None, world="large", speed=200)
    seeded = time.perf_counter() - started
    with serving(state) as running:
        yield running, seeded


def test_large_world_sizes(large: tuple[RunningSandbox, float]) -> None:
    sandbox, _ = large
    sources = sorted(a for a in sandbox.accounts if a.startswith("source-"))
    assert sources == [f"source-{n:02d}" for n in range(1, 11)]
    assert {"monitoring", "outsider"} <= set(sandbox.accounts)
    store = sandbox.state.store
    assert store.count("cs.cluster") == 100 and store.count("ecs.instance") == 200
    client = sandbox.client("cs", "source-03")
    body = client.describe_clusters_v1(cs.DescribeClustersV1Request(page_size=100)).body
    assert body.page_info.total_count == 10
    instances = (
        sandbox.client("ecs", "source-07")
        .describe_instances(ecs.DescribeInstancesRequest(region_id=REGION, max_results=100))
        .body
    )
    assert instances.total_count == 20


def test_large_world_list_trace_apps_speed(large: tuple[RunningSandbox, float]) -> None:
    """Reported, not asserted: seeding time and ListTraceApps latency over 100 clusters and 200
    instances (each call recomputes who reports where)."""
    sandbox, seeded = large
    source = sandbox.client("arms", "source-01")
    monitoring = sandbox.client("arms", "monitoring")
    request = arms.ListTraceAppsRequest(region_id=REGION)
    apps = source.list_trace_apps(request).body.trace_apps
    assert len(apps) == 10  # five clusters with the old onepilot, two labelled workloads each
    assert monitoring.list_trace_apps(request).body.trace_apps == []

    def timed(client: object, n: int = 10) -> float:
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            client.list_trace_apps(request)  # type: ignore[attr-defined]
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    source_ms, monitoring_ms = timed(source) * 1000, timed(monitoring) * 1000
    sts = sandbox.client("sts", "source-01")
    baseline_ms = statistics.median(_time(sts.get_caller_identity) for _ in range(10)) * 1000
    print(
        f"\nlarge world: seeded in {seeded * 1000:.0f} ms; ListTraceApps median {source_ms:.1f} ms (source-01, "
        f"{len(apps)} apps), {monitoring_ms:.1f} ms (monitoring); GetCallerIdentity baseline {baseline_ms:.1f} ms"
    )


def _time(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


# --- world specs ---------------------------------------------------------------------------------------


def test_parse_world() -> None:
    assert parse_world("default") == ("default", {})
    assert parse_world("large") == ("large", {"sources": 10, "clusters": 10, "instances": 200})
    assert parse_world("large:sources=3,instances=7") == (
        "large",
        {"sources": 3, "clusters": 10, "instances": 7},
    )
    assert parse_world("org") == ("org", {"members": 100, "regions": 3})
    assert parse_world("org:members=5,regions=2") == ("org", {"members": 5, "regions": 2})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("huge", "huge"),
        ("default:sources=2", "sources=2"),
        ("large:planets=2", "planets"),
        ("large:sources=0", "sources"),
        ("large:clusters=x", "clusters"),
        ("large:instances", "instances"),
        ("org:sources=2", "sources=2"),
        ("org:regions=9", "regions"),
        ("org:members=0", "members"),
    ],
)
def test_bad_world_specs_are_refused_naming_the_part(text: str, named: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_world(text)
    assert named in str(info.value)


def test_a_small_large_world_has_the_sizes_asked_for() -> None:
    state = open_state(None, world="large:sources=3,clusters=2,instances=7")
    accounts = accounts_by_alias(state)
    assert sorted(accounts) == ["monitoring", "outsider", "source-01", "source-02", "source-03"]
    per_account = {
        alias: (
            state.store.count("cs.cluster", f"{a['uid']}/"),
            state.store.count("ecs.instance", f"{a['uid']}/"),
        )
        for alias, a in accounts.items()
    }
    assert per_account == {
        "monitoring": (0, 0),
        "outsider": (0, 0),
        "source-01": (2, 3),
        "source-02": (2, 2),
        "source-03": (2, 2),
    }


def _report_everything_into_monitoring(sandbox: RunningSandbox) -> None:
    """Every cluster: onepilot 5.1.2 with a valid reporter key of A; every instance: its JVM with A's
    license key. Set up in the records (kinds ``cs.addon``, ``ecs.instance``) to keep the test fast;
    the RAM user and key go through the SDK."""
    key = sandbox.user_key("monitoring", "bench-reporter", "AliyunARMSFullAccess")
    config = json.dumps(
        {
            "accessKey": key["access_key_id"],
            "accessKeySecret": key["access_key_secret"],
            "uid": sandbox.uid("monitoring"),
        }
    )
    license_key = (
        sandbox.client("arms", "monitoring")
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id=REGION))
        .body.license_key
    )
    store = sandbox.state.store
    with store.transaction():
        for cluster in store.list("cs.cluster"):
            store.put(
                "cs.addon",
                f"{cluster['cluster_id']}/ack-onepilot",
                {"name": "ack-onepilot", "version": "5.1.2", "config": config, "op": None},
            )
        for account in sandbox.accounts.values():
            for instance in store.list("ecs.instance", f"{account['uid']}/"):
                instance["java_apps"][0]["agent"] = {
                    "license_key": license_key,
                    "app_name": instance["InstanceName"],
                    "active_at": 0,
                }
                store.put("ecs.instance", f"{account['uid']}/{instance['InstanceId']}", instance)
    # written behind the API's back, so the reporting history is brought up to date by hand
    sync(store, sandbox.state.clock)


def test_list_trace_apps_stays_fast_when_everything_reports(
    large: tuple[RunningSandbox, float],
) -> None:
    sandbox, _ = large
    _report_everything_into_monitoring(sandbox)
    client = sandbox.client("arms", "monitoring")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        apps = client.list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION)).body.trace_apps
        timings.append(time.perf_counter() - started)
    assert len(apps) == 100 * 2 + 200  # two labelled workloads per cluster, one app per instance
    assert {a.source for a in apps} == {"ACK", "ECS"}
    # everything reports into A now; what source-03's old onepilots reported stays listed there
    old = (
        sandbox.client("arms", "source-03")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
    )
    assert len(old) == 5 * 2  # every other cluster had onepilot 3.0.12, two labelled workloads
    state = sandbox.state
    assert reporting_apps(state.store, state.clock, sandbox.uid("source-03"), REGION) == []
    print(
        f"\nlarge world, everything reporting into A: ListTraceApps median {statistics.median(timings) * 1000:.1f} ms "
        f"for {len(apps)} apps"
    )


def test_simulated_time_resumes_where_a_fast_run_left_it(tmp_path: Path) -> None:
    """A state reopened after the clock ran ahead never goes back in simulated time, so the
    reporting history it recorded stays in the past."""
    state = open_state(tmp_path / "state", speed=1)
    state.clock.advance(7200)
    sync(state.store, state.clock)
    reached = last_sync(state.store)  # the latest instant the history holds
    assert reached is not None
    state.store.close()
    again = open_state(tmp_path / "state", speed=1)
    try:
        assert again.clock.sim_now() >= reached
        assert again.clock.sim_now() - again.clock.now() >= 7199
    finally:
        again.store.close()
