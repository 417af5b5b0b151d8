"""Where a flow looks for B's clusters and instances: the account's own region, the
regions the operator named (``--region``), or every region the account can use
(``--all-regions``, from ECS DescribeRegions)."""

from __future__ import annotations

from typing import Any

from armstui.flows.setup import Setup


async def discovery_regions(setup: Setup, session: Any) -> list[str]:
    """The regions to look in for ``session``'s account, its own first."""
    if setup.all_regions:
        from armstui.cloud.regions import describe_regions

        found = await describe_regions(session)
    else:
        found = list(setup.regions) or [session.region]
    return list(dict.fromkeys([r for r in found if r == session.region] + found))


async def sessions_by_region(setup: Setup, session: Any) -> list[Any]:
    """``session`` in each region to look in (each a session of the same identity)."""
    return [session.in_region(r) for r in await discovery_regions(setup, session)]
