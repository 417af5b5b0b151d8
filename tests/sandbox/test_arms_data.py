"""ARMS data through the official SDK client: SearchTracesByPage and QueryMetricByPage answer
spans and metric points for an application only for the simulated times it reported. The
seeded shop-staging (onepilot 3.0.12) reports its two labelled workloads into B from the
moment the world is seeded. The clock runs at speed 1 here and moves only by ``advance``, so
every window is exact."""

from __future__ import annotations

import time
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_cs20151215 import models as cs
from Tea.exceptions import TeaException

from armstui.sandbox.clock import Clock
from tests.support.sandbox import RunningSandbox

REGION = "cn-hangzhou"
MINUTE_MS = 60_000


@pytest.fixture
def still(sandbox: RunningSandbox) -> RunningSandbox:
    sandbox.state.clock.speed = 1
    return sandbox


def _apps(sandbox: RunningSandbox, alias: str) -> list[Any]:
    client = sandbox.client("arms", alias)
    return client.list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION)).body.trace_apps


def _spans(
    sandbox: RunningSandbox, alias: str, pid: str, start: int, end: int, **kwargs: Any
) -> Any:
    request = arms.SearchTracesByPageRequest(
        region_id=REGION, pid=pid, start_time=start, end_time=end, **kwargs
    )
    return sandbox.client("arms", alias).search_traces_by_page(request).body.page_bean


def _now_ms() -> int:
    return int(time.time() * 1000)


def _uninstall_onepilot(sandbox: RunningSandbox) -> None:
    client = sandbox.client("cs", "source")
    staging = sandbox.cluster_id("source", "shop-staging")
    client.un_install_cluster_addons(
        staging,
        cs.UnInstallClusterAddonsRequest(
            addons=[cs.UnInstallClusterAddonsRequestAddons(name="ack-onepilot")]
        ),
    )


def test_one_span_every_15_simulated_seconds_while_reporting(still: RunningSandbox) -> None:
    still.state.clock.advance(600)
    pid = _apps(still, "source")[0].pid
    now = _now_ms()
    page = _spans(still, "source", pid, now - 5 * MINUTE_MS, now, page_size=100)
    assert page.total in (20, 21) and len(page.trace_infos) == page.total  # 300 s / 15 s
    stamps = [s.timestamp for s in page.trace_infos]
    assert stamps == sorted(stamps) and all(now - 5 * MINUTE_MS <= t <= now for t in stamps)
    assert {b - a for a, b in zip(stamps, stamps[1:], strict=False)} == {15_000}
    span = page.trace_infos[0]
    assert span.trace_id and span.service_name == _apps(still, "source")[0].app_name
    assert span.duration > 0
    again = _spans(still, "source", pid, now - 5 * MINUTE_MS, now, page_size=100)
    assert [s.trace_id for s in again.trace_infos] == [s.trace_id for s in page.trace_infos]
    second = _spans(still, "source", pid, now - 5 * MINUTE_MS, now, page_size=8, page_number=2)
    assert [s.timestamp for s in second.trace_infos] == stamps[8:16]
    newest_first = _spans(still, "source", pid, now - 5 * MINUTE_MS, now, reverse=True)
    assert newest_first.trace_infos[0].timestamp == stamps[-1]


def test_no_data_before_the_app_ever_reported(still: RunningSandbox) -> None:
    pid = _apps(still, "source")[0].pid
    now = _now_ms()
    assert _spans(still, "source", pid, now - 60 * MINUTE_MS, now - 5 * MINUTE_MS).total == 0


def test_after_reporting_stops_the_app_stays_listed_without_recent_data(
    still: RunningSandbox,
) -> None:
    still.state.clock.advance(600)
    _uninstall_onepilot(still)
    still.state.clock.advance(900)  # the 30 s uninstall lands, then 14.5 quiet minutes
    apps = _apps(still, "source")
    assert sorted(a.app_name for a in apps) == ["staging-svc1", "staging-svc2"]
    now = _now_ms()
    for app in apps:
        assert _spans(still, "source", app.pid, now - 5 * MINUTE_MS, now).total == 0
        before = _spans(still, "source", app.pid, now - 25 * MINUTE_MS, now - 15 * MINUTE_MS)
        assert before.total > 0  # it reported before the uninstall
        latest = _spans(still, "source", app.pid, now - 30 * MINUTE_MS, now, reverse=True)
        # the last span: when onepilot went away, 30 simulated seconds after the uninstall began
        assert now - 871_000 - 15_000 <= latest.trace_infos[0].timestamp <= now - 869_000
        assert app.update_time == pytest.approx(now - 870_000, abs=2_000)
        got = (
            still.client("arms", "source")
            .get_trace_app(arms.GetTraceAppRequest(pid=app.pid, region_id=REGION))
            .body.trace_app
        )
        assert got.pid == app.pid


