"""ECS 2014-05-26: instances and Cloud Assistant commands.

RPC over ``ecs-cn-hangzhou.aliyuncs.com`` / ``ecs.<region>.aliyuncs.com``; SDK
alibabacloud_ecs20140526. Facts relied on:

- ``DescribeInstances`` pages with ``MaxResults`` (<= 100) + ``NextToken`` and takes
  ``InstanceIds`` as a JSON array string (<= 100);
- ``RunCommand`` takes ``InstanceId.N`` for 1-100 instances per call, so larger sets are
  sent in chunks; it answers ``{CommandId, InvokeId}``;
- ``DescribeInvocationResults`` pages with ``MaxResults`` (<= 50) + ``NextToken`` and
  returns ``Output`` base64-encoded by default (``ContentEncoding=Base64``); statuses
  Pending, Invalid, Aborted, Running, Success, Failed, Error, Timeout, Cancelled, Stopping,
  Terminated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import malformed, reading, required
from armstui.cloud.rpc import service_rpc
from armstui.inert import inert

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession

RUN_COMMAND_MAX_INSTANCES = 100
DESCRIBE_INSTANCES_MAX = 100
INVOCATION_RESULTS_MAX = 50


@dataclass(frozen=True)
class Instance:
    instance_id: str
    instance_name: str | None = None
    status: str | None = None
    os_type: str | None = None
    region_id: str | None = None
    zone_id: str | None = None
    vpc_id: str | None = None
    private_ips: tuple[str, ...] = ()
    public_ips: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Invocation:
    command_id: str | None
    invoke_id: str
    instance_ids: tuple[str, ...]


@dataclass(frozen=True)
class InvocationResult:
    instance_id: str
    invoke_id: str | None
    status: str | None  # per-instance InvocationStatus
    exit_code: int | None = None
    output: str = ""  # decoded
    error_code: str | None = None
    error_info: str | None = None
    start_time: str | None = None
    finished_time: str | None = None


def _models() -> Any:
    from alibabacloud_ecs20140526 import models

    return models


_rpc = service_rpc("ecs")


def _ips(holder: Any) -> tuple[str, ...]:
    return tuple(holder.ip_address or ()) if holder is not None else ()


def _instance(raw: Any) -> Instance:
    vpc = raw.vpc_attributes
    tags = tuple((t.tag_key, t.tag_value) for t in (raw.tags.tag or ())) if raw.tags else ()
    return Instance(
        raw.instance_id,
        raw.instance_name,
        raw.status,
        raw.ostype,
        raw.region_id,
        raw.zone_id,
        vpc.vpc_id if vpc else None,
        _ips(vpc.private_ip_address) if vpc else (),
        _ips(raw.public_ip_address),
        tags,
    )


async def describe_instances(
    session: CloudSession, instance_ids: list[str] | None = None
) -> list[Instance]:
    """Instances in the session's region (all pages); only ``instance_ids`` if given."""
    m = _models()
    wanted = list(instance_ids) if instance_ids else [None]
    chunks = [
        wanted[i : i + DESCRIBE_INSTANCES_MAX]
        for i in range(0, len(wanted), DESCRIBE_INSTANCES_MAX)
    ]
    found: list[Instance] = []
    for chunk in chunks:
        ids = json.dumps(chunk) if chunk != [None] else None
        async for body in _pages(
            session,
            "DescribeInstances",
            "describe_instances",
            m.DescribeInstancesRequest,
            region_id=session.region,
            instance_ids=ids,
            max_results=DESCRIBE_INSTANCES_MAX,
        ):
            with reading("ecs", "DescribeInstances", session.alias):
                found += [
                    _instance(i)
                    for i in (
                        body.instances.instance
                        if body.instances and body.instances.instance
                        else []
                    )
                ]
    return found


async def run_command(
    session: CloudSession,
    instance_ids: list[str],
    script: str,
    *,
    name: str | None = None,
    command_type: str = "RunShellScript",
    timeout: int = 60,
) -> list[Invocation]:
    """Run ``script`` on the instances (one RunCommand per 100). The script is sent as is
    and never logged; a secret inside it must already be known to the redactor."""
    m = _models()
    invocations = []
    for start in range(0, len(instance_ids), RUN_COMMAND_MAX_INSTANCES):
        chunk = list(instance_ids[start : start + RUN_COMMAND_MAX_INSTANCES])
        request = m.RunCommandRequest(
            region_id=session.region,
            type=command_type,
            command_content=script,
            instance_id=chunk,
            name=name,
            timeout=timeout,
            content_encoding="PlainText",
        )
        body = await _rpc(session, "RunCommand", "run_command", request, mutating=True)
        invoke_id = required(body.invoke_id, "InvokeId", "ecs", "RunCommand", session.alias)
        invocations.append(
            Invocation(
                body.command_id if isinstance(body.command_id, str) else None,
                invoke_id,
                tuple(chunk),
            )
        )
    return invocations


