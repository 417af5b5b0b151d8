"""ARMS 2019-08-08: the license key, the applications, the agent's download URL.

RPC over ``arms.<region>.aliyuncs.com``; SDK alibabacloud_arms20190808. Facts relied on:
``DescribeTraceLicenseKey`` (``RegionId`` -> ``LicenseKey``); ``ListTraceApps`` returns
``TraceApps`` as a plain list of ``{AppId, AppName, Pid, RegionId, Type, Source, ClusterId,
Namespace, WorkloadKind, WorkloadName, Language, Labels[], Tags[]{Key,Value}, UserId,
CreateTime, UpdateTime}`` and also answers ``Success``/``Code``/``Message`` in the body;
``GetTraceApp(Pid, RegionId)`` -> ``TraceApp``; ``GetAgentDownloadUrl`` (``RegionId`` ->
``ArmsAgentDownloadUrl``). The license key lets any agent report into the account, so it
is treated as a secret for display: handed to the redactor as soon as it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import CloudError, reading, required
from armstui.cloud.rpc import service_rpc
from armstui.secrets.redaction import redactor

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession


@dataclass(frozen=True)
class TraceApp:
    app_name: str
    pid: str
    app_id: int | None = None
    region_id: str | None = None
    cluster_id: str | None = None
    namespace: str | None = None
    workload_name: str | None = None
    workload_kind: str | None = None
    language: str | None = None
    source: str | None = None
    type: str | None = None
    user_id: str | None = None
    labels: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    create_time: int | None = None
    update_time: int | None = None


def _models() -> Any:
    from alibabacloud_arms20190808 import models

    return models


_rpc = service_rpc("arms")


def _app(raw: Any) -> TraceApp:
    """An app of the listing; a field of the wrong type raises (``reading`` makes it a CloudError)."""
    for name in ("app_name", "pid"):
        if not isinstance(getattr(raw, name), str):
            raise TypeError(f"TraceApps[].{name} is not a string")
    return TraceApp(
        app_name=raw.app_name,
        pid=raw.pid,
        app_id=raw.app_id,
        region_id=raw.region_id,
        cluster_id=raw.cluster_id or None,
        namespace=getattr(raw, "namespace", None) or None,
        workload_name=getattr(raw, "workload_name", None) or None,
        workload_kind=getattr(raw, "workload_kind", None) or None,
        language=raw.language or None,
        source=raw.source or None,
        type=raw.type or None,
        user_id=raw.user_id or None,
        labels=tuple(raw.labels or ()),
        tags=tuple((t.key, t.value) for t in (raw.tags or ())),
        create_time=raw.create_time,
        update_time=raw.update_time,
    )


ARMS_NOT_ACTIVATED = "ArmsNotActivated"


def console_link(region: str) -> str:
    return f"https://arms.console.aliyun.com/#/home?regionId={region}"


async def describe_trace_license_key(session: CloudSession) -> str:
    """The account's license key in the session's region. ARMS answers an empty key (not an
    error) where it is not activated: that is a CloudError ``ArmsNotActivated`` with the
    console link, never retried."""
    body = await _rpc(
        session,
        "DescribeTraceLicenseKey",
        "describe_trace_license_key",
        _models().DescribeTraceLicenseKeyRequest(region_id=session.region),
    )
    if isinstance(body.license_key, str):
        redactor.add(body.license_key)
    if body.license_key == "":
        raise CloudError(
            ARMS_NOT_ACTIVATED,
            f"ARMS is not activated in {session.region} (DescribeTraceLicenseKey has no key)",
            request_id=body.request_id,
            service="arms",
            action="DescribeTraceLicenseKey",
            account=session.alias,
            hint=f"Activate ARMS in account {session.alias}, region {session.region}: "
            f"{console_link(session.region)}",
            retryable=False,
        )
    return required(
        body.license_key, "LicenseKey", "arms", "DescribeTraceLicenseKey", session.alias
    )


@dataclass(frozen=True)
class DataWindow:
    """What ARMS holds for one application between two times (epoch milliseconds)."""

    pid: str
    start_ms: int
    end_ms: int
    spans: int  # how many spans ARMS counts in the window
    newest_ms: int | None  # the newest span's time, None when there is none

    @property
    def reporting(self) -> bool:
        return self.spans > 0


async def search_traces(
    session: CloudSession, pid: str, start_ms: int, end_ms: int, region: str | None = None
) -> DataWindow:
    """``SearchTracesByPage`` for one app over [start_ms, end_ms], newest first: whether it
    sent data then, and when last. Listing an app proves only that it reported once (ARMS
    keeps apps listed after they stop); this proves it reports now."""
    m = _models()
    body = await _rpc(
        session,
        "SearchTracesByPage",
        "search_traces_by_page",
        m.SearchTracesByPageRequest(
            pid=pid,
            start_time=start_ms,
            end_time=end_ms,
            region_id=region or session.region,
            page_number=1,
            page_size=1,
            reverse=True,
        ),
    )
    with reading("arms", "SearchTracesByPage", session.alias):
        page = body.page_bean
        infos = list(page.trace_infos or []) if page is not None else []
        total = int(page.total or 0) if page is not None else 0
        stamps = [int(i.timestamp) for i in infos if i.timestamp is not None]
    return DataWindow(pid, start_ms, end_ms, max(total, len(infos)), max(stamps, default=None))


async def list_trace_apps(session: CloudSession, region: str | None = None) -> list[TraceApp]:
    body = await _rpc(
        session,
        "ListTraceApps",
        "list_trace_apps",
        _models().ListTraceAppsRequest(region_id=region or session.region),
    )
    if body.success is False:  # a 200 that still reports failure in the body
        raise CloudError(
            body.code and str(body.code) or "ListTraceAppsFailed",
            str(body.message or ""),
            request_id=body.request_id,
            service="arms",
            action="ListTraceApps",
            account=session.alias,
            hint="ARMS answered the listing as failed: try again; quote the request ID if it persists.",
        )
    with reading("arms", "ListTraceApps", session.alias):
        return [_app(a) for a in (body.trace_apps or [])]


async def get_trace_app(session: CloudSession, pid: str) -> TraceApp | None:
    body = await _rpc(
        session,
        "GetTraceApp",
        "get_trace_app",
        _models().GetTraceAppRequest(pid=pid, region_id=session.region),
    )
    with reading("arms", "GetTraceApp", session.alias):
        return _app(body.trace_app) if body.trace_app else None


async def get_agent_download_url(session: CloudSession) -> str:
    body = await _rpc(
        session,
        "GetAgentDownloadUrl",
        "get_agent_download_url",
        _models().GetAgentDownloadUrlRequest(region_id=session.region),
    )
    return required(
        body.arms_agent_download_url,
        "ArmsAgentDownloadUrl",
        "arms",
        "GetAgentDownloadUrl",
        session.alias,
    )
