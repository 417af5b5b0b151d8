"""ECS 2014-05-26 (RPC): instances, regions and Cloud Assistant.

Shapes from alibabacloud_ecs20140526 7.11.8's models (reference §7): DescribeInstances
``{Instances{Instance[]}, TotalCount, PageNumber, PageSize, NextToken}`` (``InstanceIds`` is a
JSON array string, at most 100); RunCommand ``{CommandId, InvokeId}`` (``InstanceId.N``, at most
100; ``KeepCommand`` keeps the command); CreateCommand ``{CommandId}``; InvokeCommand
``{InvokeId}`` (``CommandId``, ``InstanceId.N``); DescribeInvocationResults ``{Invocation{InvocationResults{InvocationResult[]}, NextToken,
TotalCount}}`` with ``Output`` base64-encoded unless ``ContentEncoding=PlainText``;
DescribeInvocations ``{Invocations{Invocation[]}}``; DescribeCloudAssistantStatus
``{InstanceCloudAssistantStatusSet{InstanceCloudAssistantStatus[]}}``.
"""

from __future__ import annotations

import base64
import secrets
import string
from typing import Any

from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import invalid_parameter
from armstui.sandbox.services.arms.model import account_of_license
from armstui.sandbox.services.ecs.model import Instances

api = Service("Ecs", "2014-05-26")

_INSTANCE_FIELDS = (
    "InstanceId",
    "InstanceName",
    "Status",
    "OSType",
    "OSName",
    "RegionId",
    "ZoneId",
    "VpcAttributes",
    "PublicIpAddress",
    "Tags",
    "CreationTime",
    "InstanceType",
    "HostName",
)


def _instances(call: Call) -> Instances:
    return Instances(call.state.store, call.state.clock, call.account_id)


def _new_id(prefix: str) -> str:
    return prefix + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(20)
    )


def _page(call: Call, items: list[Any], limit: int) -> tuple[list[Any], dict[str, Any]]:
    size = (
        call.int_param("MaxResults", None, low=1, high=limit)
        or call.int_param("PageSize", 10, low=1, high=limit)
        or 10
    )
    start = int(call.param("NextToken") or 0) if (call.param("NextToken") or "0").isdigit() else 0
    if call.param("PageNumber") and not call.param("MaxResults"):
        start = (call.int_param("PageNumber", 1, low=1) - 1) * size  # type: ignore[operator]
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, {
        "TotalCount": len(items),
        "PageSize": size,
        "NextToken": str(start + size) if more else "",
    }


@api.rpc("DescribeRegions", permission="ecs:DescribeRegions")
def describe_regions(call: Call) -> dict:
    regions = sorted(
        {call.state.region} | {i["RegionId"] for i in call.state.store.list("ecs.instance")}
    )
    return {
        "Regions": {
            "Region": [
                {
                    "RegionId": r,
                    "LocalName": r,
                    "RegionEndpoint": f"ecs.{r}.aliyuncs.com",
                    "Status": "available",
                }
                for r in regions
            ]
        }
    }


@api.rpc("DescribeInstances", permission="ecs:DescribeInstances")
def describe_instances(call: Call) -> dict:
    instances = [
        i
        for i in _instances(call).all()
        if i["RegionId"] == (call.param("RegionId") or call.state.region)
    ]
    wanted = call.list_param("InstanceIds")
    if len(wanted) > 100:
        raise invalid_parameter("InstanceIds", "at most 100 IDs")
    if wanted:
        instances = [i for i in instances if i["InstanceId"] in wanted]
    if call.param("Status"):
        instances = [i for i in instances if i["Status"] == call.param("Status")]
    page, paging = _page(call, instances, 100)
    return {
        "Instances": {"Instance": [{f: i[f] for f in _INSTANCE_FIELDS if f in i} for i in page]},
        **paging,
        "PageNumber": call.int_param("PageNumber", 1),
    }


def _known_license(call: Call) -> Any:
    return lambda key: account_of_license(call.state.store, key) is not None


def _content(call: Call, default_encoding: str) -> str:
    """CommandContent as plain text: RunCommand defaults to PlainText, CreateCommand to Base64
    (the SDK models' docstrings)."""
    content = call.required("CommandContent")
    if call.param("ContentEncoding", default_encoding) == "Base64":
        try:
            content = base64.b64decode(content, validate=True).decode()
        except ValueError:
            raise invalid_parameter("CommandContent", "is not valid Base64") from None
    return content


