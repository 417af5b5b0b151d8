"""ECS calls through the SDK against the sandbox's default world: B has four instances, one of
them without Cloud Assistant."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from armstui.cloud import ecs
from armstui.cloud.session import CloudSession

FINAL = {"Success", "Failed", "Error", "Timeout", "Cancelled", "Terminated", "Invalid", "Aborted"}


async def test_instances_and_a_command(session_of: Callable[..., CloudSession]) -> None:
    b = session_of("source")
    instances = await ecs.describe_instances(b)
    assert len(instances) == 4 and all(i.instance_id.startswith("i-") for i in instances)
    ids = [i.instance_id for i in instances]
    assert [i.instance_id for i in await ecs.describe_instances(b, ids[:2])] == ids[:2]

    (invocation,) = await ecs.run_command(b, ids, "echo armstui-check", name="armstui-check")
    assert invocation.invoke_id and set(invocation.instance_ids) == set(ids)
    for _ in range(200):
        results = await ecs.describe_invocation_results(b, invocation.invoke_id)
        if results and all(r.status in FINAL for r in results):
            break
        await asyncio.sleep(0.05)
    assert {r.instance_id for r in results} == set(ids)
    assert all(r.status in FINAL and isinstance(r.output, str) for r in results)


def test_output_is_decoded_from_base64() -> None:
    assert ecs.decode_output("YXJtc3R1aS1jaGVjawo=") == "armstui-check\n"
    assert ecs.decode_output("not base64!") == "not base64!"
    assert ecs.decode_output(None) == ""
