"""Where the flows look for B's clusters and instances: the account's region, the named
ones, or every region the account can use (ECS DescribeRegions through the SDK)."""

from __future__ import annotations

from armstui.cloud.session import CloudSession
from armstui.flows.regions import discovery_regions, sessions_by_region
from armstui.flows.setup import Setup
from armstui.model import Credentials
from tests.support.org import running_org


def _session(sandbox: object, alias: str) -> CloudSession:
    account = sandbox.accounts[alias]  # type: ignore[attr-defined]
    return CloudSession(
        alias,
        account["uid"],
        "cn-hangzhou",
        Credentials(account["access_key_id"], account["access_key_secret"]),
        endpoint=sandbox.endpoint,  # type: ignore[attr-defined]
    )


async def test_the_account_region_named_regions_and_every_region() -> None:
    with running_org(members=6, regions=3) as org:
        session = _session(org, "monitoring")
        plain = Setup("ack", "monitoring", ("rd:all",))
        assert await discovery_regions(plain, session) == ["cn-hangzhou"]
        named = Setup("ack", "monitoring", ("rd:all",), regions=("cn-beijing", "cn-hangzhou"))
        assert await discovery_regions(named, session) == ["cn-hangzhou", "cn-beijing"]
        every = Setup("ack", "monitoring", ("rd:all",), all_regions=True)
        found = await discovery_regions(every, session)
        assert found[0] == "cn-hangzhou"
        assert {"cn-shanghai", "cn-beijing"} <= set(found)
        there = await sessions_by_region(named, session)
        assert [s.region for s in there] == ["cn-hangzhou", "cn-beijing"]
        assert there[0] is session
