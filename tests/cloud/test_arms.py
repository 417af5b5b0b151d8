"""ARMS calls through the SDK against the sandbox."""

from __future__ import annotations

from collections.abc import Callable

from armstui.cloud import arms
from armstui.cloud.calllog import CallLog
from armstui.cloud.session import CloudSession
from armstui.secrets.redaction import redact


async def test_license_key_is_treated_as_a_secret(
    session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    key = await arms.describe_trace_license_key(session_of("monitoring"))
    assert isinstance(key, str) and len(key) >= 6
    assert key not in redact(f"-Darms.licenseKey={key}")
    assert all(key not in r.line() for r in call_log.records())


async def test_applications_and_agent_url(session_of: Callable[..., CloudSession]) -> None:
    a = session_of("monitoring")
    apps = await arms.list_trace_apps(a)
    assert all(isinstance(app, arms.TraceApp) and app.pid and app.app_name for app in apps)
    for app in apps:
        one = await arms.get_trace_app(a, app.pid)
        assert one is not None and (one.pid, one.app_name) == (app.pid, app.app_name)
    url = await arms.get_agent_download_url(a)
    assert url.startswith(("http://", "https://"))
