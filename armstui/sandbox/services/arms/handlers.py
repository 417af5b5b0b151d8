"""ARMS 2019-08-08 (RPC): license keys, the applications an account sees, and their data.

Shapes from alibabacloud_arms20190808 10.1.0's models: DescribeTraceLicenseKey
``{LicenseKey}``; ListTraceApps ``{Success, Code, Message, TraceApps[]}`` (a plain list; the
request's ``Tags`` arrive flattened as ``Tags.N.Key``/``Tags.N.Value``); GetTraceApp
``{TraceApp{...}}``; GetAgentDownloadUrl (a GET) ``{ArmsAgentDownloadUrl}``;
SearchTracesByPage (``Pid``, ``StartTime``/``EndTime`` in ms, ``PageNumber``, ``PageSize``,
``Reverse``) ``{PageBean{PageNumber, PageSize, Total, TraceInfos[]{TraceID, SpanID,
OperationName, ServiceName, ServiceIp, Duration, Timestamp}}}``; QueryMetricByPage (``Metric``,
``Filters.N.Key/Value``, ``StartTime``/``EndTime`` in ms, ``IntervalInSec``, ``CurrentPage``,
``PageSize``) ``{Success, Code, Message, Data{Items[], Page, PageSize, Total, Completed}}``.

Applications stay listed once they reported; their data exists only for the times they
reported (services/arms/model.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import ApiError, invalid_parameter
from armstui.sandbox.services.arms.model import (
    license_key,
    listed_apps,
    report_times,
    sync_if_due,
)

api = Service("ARMS", "2019-08-08")

# The metric QueryMetricByPage answers here: calls into the application (appstat.incall).
# Its item fields (pid, rpc, time, count, rt, error) are this sandbox's model; the SDK
# leaves Items untyped.
INCALL = "appstat.incall"
MAX_PAGE_SIZE = 100


def _region(call: Call) -> str:
    return call.param("RegionId") or call.state.region


@api.rpc("DescribeTraceLicenseKey", permission="arms:DescribeTraceLicenseKey")
def describe_trace_license_key(call: Call) -> dict[str, Any]:
    return {"LicenseKey": license_key(call.state.store, call.account_id, _region(call))}


def _pairs(call: Call, prefix: str) -> list[tuple[str, str]]:
    """``<prefix>.1.Key=team&<prefix>.1.Value=shop`` ... as (key, value) pairs, in order."""
    numbers = sorted(
        {
            int(k.split(".")[1])
            for k in call.params
            if k.startswith(prefix + ".") and k.count(".") == 2 and k.split(".")[1].isdigit()
        }
    )
    return [
        (call.params.get(f"{prefix}.{n}.Key", ""), call.params.get(f"{prefix}.{n}.Value", ""))
        for n in numbers
    ]


def _apps(call: Call) -> list[dict[str, Any]]:
    sync_if_due(call.state.store, call.state.clock)
    return listed_apps(call.state.store, call.state.clock, call.account_id, _region(call))


@api.rpc("ListTraceApps", permission="arms:ListTraceApps")
def list_trace_apps(call: Call) -> dict[str, Any]:
    apps = _apps(call)
    if call.param("AppType"):
        apps = [a for a in apps if call.param("AppType") in ("TRACE", a["Type"])]
    wanted = _pairs(call, "Tags")
    if wanted:
        apps = [a for a in apps if all({"Key": k, "Value": v} in a["Tags"] for k, v in wanted)]
    return {"Success": True, "Code": 200, "Message": "", "TraceApps": apps}


def _app(call: Call, pid: str) -> dict[str, Any]:
    app = next((a for a in _apps(call) if a["Pid"] == pid), None)
    if app is None:
        raise ApiError(
            404,
            "AppNotFound",
            f"The application {pid} does not exist or does not report into this account.",
        )
    return app


@api.rpc("GetTraceApp", permission="arms:GetTraceApp")
def get_trace_app(call: Call) -> dict[str, Any]:
    return {"TraceApp": _app(call, call.required("Pid"))}


@api.rpc("GetAgentDownloadUrl", permission="arms:GetAgentDownloadUrl")
def get_agent_download_url(call: Call) -> dict[str, Any]:
    region = _region(call)
    return {
        "ArmsAgentDownloadUrl": f"http://arms-apm-{region}.oss-{region}.aliyuncs.com/AliyunJavaAgent.zip"
    }


# --- data ------------------------------------------------------------------------------------


def _window(call: Call) -> tuple[float, float]:
    """StartTime/EndTime (ms, the client's clock) on the simulated axis."""
    start = call.int_param("StartTime", None, low=0)
    end = call.int_param("EndTime", None, low=0)
    if start is None:
        raise ApiError(400, "MissingParameter", "StartTime is mandatory for this action.")
    if end is None:
        raise ApiError(400, "MissingParameter", "EndTime is mandatory for this action.")
    if end < start:
        raise invalid_parameter("EndTime", "must not be before StartTime")
    clock = call.state.clock
    return clock.to_sim(start / 1000), clock.to_sim(end / 1000)


def _records(call: Call, pids: list[str] | None) -> list[dict[str, Any]]:
    """The caller's application records (with their intervals), optionally only ``pids``:
    the stored documents, to read only."""
    sync_if_due(call.state.store, call.state.clock)
    region = _region(call)
    return [
        r
        for r in call.state.store.view("arms.app", f"{call.account_id}/")
        if r["RegionId"] == region and (pids is None or r["Pid"] in pids)
    ]


def _digest(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def _duration_ms(pid: str, at: float) -> int:
    return 5 + int(_digest(pid, at, "rt")[:4], 16) % 200


def _span(call: Call, app: dict[str, Any], at: float) -> dict[str, Any]:
    return {
        "TraceID": _digest(app["Pid"], at)[:32],
        "SpanID": "0.1",
        "OperationName": f"/api/{app['AppName']}",
        "ServiceName": app["AppName"],
        "ServiceIp": "10.0.0." + str(int(_digest(app["Pid"])[:2], 16) % 250 + 2),
        "Duration": _duration_ms(app["Pid"], at),
        "Timestamp": int(call.state.clock.present(at) * 1000),
    }


@api.rpc("SearchTracesByPage", permission="arms:SearchTracesByPage")
def search_traces_by_page(call: Call) -> dict[str, Any]:
    """One span per reporting application every 15 simulated seconds it reported."""
    start, end = _window(call)
    number = call.int_param("PageNumber", 1, low=1) or 1
    size = call.int_param("PageSize", 10, low=1, high=MAX_PAGE_SIZE) or 10
    pid = call.param("Pid")
    now = call.state.clock.sim_now()
    spans = [
        (at, app)
        for app in _records(call, [pid] if pid else None)
        for at in report_times(app, start, end, now)
    ]
    spans.sort(key=lambda s: s[0], reverse=call.bool_param("Reverse"))
    page = spans[(number - 1) * size : number * size]
    return {
        "PageBean": {
            "PageNumber": number,
            "PageSize": size,
            "Total": len(spans),
            "TraceInfos": [_span(call, app, at) for at, app in page],
        }
    }


def _bucket_ms(call: Call) -> int:
    """IntervalInSec: the SDK documents it in milliseconds with a minimum of 60000, its name
    says seconds; values from 60000 are read as milliseconds, smaller ones as seconds, and
    the bucket is never under a minute (default: one minute)."""
    value = call.int_param("IntervalInSec", 60_000, low=1) or 60_000
    return max(60_000, value if value >= 60_000 else value * 1000)


@api.rpc("QueryMetricByPage", permission="arms:QueryMetricByPage")
def query_metric_by_page(call: Call) -> dict[str, Any]:
    """``appstat.incall`` per application (``Filters`` key ``pid``) and time bucket: one
    item per bucket in which the application reported, none where it did not."""
    metric = call.required("Metric")
    if metric != INCALL:
        raise invalid_parameter("Metric", f"this sandbox answers only {INCALL}")
    start, end = _window(call)
    filters = _pairs(call, "Filters")
    pids = [v for k, v in filters if k.lower() == "pid"] or None
    number = call.int_param("CurrentPage", 1, low=1) or 1
    size = call.int_param("PageSize", MAX_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE) or MAX_PAGE_SIZE
    bucket, clock, now = _bucket_ms(call), call.state.clock, call.state.clock.sim_now()
    items: dict[tuple[str, int], dict[str, Any]] = {}
    for app in _records(call, pids):
        for at in report_times(app, start, end, now):
            shown = int(clock.present(at) * 1000)
            slot = shown - shown % bucket
            item = items.setdefault(
                (app["Pid"], slot),
                {
                    "pid": app["Pid"],
                    "rpc": f"/api/{app['AppName']}",
                    "time": slot,
                    "count": 0,
                    "rt": 0.0,
                    "error": 0,
                },
            )
            item["count"] += 1
            item["rt"] += _duration_ms(app["Pid"], at)
    rows = sorted(items.values(), key=lambda i: (i["time"], i["pid"]))
    for row in rows:
        row["rt"] = round(row["rt"] / row["count"], 1)
    page = rows[(number - 1) * size : number * size]
    return {
        "Success": True,
        "Code": 200,
        "Message": "",
        "Data": {
            "Items": page,
            "Page": number,
            "PageSize": size,
            "Total": len(rows),
            "Completed": number * size >= len(rows),
        },
    }
