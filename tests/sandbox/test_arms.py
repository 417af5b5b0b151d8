"""ARMS 2019-08-08 in the sandbox, through the official SDK client: the license key, the
applications an account lists (those that ever reported into it), GetTraceApp and
GetAgentDownloadUrl. Cross-account cause and effect is in test_cause_and_effect.py, the data
(spans, metrics) in test_arms_data.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox

REGION = "cn-hangzhou"


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def _apps(sandbox: RunningSandbox, alias: str, **kwargs: Any) -> list[Any]:
    body = (
        sandbox.client("arms", alias)
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION, **kwargs))
        .body
    )
    assert body.success is True
    return body.trace_apps or []


def test_license_key_is_stable_per_account(sandbox: RunningSandbox) -> None:
    a = sandbox.client("arms", "monitoring")
    first = a.describe_trace_license_key(
        arms.DescribeTraceLicenseKeyRequest(region_id=REGION)
    ).body.license_key
    again = a.describe_trace_license_key(
        arms.DescribeTraceLicenseKeyRequest(region_id=REGION)
    ).body.license_key
    assert first == again and re.fullmatch(r"[a-z0-9]{10}@[0-9a-f]{15}", first)
    b = (
        sandbox.client("arms", "source")
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id=REGION))
        .body.license_key
    )
    assert b != first
    other_region = a.describe_trace_license_key(
        arms.DescribeTraceLicenseKeyRequest(region_id="cn-shanghai")
    ).body.license_key
    assert other_region not in (first, b)
    assert (
        a.describe_trace_license_key(
            arms.DescribeTraceLicenseKeyRequest(region_id=REGION)
        ).body.license_key
        == first
    )


def test_the_default_world_has_no_apps_in_monitoring(sandbox: RunningSandbox) -> None:
    assert _apps(sandbox, "monitoring") == []
    assert _apps(sandbox, "outsider") == []


def test_the_old_onepilot_reports_labelled_workloads_into_its_own_account(
    sandbox: RunningSandbox,
) -> None:
    apps = _apps(sandbox, "source")
    assert sorted(a.app_name for a in apps) == [
        "staging-svc1",
        "staging-svc2",
    ]  # never staging-batch1 (unlabelled)
    staging = next(c for c in sandbox.state.store.list("cs.cluster") if c["name"] == "shop-staging")
    for app in apps:
        assert (app.source, app.cluster_id, app.namespace, app.language) == (
            "ACK",
            staging["cluster_id"],
            "default",
            "java",
        )
        assert app.workload_name == app.app_name and app.region_id == REGION
        assert app.user_id == sandbox.uid("source") and app.type == "TRACE"
        assert app.pid and app.app_id and app.create_time <= app.update_time
        assert "armsPilotAutoEnable=on" in app.labels
    assert len({a.pid for a in apps}) == 2


def test_create_time_is_stable_and_update_time_moves(sandbox: RunningSandbox) -> None:
    """At speed 1 simulated and real time coincide, so CreateTime reads the same each time;
    UpdateTime (the last report) moves with simulated time while the app reports."""
    sandbox.state.clock.speed = 1
    first = {a.pid: a for a in _apps(sandbox, "source")}
    again = {a.pid: a for a in _apps(sandbox, "source")}
    assert first.keys() == again.keys()
    for pid in first:
        assert again[pid].create_time == first[pid].create_time
        assert again[pid].update_time >= first[pid].update_time
    sandbox.state.clock.advance(30)
    later = {a.pid: a for a in _apps(sandbox, "source")}
    for pid in first:
        age = first[pid].update_time - first[pid].create_time
        assert later[pid].update_time - later[pid].create_time >= age + 30_000


def test_filters(sandbox: RunningSandbox) -> None:
    assert len(_apps(sandbox, "source", app_type="TRACE")) == 2
    assert _apps(sandbox, "source", app_type="RETCODE") == []
    assert (
        sandbox.client("arms", "source")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id="cn-beijing"))
        .body.trace_apps
        == []
    )


def test_get_trace_app(sandbox: RunningSandbox) -> None:
    app = _apps(sandbox, "source")[0]
    got = (
        sandbox.client("arms", "source")
        .get_trace_app(arms.GetTraceAppRequest(pid=app.pid, region_id=REGION))
        .body.trace_app
    )
    assert (got.pid, got.app_name, got.app_id, got.cluster_id) == (
        app.pid,
        app.app_name,
        app.app_id,
        app.cluster_id,
    )
    err = _error(
        sandbox.client("arms", "monitoring").get_trace_app,
        arms.GetTraceAppRequest(pid=app.pid, region_id=REGION),
    )
    assert (err.status_code, err.code) == (404, "AppNotFound")  # B's app does not report into A
    missing = _error(
        sandbox.client("arms", "source").get_trace_app,
        arms.GetTraceAppRequest(pid="nope@nope", region_id=REGION),
    )
    assert missing.code == "AppNotFound"
    assert (
        _error(
            sandbox.client("arms", "source").get_trace_app,
            arms.GetTraceAppRequest(region_id=REGION),
        ).code
        == "MissingParameter.Pid"
    )


def test_get_agent_download_url(sandbox: RunningSandbox) -> None:
    client = sandbox.client("arms", "monitoring")
    url = client.get_agent_download_url(
        arms.GetAgentDownloadUrlRequest(region_id=REGION)
    ).body.arms_agent_download_url
    assert url == "http://arms-apm-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/AliyunJavaAgent.zip"
    other = client.get_agent_download_url(
        arms.GetAgentDownloadUrlRequest(region_id="cn-shanghai")
    ).body.arms_agent_download_url
    assert other == "http://arms-apm-cn-shanghai.oss-cn-shanghai.aliyuncs.com/AliyunJavaAgent.zip"


def test_tags_filter_keeps_apps_carrying_every_pair(sandbox: RunningSandbox) -> None:
    staging = arms.ListTraceAppsRequestTags(key="env", value="staging")
    team = arms.ListTraceAppsRequestTags(key="team", value="shop")
    prod = arms.ListTraceAppsRequestTags(key="env", value="prod")
    assert sorted(a.app_name for a in _apps(sandbox, "source", tags=[staging])) == [
        "staging-svc1",
        "staging-svc2",
    ]
    assert len(_apps(sandbox, "source", tags=[staging, team])) == 2
    assert _apps(sandbox, "source", tags=[prod]) == []  # shop-prod has no onepilot: nothing reports
    assert _apps(sandbox, "source", tags=[staging, prod]) == []


def test_items_carry_every_documented_field(sandbox: RunningSandbox) -> None:
    app = next(a for a in _apps(sandbox, "source") if a.app_name == "staging-svc1")
    assert (
        app.source,
        app.type,
        app.language,
        app.workload_kind,
        app.namespace,
        app.workload_name,
    ) == ("ACK", "TRACE", "java", "Deployment", "default", "staging-svc1")
    assert (
        app.user_id == sandbox.uid("source")
        and app.region_id == REGION
        and app.cluster_id.startswith("c")
    )
    assert (
        "armsPilotAutoEnable=on" in app.labels
        and "armsPilotCreateAppName=staging-svc1" in app.labels
    )
    assert {(t.key, t.value) for t in app.tags} == {("env", "staging"), ("team", "shop")}
    assert isinstance(app.app_id, int) and app.create_time <= app.update_time
    assert app.update_time > 1_600_000_000_000  # milliseconds


def test_arms_calls_need_arms_permissions(sandbox: RunningSandbox) -> None:
    keys = {}
    for user, policy in (
        ("viewer", "AliyunARMSReadOnlyAccess"),
        ("stranger", "AliyunRAMReadOnlyAccess"),
    ):
        keys[user] = sandbox.client("arms", **sandbox.user_key("source", user, policy))
    listed = (
        keys["viewer"].list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION)).body.trace_apps
    )
    assert len(listed) == 2  # the viewer sees its own account's apps
    err = _error(keys["stranger"].list_trace_apps, arms.ListTraceAppsRequest(region_id=REGION))
    assert (err.status_code, err.code) == (403, "NoPermission")
    assert err.access_denied_detail["AuthAction"] == "arms:ListTraceApps"