def _new_command(call: Call, default_encoding: str) -> dict[str, Any]:
    if call.param("Type", "RunShellScript") != "RunShellScript":
        raise invalid_parameter("Type", "this sandbox runs RunShellScript only")
    return {
        "CommandId": _new_id("c-"),
        "Name": call.param("Name") or "",
        "Type": "RunShellScript",
        "CommandContent": _content(call, default_encoding),
        "Timeout": _timeout(call, 60),
    }


def _timeout(call: Call, default: int) -> int:
    return call.int_param("Timeout", default, low=10, high=86400) or default


@api.rpc("RunCommand", permission="ecs:RunCommand")
def run_command(call: Call) -> dict:
    command = _new_command(call, "PlainText")
    instances = _instances(call)
    invoke_id = instances.run_command(
        call.list_param("InstanceId"), command, _known_license(call), _new_id
    )
    if call.bool_param("KeepCommand"):
        instances.keep_command(command)
    return {"InvokeId": invoke_id, "CommandId": command["CommandId"]}


@api.rpc("CreateCommand", permission="ecs:CreateCommand")
def create_command(call: Call) -> dict:
    call.required("Name")
    command = _new_command(call, "Base64")
    _instances(call).keep_command(command)
    return {"CommandId": command["CommandId"]}


@api.rpc("InvokeCommand", permission="ecs:InvokeCommand")
def invoke_command(call: Call) -> dict:
    instances = _instances(call)
    command = instances.command(call.required("CommandId"))
    command["Timeout"] = _timeout(call, command["Timeout"])
    return {
        "InvokeId": instances.run_command(
            call.list_param("InstanceId"), command, _known_license(call), _new_id
        )
    }


def _encode(call: Call, text: str) -> str:
    if call.param("ContentEncoding", "Base64") == "PlainText":
        return text
    return base64.b64encode(text.encode()).decode()


@api.rpc("DescribeInvocationResults", permission="ecs:DescribeInvocationResults")
def describe_invocation_results(call: Call) -> dict:
    results = _instances(call).results(call.required("InvokeId"))
    if call.param("InstanceId"):
        results = [r for r in results if r["InstanceId"] == call.param("InstanceId")]
    page, paging = _page(call, results, 50)
    for r in page:
        r["Output"] = _encode(call, r["Output"])
    return {"Invocation": {"InvocationResults": {"InvocationResult": page}, **paging}}


@api.rpc("DescribeInvocations", permission="ecs:DescribeInvocations")
def describe_invocations(call: Call) -> dict:
    record = _instances(call).invocation(call.required("InvokeId"))
    results = _instances(call).results(record["InvokeId"])
    statuses = {r["InvocationStatus"] for r in results}
    overall = (
        "Running" if "Running" in statuses else ("Success" if statuses == {"Success"} else "Failed")
    )
    instances = [
        {
            "InstanceId": r["InstanceId"],
            "InvocationStatus": r["InvocationStatus"],
            "ExitCode": r["ExitCode"],
            "Output": _encode(call, r["Output"]) if call.bool_param("IncludeOutput") else "",
        }
        for r in results
    ]
    return {
        "Invocations": {
            "Invocation": [
                {
                    "InvokeId": record["InvokeId"],
                    "CommandId": record["CommandId"],
                    "CommandName": record["Name"],
                    "InvocationStatus": overall,
                    "CreationTime": record["StartTime"],
                    "InvokeInstances": {"InvokeInstance": instances},
                }
            ]
        },
        "TotalCount": 1,
    }


@api.rpc("DescribeCloudAssistantStatus", permission="ecs:DescribeCloudAssistantStatus")
def describe_cloud_assistant_status(call: Call) -> dict:
    instances = [_instances(call).get(i) for i in call.list_param("InstanceId")] or _instances(
        call
    ).all()
    return {
        "InstanceCloudAssistantStatusSet": {
            "InstanceCloudAssistantStatus": [
                {
                    "InstanceId": i["InstanceId"],
                    "CloudAssistantStatus": "true",
                    "CloudAssistantVersion": "2.2.3.512",
                    "OSType": i.get("OSType", "linux"),
                }
                for i in instances
            ]
        },
        "TotalCount": len(instances),
    }
