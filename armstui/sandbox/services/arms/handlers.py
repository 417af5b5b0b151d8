"""ARMS 2019-08-08 (RPC): license keys and the applications that report into the caller.

Shapes from alibabacloud_arms20190808 10.1.0's models (reference §5): DescribeTraceLicenseKey
``{LicenseKey}``; ListTraceApps ``{Success, Code, Message, TraceApps[]}`` (a plain list; the request's ``Tags``
arrive flattened as ``Tags.N.Key``/``Tags.N.Value``, [TEST] §5);
GetTraceApp ``{TraceApp{...}}``; GetAgentDownloadUrl (a GET) ``{ArmsAgentDownloadUrl}``.
"""

from __future__ import annotations

from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import ApiError
from armstui.sandbox.services.arms.model import license_key, reporting_apps

api = Service("ARMS", "2019-08-08")


def _region(call: Call) -> str:
    return call.param("RegionId") or call.state.region


@api.rpc("DescribeTraceLicenseKey", permission="arms:DescribeTraceLicenseKey")
def describe_trace_license_key(call: Call) -> dict:
    return {"LicenseKey": license_key(call.state.store, call.account_id, _region(call))}


def _tags(call: Call) -> list[tuple[str, str]]:
    """``Tags.1.Key=team&Tags.1.Value=shop`` ... as (key, value) pairs, in order."""
    numbers = sorted(
        {
            int(k.split(".")[1])
            for k in call.params
            if k.startswith("Tags.") and k.count(".") == 2 and k.split(".")[1].isdigit()
        }
    )
    return [
        (call.params.get(f"Tags.{n}.Key", ""), call.params.get(f"Tags.{n}.Value", ""))
        for n in numbers
    ]


@api.rpc("ListTraceApps", permission="arms:ListTraceApps")
def list_trace_apps(call: Call) -> dict:
    apps = reporting_apps(call.state.store, call.state.clock, call.account_id, _region(call))
    if call.param("AppType"):
        apps = [a for a in apps if call.param("AppType") in ("TRACE", a["Type"])]
    wanted = _tags(call)
    if wanted:
        apps = [a for a in apps if all({"Key": k, "Value": v} in a["Tags"] for k, v in wanted)]
    return {"Success": True, "Code": 200, "Message": "", "TraceApps": apps}


@api.rpc("GetTraceApp", permission="arms:GetTraceApp")
def get_trace_app(call: Call) -> dict:
    pid = call.required("Pid")
    app = next(
        (
            a
            for a in reporting_apps(
                call.state.store, call.state.clock, call.account_id, _region(call)
            )
            if a["Pid"] == pid
        ),
        None,
    )
    if app is None:
        raise ApiError(
            404,
            "AppNotFound",
            f"The application {pid} does not exist or does not report into this account.",
        )
    return {"TraceApp": app}


@api.rpc("GetAgentDownloadUrl", permission="arms:GetAgentDownloadUrl")
def get_agent_download_url(call: Call) -> dict:
    region = _region(call)
    return {
        "ArmsAgentDownloadUrl": f"http://arms-apm-{region}.oss-{region}.aliyuncs.com/AliyunJavaAgent.zip"
    }
