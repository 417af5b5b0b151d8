"""ECS 2014-05-26 (RPC): instances, regions and Cloud Assistant.

Shapes from alibabacloud_ecs20140526 7.11.8's models: DescribeInstances
``{Instances{Instance[]}, TotalCount, PageNumber, PageSize, NextToken}`` (``InstanceIds`` is a
JSON array string, at most 100); RunCommand ``{CommandId, InvokeId}`` (``InstanceId.N``, at most
100; ``KeepCommand`` keeps the command); CreateCommand ``{CommandId}``; InvokeCommand
``{InvokeId}`` (``CommandId``, ``InstanceId.N``); DescribeInvocationResults ``{Invocation{InvocationResults{InvocationResult[]}, NextToken,
TotalCount}}`` with ``Output`` base64-encoded unless ``ContentEncoding=PlainText``;
DescribeInvocations ``{Invocations{Invocation[]}}`` (by InvokeId or InstanceId, with
``CommandContent``); DescribeCloudAssistantStatus
``{InstanceCloudAssistantStatusSet{InstanceCloudAssistantStatus[]}}`` (per instance, "true" or
"false"); TagResources, UntagResources and ListTagResources ``{TagResources{TagResource[]}}``
for instances.
"""

from __future__ import annotations

import base64
import secrets
import string
from typing import Any