def test_another_accounts_pid_has_no_data_here(still: RunningSandbox) -> None:
    still.state.clock.advance(120)
    pid = _apps(still, "source")[0].pid
    now = _now_ms()
    assert _spans(still, "monitoring", pid, now - 5 * MINUTE_MS, now).total == 0


def test_the_time_window_is_required(still: RunningSandbox) -> None:
    pid = _apps(still, "source")[0].pid
    with pytest.raises(TeaException) as info:
        still.client("arms", "source").search_traces_by_page(
            arms.SearchTracesByPageRequest(region_id=REGION, pid=pid, end_time=_now_ms())
        )
    assert (info.value.status_code, info.value.code) == (400, "MissingParameter")
    assert "StartTime" in info.value.message


def _incall(sandbox: RunningSandbox, alias: str, pid: str | None, start: int, end: int) -> Any:
    filters = [arms.QueryMetricByPageRequestFilters(key="pid", value=pid)] if pid else None
    request = arms.QueryMetricByPageRequest(
        metric="appstat.incall",
        filters=filters,
        start_time=start,
        end_time=end,
        interval_in_sec=60_000,
        measures=["count"],
    )
    body = sandbox.client("arms", alias).query_metric_by_page(request).body
    assert body.success is True
    return body.data


def test_query_metric_by_page_counts_calls_per_minute_while_reporting(
    still: RunningSandbox,
) -> None:
    still.state.clock.advance(600)
    pids = sorted(a.pid for a in _apps(still, "source"))
    now = _now_ms()
    one = _incall(still, "source", pids[0], now - 5 * MINUTE_MS, now)
    assert {item["pid"] for item in one.items} == {pids[0]}
    assert 5 <= one.total <= 6 and sum(item["count"] for item in one.items) in (20, 21)
    assert all(item["count"] <= 4 for item in one.items)  # one call per 15 s
    both = _incall(still, "source", None, now - 5 * MINUTE_MS, now)
    assert sorted({item["pid"] for item in both.items}) == pids
    _uninstall_onepilot(still)
    still.state.clock.advance(600)
    now = _now_ms()
    assert _incall(still, "source", pids[0], now - 5 * MINUTE_MS, now).items == []
    assert _incall(still, "source", pids[0], now - 15 * MINUTE_MS, now).total > 0


def test_query_metric_by_page_names_an_unknown_metric(still: RunningSandbox) -> None:
    with pytest.raises(TeaException) as info:
        still.client("arms", "source").query_metric_by_page(
            arms.QueryMetricByPageRequest(metric="no.such", start_time=0, end_time=_now_ms())
        )
    assert info.value.status_code == 400 and "Metric" in info.value.message


# --- the clock ----------------------------------------------------------------------------------


def test_simulated_time_runs_at_the_speed_and_jumps_forward() -> None:
    clock = Clock(speed=1)
    start = clock.sim_now()
    clock.advance(300)
    assert 300 <= clock.sim_now() - start < 301
    assert clock.present(clock.sim_now()) == pytest.approx(clock.now(), abs=0.01)
    assert clock.to_sim(clock.present(start)) == pytest.approx(start, abs=0.01)
    clock.speed = 1_000_000
    fast = clock.sim_now()
    assert clock.sim_now() > fast  # a million simulated seconds per real one
    clock.speed = 1
    kept = clock.sim_now()
    assert kept >= fast  # changing the speed never moves simulated time back
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.resume_at(kept + 3600)
    assert clock.sim_now() >= kept + 3600
    clock.resume_at(0)
    assert clock.sim_now() >= kept + 3600
