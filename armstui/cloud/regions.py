"""Which regions an account can use: ECS ``DescribeRegions`` (the regions ECS, and so ACK,
is offered in), for discovery across every region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import reading

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession


async def describe_regions(session: CloudSession) -> list[str]:
    """The IDs of the regions available to the account, in the service's order."""
    from alibabacloud_ecs20140526 import models

    async def invoke(client: Any, runtime: Any) -> Any:
        return await client.describe_regions_with_options_async(
            models.DescribeRegionsRequest(), runtime
        )

    body = (await session.call("ecs", "DescribeRegions", invoke, mutating=False)).body
    with reading("ecs", "DescribeRegions", session.alias):
        regions = body.regions.region if body.regions else []
        return [
            str(r.region_id)
            for r in regions or []
            if r.region_id and (r.status or "available") == "available"
        ]