CLOUD_ASSISTANT_MAX_INSTANCES = 50  # DescribeCloudAssistantStatus takes up to 50 IDs a call


@dataclass(frozen=True)
class CloudAssistant:
    instance_id: str
    running: bool  # CloudAssistantStatus "true": RunCommand can reach the instance
    version: str | None = None


async def describe_cloud_assistant_status(
    session: CloudSession, instance_ids: list[str]
) -> dict[str, CloudAssistant]:
    """Per instance, whether Cloud Assistant runs on it. RunCommand cannot reach an instance
    without it; an instance the answer leaves out counts as not running."""
    m = _models()
    found: dict[str, CloudAssistant] = {}
    for start in range(0, len(instance_ids), CLOUD_ASSISTANT_MAX_INSTANCES):
        chunk = list(instance_ids[start : start + CLOUD_ASSISTANT_MAX_INSTANCES])
        async for body in _pages(
            session,
            "DescribeCloudAssistantStatus",
            "describe_cloud_assistant_status",
            m.DescribeCloudAssistantStatusRequest,
            region_id=session.region,
            instance_id=chunk,
            max_results=50,
        ):
            with reading("ecs", "DescribeCloudAssistantStatus", session.alias):
                holder = body.instance_cloud_assistant_status_set
                for item in (holder.instance_cloud_assistant_status or []) if holder else []:
                    if isinstance(item.instance_id, str):
                        found[item.instance_id] = CloudAssistant(
                            item.instance_id,
                            str(item.cloud_assistant_status).lower() == "true",
                            item.cloud_assistant_version or None,
                        )
    return {i: found.get(i, CloudAssistant(i, False)) for i in instance_ids}


async def _pages(
    session: CloudSession,
    action: str,
    method: str,
    request_type: Any,
    next_token: Callable[[Any], object] = lambda body: body.next_token,
    **fields: Any,
) -> AsyncIterator[Any]:
    """Every page's body of a NextToken-paged read: ``request_type(**fields)`` with each
    page's token; ``next_token`` reads the next one from a body."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        request = request_type(**fields, next_token=token)
        body = await _rpc(session, action, method, request, mutating=False)
        yield body
        with reading("ecs", action, session.alias):
            following = next_token(body)
        token = _next_token(following, seen, action, session.alias)
        if token is None:
            return


def _next_token(token: object, seen: set[str], action: str, account: str) -> str | None:
    """The next page's token; a token seen before would page forever: a MalformedAnswer."""
    if not token:
        return None
    if not isinstance(token, str) or token in seen:
        raise malformed("ecs", action, "NextToken repeats or is not a string", account=account)
    seen.add(token)
    return token


def decode_output(text: str | None) -> str:
    """Cloud Assistant output is base64 by default; fall back to the raw text if it is not."""
    if not text:
        return ""
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        decoded = text
    return inert(decoded, keep_lines=True)


async def describe_invocation_results(
    session: CloudSession, invoke_id: str, instance_id: str | None = None
) -> list[InvocationResult]:
    m = _models()
    results: list[InvocationResult] = []
    async for body in _pages(
        session,
        "DescribeInvocationResults",
        "describe_invocation_results",
        m.DescribeInvocationResultsRequest,
        lambda body: body.invocation.next_token if body.invocation else None,
        region_id=session.region,
        invoke_id=invoke_id,
        instance_id=instance_id,
        content_encoding="Base64",
        max_results=INVOCATION_RESULTS_MAX,
    ):
        with reading("ecs", "DescribeInvocationResults", session.alias):
            invocation = body.invocation
            holder = invocation.invocation_results if invocation else None
            for r in holder.invocation_result if holder and holder.invocation_result else []:
                results.append(
                    InvocationResult(
                        r.instance_id,
                        r.invoke_id,
                        r.invocation_status,
                        r.exit_code,
                        decode_output(r.output),
                        r.error_code or None,
                        r.error_info or None,
                        r.start_time,
                        r.finished_time,
                    )
                )
    return results
