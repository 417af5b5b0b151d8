"""CloudSession: lazy SDK imports, endpoints, the call log, concurrency limits, session_for."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from armstui.cloud import sts
from armstui.cloud.calllog import CallLog
from armstui.cloud.session import (
    SDK_MODULES,
    CloudSession,
    ServiceLimits,
    regional_endpoint,
    session_for,
)
from armstui.profiles import sandbox_accounts
from tests.cloud.conftest import MADE_UP_SECRET, made_up_session
from tests.support.sandbox import RunningSandbox

SDK_PREFIXES = ("alibabacloud_", "Tea", "darabonba")


def test_importing_the_cloud_layer_loads_no_sdk() -> None:
    code = (
        "import sys\n"
        "import armstui.cloud, armstui.cloud.session, armstui.cloud.errors, armstui.cloud.calllog\n"
        "import armstui.cloud.ram, armstui.cloud.sts, armstui.cloud.arms, armstui.cloud.cs, armstui.cloud.ecs\n"
        "from armstui.cloud.session import CloudSession\n"
        "from armstui.model import Credentials\n"
        "CloudSession('a', None, 'cn-hangzhou', Credentials('LTAI' + 'x' * 20, 'y' * 30))\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({SDK_PREFIXES!r}))\n"
        "print(loaded); sys.exit(1 if loaded else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def _session(region: str = "cn-hangzhou", endpoint: str | None = None) -> CloudSession:
    return made_up_session(endpoint, "prod", region)


@pytest.mark.parametrize("region", ["cn-hangzhou", "ap-southeast-1"])
@pytest.mark.parametrize("service", sorted(SDK_MODULES))
def test_real_endpoints_are_the_ones_the_sdk_resolves_itself(service: str, region: str) -> None:
    import importlib

    from alibabacloud_tea_openapi.models import Config

    own = importlib.import_module(SDK_MODULES[service]).Client(
        Config(access_key_id="LTAI" + "k" * 20, access_key_secret="s" * 30, region_id=region)
    )
    client = _session(region).client(service)
    assert client._endpoint == own._endpoint == regional_endpoint(service, region)
    assert client._protocol == "https"


@pytest.mark.parametrize(
    ("service", "region", "host"),
    [
        ("ecs", "cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"),
        ("sts", "eu-central-1", "sts.eu-central-1.aliyuncs.com"),
        ("ram", "eu-central-1", "ram.aliyuncs.com"),
        # Regions the SDKs' endpoint maps send to a central endpoint, not <product>.<region>:
        ("sts", "ap-south-1", "sts.aliyuncs.com"),
        ("sts", "ap-southeast-2", "sts.aliyuncs.com"),
        ("arms", "me-east-1", "arms.aliyuncs.com"),
    ],
)
def test_endpoints_follow_the_sdk_maps(service: str, region: str, host: str) -> None:
    assert regional_endpoint(service, region) == host
    assert _session(region).endpoint_for(service) == host


def test_a_sandbox_session_sends_every_service_to_the_sandbox_over_http() -> None:
    session = _session(endpoint="127.0.0.1:9999")
    for service in SDK_MODULES:
        client = session.client(service)
        assert (client._endpoint, client._protocol) == ("127.0.0.1:9999", "http")
    assert session.client("ram") is session.client("ram")


def test_repr_shows_no_secret() -> None:
    session = _session()
    assert MADE_UP_SECRET not in repr(session)
    assert "prod" in repr(session)


async def test_whoami_through_the_sdk_and_the_call_log(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    seen = []
    unsubscribe = call_log.subscribe(seen.append)
    identity = await sts.get_caller_identity(session_of("monitoring"))
    unsubscribe()
    await sts.get_caller_identity(session_of("source"))

    assert identity.account_id == sandbox.uid("monitoring")
    assert identity.identity_type == "Account"
    assert identity.arn == f"acs:ram::{sandbox.uid('monitoring')}:root"
    records = call_log.records()
    assert [
        (r.account, r.service, r.action, r.outcome, r.attempt, r.mutating) for r in records
    ] == [
        ("monitoring", "sts", "GetCallerIdentity", "ok", 1, False),
        ("source", "sts", "GetCallerIdentity", "ok", 1, False),
    ]
    assert seen == records[:1]  # unsubscribed before the second call
    assert all(len(r.request_id or "") >= 16 and r.duration_ms > 0 for r in records)
    secrets = [a["access_key_secret"] for a in sandbox.accounts.values()]
    for record in records:
        assert not any(s in record.line() or s in repr(record) for s in secrets)


async def test_failed_calls_are_logged_with_their_code(
    sandbox: RunningSandbox, session_of: Callable[..., CloudSession], call_log: CallLog
) -> None:
    good = session_of("monitoring")
    wrong_secret = "W" * 30
    bad = good.with_credentials(good.credentials.access_key_id, wrong_secret)
    with pytest.raises(Exception) as caught:
        await sts.get_caller_identity(bad)
    assert caught.value.code == "SignatureDoesNotMatch"  # type: ignore[attr-defined]
    (record,) = call_log.records()
    assert (
        record.outcome == "SignatureDoesNotMatch" and record.request_id == caught.value.request_id
    )  # type: ignore[attr-defined]
    assert wrong_secret not in record.line() and wrong_secret not in str(caught.value)


async def test_concurrency_is_limited_per_service(session_of: Callable[..., CloudSession]) -> None:
    session = session_of("monitoring", limits=ServiceLimits(sts=2))
    in_flight, peak = 0, 0

    async def invoke(client, runtime):  # a real SDK call, held open a little
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.02)
            return await client.get_caller_identity_with_options_async(runtime)
        finally:
            in_flight -= 1

    answers = await asyncio.gather(
        *(session.call("sts", "GetCallerIdentity", invoke, mutating=False) for _ in range(8))
    )
    assert peak == 2
    assert len({a.body.request_id for a in answers}) == 8


def test_a_session_works_across_event_loops(session_of: Callable[..., CloudSession]) -> None:
    session = session_of("monitoring", limits=ServiceLimits(sts=1))

    async def two_at_once() -> list[sts.CallerIdentity]:
        return await asyncio.wait_for(
            asyncio.gather(sts.get_caller_identity(session), sts.get_caller_identity(session)), 10
        )

    for _ in range(2):  # the CLI runs one asyncio.run per command on the same session
        first, second = asyncio.run(two_at_once())
        assert first == second


async def test_session_for_a_sandbox_account(
    sandbox: RunningSandbox, tmp_path: Path, call_log: CallLog
) -> None:
    sandbox_json = sandbox.write_description(tmp_path)
    source = next(a for a in sandbox_accounts(sandbox_json) if a.alias == "source")
    session = await session_for(source, None, sandbox_endpoint=sandbox.endpoint, call_log=call_log)
    assert (session.alias, session.uid, session.endpoint) == (
        "source",
        sandbox.uid("source"),
        sandbox.endpoint,
    )
    identity = await sts.get_caller_identity(session)
    assert identity.account_id == sandbox.uid("source")
    assert call_log.records()[0].account == "source"


def test_a_session_in_another_region_keeps_the_identity_and_is_built_once() -> None:
    home = _session("cn-hangzhou")
    there = home.in_region("cn-shanghai")
    assert (there.region, there.alias, there.uid) == ("cn-shanghai", home.alias, home.uid)
    assert there.credentials is home.credentials and there.call_log is home.call_log
    assert home.in_region("cn-shanghai") is there and there.in_region("cn-hangzhou") is home
    assert home.in_region("cn-hangzhou") is home
    assert there.client("cs")._endpoint == "cs.cn-shanghai.aliyuncs.com"