from armstui.sandbox.api import Call, Service
from armstui.sandbox.errors import ApiError, invalid_parameter, missing_parameter
from armstui.sandbox.services.arms.model import account_of_license
from armstui.sandbox.services.ecs.model import Instances, cloud_assistant_version

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
def describe_regions(call: Call) -> dict[str, Any]:
    regions = sorted(
        {call.state.region} | {i["RegionId"] for i in call.state.store.view("ecs.instance")}
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
def describe_instances(call: Call) -> dict[str, Any]:
    instances = [
        i
        for i in Instances.of(call).all()
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
def run_command(call: Call) -> dict[str, Any]:
    command = _new_command(call, "PlainText")
    instances = Instances.of(call)
    invoke_id = instances.run_command(
        call.list_param("InstanceId"), command, _known_license(call), _new_id
    )
    if call.bool_param("KeepCommand"):
        instances.keep_command(command)
    return {"InvokeId": invoke_id, "CommandId": command["CommandId"]}


@api.rpc("CreateCommand", permission="ecs:CreateCommand")
def create_command(call: Call) -> dict[str, Any]:
    call.required("Name")
    command = _new_command(call, "Base64")
    Instances.of(call).keep_command(command)
    return {"CommandId": command["CommandId"]}


@api.rpc("InvokeCommand", permission="ecs:InvokeCommand")
def invoke_command(call: Call) -> dict[str, Any]:
    instances = Instances.of(call)
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
def describe_invocation_results(call: Call) -> dict[str, Any]:
    results = Instances.of(call).results(call.required("InvokeId"))
    if call.param("InstanceId"):
        results = [r for r in results if r["InstanceId"] == call.param("InstanceId")]
    page, paging = _page(call, results, 50)
    for r in page:
        r["Output"] = _encode(call, r["Output"])
    return {"Invocation": {"InvocationResults": {"InvocationResult": page}, **paging}}


def _invocation_status(results: list[dict[str, Any]]) -> str:
    statuses = {r["InvocationStatus"] for r in results}
    if statuses & {"Pending", "Running"}:
        return "Running"
    if statuses == {"Success"}:
        return "Success"
    return "PartialFailed" if "Success" in statuses else "Failed"


@api.rpc("DescribeInvocations", permission="ecs:DescribeInvocations")
def describe_invocations(call: Call) -> dict[str, Any]:
    """By ``InvokeId``, or every invocation that ran on ``InstanceId`` (newest first), as the
    real API allows either; ``CommandContent`` and ``Output`` follow ``ContentEncoding``
    (default Base64)."""
    instances = Instances.of(call)
    invoke_id, instance_id = call.param("InvokeId"), call.param("InstanceId")
    if invoke_id:
        records = [instances.invocation(invoke_id)]
    else:
        records = list(reversed(instances.invocations()))
    if instance_id:
        records = [r for r in records if instance_id in r["Instances"]]
    if call.param("InvokeStatus"):
        wanted = call.param("InvokeStatus")
        records = [
            r for r in records if _invocation_status(instances.results(r["InvokeId"])) == wanted
        ]
    page, paging = _page(call, records, 50)
    return {
        "Invocations": {"Invocation": [_invocation(call, instances, r) for r in page]},
        **paging,
        "PageNumber": call.int_param("PageNumber", 1),
    }


def _invocation(call: Call, instances: Instances, record: dict[str, Any]) -> dict[str, Any]:
    results = instances.results(record["InvokeId"])
    if call.param("InstanceId"):
        results = [r for r in results if r["InstanceId"] == call.param("InstanceId")]
    include_output = call.bool_param("IncludeOutput")
    return {
        "InvokeId": record["InvokeId"],
        "CommandId": record["CommandId"],
        "CommandName": record["Name"],
        "CommandType": record.get("Type", "RunShellScript"),
        "CommandContent": _encode(call, record.get("CommandContent", "")),
        "Timeout": record.get("Timeout"),
        "InvocationStatus": _invocation_status(results),
        "CreationTime": record["StartTime"],
        "InvokeInstances": {
            "InvokeInstance": [
                {
                    "InstanceId": r["InstanceId"],
                    "InvocationStatus": r["InvocationStatus"],
                    "ExitCode": r["ExitCode"],
                    "ErrorCode": r["ErrorCode"],
                    "ErrorInfo": r["ErrorInfo"],
                    "StartTime": r["StartTime"],
                    "FinishTime": r["FinishedTime"],
                    "Output": _encode(call, r["Output"]) if include_output else "",
                }
                for r in results
            ]
        },
    }


@api.rpc("DescribeCloudAssistantStatus", permission="ecs:DescribeCloudAssistantStatus")
def describe_cloud_assistant_status(call: Call) -> dict[str, Any]:
    """Per instance: ``CloudAssistantStatus`` "true" with the client's version when its client
    runs, "false" with an empty version when it does not."""
    instances = Instances.of(call)
    chosen = [instances.get(i) for i in call.list_param("InstanceId")] or instances.all()
    if call.param("OSType"):
        chosen = [
            i
            for i in chosen
            if i.get("OSType", "linux").lower() == (call.param("OSType") or "").lower()
        ]
    invocations = instances.invocations()
    statuses = []
    for instance in chosen:
        version = cloud_assistant_version(instance)
        ran = [r for r in invocations if instance["InstanceId"] in r["Instances"]]
        statuses.append(
            {
                "InstanceId": instance["InstanceId"],
                "CloudAssistantStatus": "true" if version else "false",
                "CloudAssistantVersion": version or "",
                "OSType": instance.get("OSType", "linux"),
                "InvocationCount": len(ran) if version else 0,
                "ActiveTaskCount": 0,
                "LastInvokedTime": ran[-1]["StartTime"] if ran and version else "",
                "SupportSessionManager": bool(version),
            }
        )
    page, paging = _page(call, statuses, 50)
    return {
        "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": page},
        **paging,
        "PageNumber": call.int_param("PageNumber", 1),
    }


# --- tags ---------------------------------------------------------------------------------
# TagResources / UntagResources / ListTagResources for ResourceType=instance: ResourceId.N
# (1-50), Tag.N.Key/Tag.N.Value (1-20 per call), TagKey.N and All for untagging; a resource
# carries at most 20 tags; keys may not start with "aliyun" or "acs:" (ECS tag rules).
MAX_TAGGED_RESOURCES = 50
MAX_TAGS = 20
_RESERVED_TAG_PREFIXES = ("aliyun", "acs:", "http://", "https://")


def _tag_targets(call: Call) -> list[dict[str, Any]]:
    resource_type = call.required("ResourceType")
    if resource_type.lower() != "instance":
        raise invalid_parameter("ResourceType", "this sandbox tags instances only")
    ids = call.list_param("ResourceId")
    if not ids:
        raise missing_parameter("ResourceId")
    if len(ids) > MAX_TAGGED_RESOURCES:
        raise invalid_parameter("ResourceId", f"at most {MAX_TAGGED_RESOURCES} resources")
    instances = Instances.of(call)
    return [instances.get(i) for i in ids]


def _tags_of(instance: dict[str, Any]) -> dict[str, str]:
    return {t["TagKey"]: t["TagValue"] for t in instance.get("Tags", {}).get("Tag", [])}


def _set_tags(call: Call, instance: dict[str, Any], tags: dict[str, str]) -> None:
    instance["Tags"] = {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}
    call.state.store.put("ecs.instance", f"{call.account_id}/{instance['InstanceId']}", instance)


def _numbered_tags(call: Call) -> list[tuple[str, str | None]]:
    """``Tag.N.Key``/``Tag.N.Value`` pairs in N order (a missing value is None)."""
    found: dict[int, dict[str, str]] = {}
    for name, value in call.params.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "Tag" and parts[1].isdigit():
            found.setdefault(int(parts[1]), {})[parts[2]] = value
    return [(t.get("Key", ""), t.get("Value")) for _, t in sorted(found.items())]


@api.rpc("TagResources", permission="ecs:TagResources")
def tag_resources(call: Call) -> dict[str, Any]:
    targets = _tag_targets(call)
    pairs = _numbered_tags(call)
    if not pairs:
        raise missing_parameter("Tag")
    if len(pairs) > MAX_TAGS:
        raise invalid_parameter("Tag", f"at most {MAX_TAGS} tags per call")
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise invalid_parameter("Tag.N.Key", "tag keys must be unique in one call")
    for key, value in pairs:
        if not key or len(key) > 128:
            raise invalid_parameter("Tag.N.Key", "a tag key is 1 to 128 characters")
        if key.lower().startswith(_RESERVED_TAG_PREFIXES):
            raise invalid_parameter(
                "Tag.N.Key", f"{key!r} may not start with aliyun, acs:, http:// or https://"
            )
        if value is not None and len(value) > 128:
            raise invalid_parameter("Tag.N.Value", "a tag value is at most 128 characters")
    for instance in targets:
        tags = _tags_of(instance)
        tags.update({k: v or "" for k, v in pairs})
        if len(tags) > MAX_TAGS:
            raise ApiError(
                400,
                "InvalidTagCount",
                f"The resource {instance['InstanceId']} would carry more than {MAX_TAGS} tags.",
            )
        _set_tags(call, instance, tags)
    return {}


@api.rpc("UntagResources", permission="ecs:UntagResources")
def untag_resources(call: Call) -> dict[str, Any]:
    targets = _tag_targets(call)
    keys = call.list_param("TagKey")
    if not keys and not call.bool_param("All"):
        raise missing_parameter("TagKey")
    for instance in targets:
        tags = _tags_of(instance) if keys else {}
        for key in keys:
            tags.pop(key, None)
        _set_tags(call, instance, tags)
    return {}


@api.rpc("ListTagResources", permission="ecs:ListTagResources")
def list_tag_resources(call: Call) -> dict[str, Any]:
    ids = call.list_param("ResourceId")
    wanted = [(k, v) for k, v in _numbered_tags(call) if k]
    if not ids and not wanted:
        raise missing_parameter("ResourceId")
    if ids:
        instances = _tag_targets(call)
    elif call.required("ResourceType").lower() == "instance":
        instances = Instances.of(call).all()
    else:
        raise invalid_parameter("ResourceType", "this sandbox tags instances only")
    rows: list[dict[str, str]] = []
    for instance in instances:
        tags = _tags_of(instance)
        if wanted and not all(k in tags and (v is None or tags[k] == v) for k, v in wanted):
            continue
        rows.extend(
            {
                "ResourceId": instance["InstanceId"],
                "ResourceType": "instance",
                "TagKey": k,
                "TagValue": v,
            }
            for k, v in tags.items()
        )
    page, paging = _page(call, rows, 50)
    return {"TagResources": {"TagResource": page}, "NextToken": paging["NextToken"]}
