"""CS / ACK 2015-12-15 (ROA): paths as alibabacloud_cs20151215 7.2.3 builds them.

Shapes from its models (``from_map``, snake_case): DescribeClustersV1 ``{clusters[],
page_info{page_number,page_size,total_count}}``; GetClusterAddonInstance ``{name, version,
state, config}`` with config a JSON string; ListClusterAddonInstances ``{addons[]}``;
Install/Upgrade/UnInstall ``{cluster_id, request_id, task_id}``; ModifyClusterAddon answers no
body the SDK reads; DescribeClusterAddonsVersion an untyped dict keyed by addon name;
DescribeTaskInfo ``{task_id, state, task_type, created, ...}``; ListAddons (GET ``/addons``)
``{addons[]{name, version, category, config_schema (a JSON string), ...}}``; DescribeAddon (GET
``/addons/{name}``) the same fields plus ``newer_versions[]{version, upgradable,
minimum_cluster_version}``. Errors use lower-case
``code``/``message``/``requestId``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from armstui.sandbox.api import Call, Handler, Service
from armstui.sandbox.errors import ApiError
from armstui.sandbox.services.cs.model import (
    ADDON_CONFIG_SCHEMA,
    ADDON_RELEASES,
    Clusters,
    masked_config,
    minimum_cluster_version,
    version_tuple,
)

api = Service("CS", "2015-12-15")

_CLUSTER_FIELDS = (
    "cluster_id",
    "name",
    "region_id",
    "state",
    "cluster_type",
    "cluster_spec",
    "profile",
    "current_version",
    "vpc_id",
    "created",
    "updated",
    "size",
    "tags",
    "resource_group_id",
)


def _cluster_arn(call: Call) -> str:
    return f"acs:cs:{call.state.region}:{call.account_id}:cluster/{call.path.get('ClusterId', '*')}"


def _on_cluster(method: str, path: str, action: str) -> Callable[[Handler], Handler]:
    """An operation on one cluster: ``/clusters/{ClusterId}<path>``, permission ``cs:<action>``
    on that cluster."""
    return api.roa(
        method,
        "/clusters/{ClusterId}" + path,
        action,
        permission=f"cs:{action}",
        resource=_cluster_arn,
    )


def _view(cluster: dict[str, Any]) -> dict[str, Any]:
    return {f: cluster[f] for f in _CLUSTER_FIELDS if f in cluster}


def _body_list(call: Call) -> list[dict[str, Any]]:
    if (
        not isinstance(call.body, list)
        or not call.body
        or not all(isinstance(i, dict) for i in call.body)
    ):
        raise ApiError(
            400, "InvalidParameter", "The request body must be a non-empty JSON array of addons."
        )
    return call.body


@api.roa("GET", "/api/v1/clusters", "DescribeClustersV1", permission="cs:DescribeClustersV1")
def describe_clusters_v1(call: Call) -> dict[str, Any]:
    clusters = Clusters.of(call).all()
    if call.param("region_id"):
        clusters = [c for c in clusters if c["region_id"] == call.param("region_id")]
    if call.param("name"):
        clusters = [c for c in clusters if call.param("name") in c["name"]]
    if call.param("cluster_id"):
        clusters = [c for c in clusters if c["cluster_id"] == call.param("cluster_id")]
    number = call.int_param("page_number", 1, low=1) or 1
    size = call.int_param("page_size", 10, low=1, high=100) or 10
    page = clusters[(number - 1) * size : number * size]
    return {
        "clusters": [_view(c) for c in page],
        "page_info": {"page_number": number, "page_size": size, "total_count": len(clusters)},
    }


@_on_cluster("GET", "", "DescribeClusterDetail")
def describe_cluster_detail(call: Call) -> dict[str, Any]:
    return _view(Clusters.of(call).get(call.path["ClusterId"]))


@_on_cluster("GET", "/addon_instances", "ListClusterAddonInstances")
def list_cluster_addon_instances(call: Call) -> dict[str, Any]:
    addons = Clusters.of(call).addons(call.path["ClusterId"])
    return {
        "addons": [
            {"name": a["name"], "version": a["version"], "state": a["state"]} for a in addons
        ]
    }


@_on_cluster("GET", "/addon_instances/{AddonName}", "GetClusterAddonInstance")
def get_cluster_addon_instance(call: Call) -> dict[str, Any]:
    return {
        **_addon_instance(call, "AddonNotFound"),
        "logging": {"capable": False, "enabled": False},
    }


def _addon_instance(call: Call, not_found_code: str) -> dict[str, Any]:
    """``{name, version, state, config}`` with the config as the addon reads it back."""
    name = call.path["AddonName"]
    addon = Clusters.of(call).addon(call.path["ClusterId"], name)
    if addon is None:
        raise ApiError(
            404,
            not_found_code,
            f"The addon {name} is not installed in cluster {call.path['ClusterId']}.",
        )
    return {
        "name": addon["name"],
        "version": addon["version"],
        "state": addon["state"],
        "config": masked_config(name, addon["version"], addon["config"]),
    }


@_on_cluster("GET", "/components/{AddonName}/instance", "DescribeClusterAddonInstance")
def describe_cluster_addon_instance(call: Call) -> dict[str, Any]:
    """The deprecated sibling of GetClusterAddonInstance: the same fields, no logging."""
    return _addon_instance(call, "ErrorAddonNotFound")


@_on_cluster("GET", "/components/version", "DescribeClusterAddonsVersion")
def describe_cluster_addons_version(call: Call) -> dict[str, Any]:
    clusters = Clusters.of(call)
    out = {}
    for name, releases in ADDON_RELEASES.items():
        addon = clusters.addon(call.path["ClusterId"], name)
        version = addon["version"] if addon else ""
        newest = releases[-1]
        can = bool(addon) and version_tuple(newest) > version_tuple(version)
        out[name] = {
            "component_name": name,
            "version": version,
            "next_version": newest if can else "",
            "can_upgrade": can,
            "changed": "",
            "exist": addon is not None,
            "required": False,
            "policy": "",
            "ready_to_upgrade": "true" if can else "false",
            "message": "",
        }
    return out


def _one_addon(call: Call, name_field: str, message: str) -> dict[str, Any]:
    """The one addon a body names under ``name_field``; else InvalidParameter with ``message``."""
    items = _body_list(call)
    if len(items) != 1 or not items[0].get(name_field):
        raise ApiError(400, "InvalidParameter", message)
    return items[0]


def _task_answer(call: Call, task_id: str) -> dict[str, Any]:
    return {"cluster_id": call.path["ClusterId"], "request_id": call.request_id, "task_id": task_id}


@_on_cluster("POST", "/components/install", "InstallClusterAddons")
def install_cluster_addons(call: Call) -> dict[str, Any]:
    items = _body_list(call)
    if len(items) != 1:
        raise ApiError(400, "InvalidParameter", "This sandbox installs one addon per request.")
    item = items[0]
    if not item.get("name"):
        raise ApiError(400, "InvalidParameter", "Each addon needs a name.")
    task = Clusters.of(call).install(
        call.path["ClusterId"], item["name"], item.get("version") or None, item.get("config")
    )
    return _task_answer(call, task)


@_on_cluster("POST", "/components/upgrade", "UpgradeClusterAddons")
def upgrade_cluster_addons(call: Call) -> dict[str, Any]:
    item = _one_addon(
        call, "component_name", "Upgrade one addon per request, naming its component_name."
    )
    task = Clusters.of(call).upgrade(
        call.path["ClusterId"],
        item["component_name"],
        item.get("version") or None,
        item.get("next_version") or None,
        item.get("config"),
    )
    return _task_answer(call, task)


@_on_cluster("POST", "/components/uninstall", "UnInstallClusterAddons")
def uninstall_cluster_addons(call: Call) -> dict[str, Any]:
    item = _one_addon(call, "name", "Uninstall one addon per request, naming it.")
    return _task_answer(call, Clusters.of(call).uninstall(call.path["ClusterId"], item["name"]))


@_on_cluster("POST", "/components/{ComponentId}/config", "ModifyClusterAddon")
def modify_cluster_addon(call: Call) -> dict[str, Any]:
    if not isinstance(call.body, dict) or "config" not in call.body:
        raise ApiError(400, "InvalidParameter", 'The body must be {"config": "<json string>"}.')
    task = Clusters.of(call).modify(
        call.path["ClusterId"], call.path["ComponentId"], call.body["config"]
    )
    return _task_answer(call, task)


@api.roa("GET", "/tasks/{TaskId}", "DescribeTaskInfo", permission="cs:DescribeTaskInfo")
def describe_task_info(call: Call) -> dict[str, Any]:
    task = Clusters.of(call).task(call.path["TaskId"])
    return {
        "task_id": task["task_id"],
        "cluster_id": task["cluster_id"],
        "task_type": task["task_type"],
        "state": task["state"],
        "created": task["created"],
        "updated": task["created"],
        "target": {"id": task["cluster_id"], "type": "cluster"},
        "parameters": json.loads("{}"),
    }


def _catalog_entry(name: str, version: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "category": "monitor",
        "managed": False,
        "install_by_default": False,
        "config_schema": json.dumps(ADDON_CONFIG_SCHEMA[name]),
        "architecture": ["amd64", "arm64"],
        "supported_actions": ["Install", "Upgrade", "Modify", "Uninstall"],
    }


def _catalog_cluster(call: Call) -> dict[str, Any] | None:
    """ListAddons/DescribeAddon want ``cluster_id`` (one of the caller's) or ``region_id``;
    the cluster when one is named."""
    if call.param("cluster_id"):
        return Clusters.of(call).get(call.required("cluster_id"))
    if not call.param("region_id"):
        raise ApiError(
            400,
            "InvalidParameter",
            "Either cluster_id or region_id (with the cluster type) is required.",
        )
    return None


def _newer_versions(
    call: Call, name: str, base: str, cluster: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The releases after ``base``; ``upgradable`` when the cluster's Kubernetes version is
    at least the release's minimum (always, without a cluster)."""
    kubernetes = version_tuple(cluster["current_version"]) if cluster else None
    out = []
    for version in ADDON_RELEASES[name]:
        if version_tuple(version) <= version_tuple(base):
            continue
        minimum = minimum_cluster_version(name, version)
        out.append(
            {
                "version": version,
                "upgradable": kubernetes is None or kubernetes >= version_tuple(minimum),
                "minimum_cluster_version": minimum,
            }
        )
    return out


def _installed_version(call: Call, cluster: dict[str, Any] | None, name: str) -> str | None:
    if cluster is None:
        return None
    addon = Clusters.of(call).addon(cluster["cluster_id"], name)
    return addon["version"] if addon else None


@api.roa("GET", "/addons", "ListAddons", permission="cs:ListAddons")
def list_addons(call: Call) -> dict[str, Any]:
    """With ``cluster_id``: each addon's newest release, and ``newer_versions`` after the one
    installed in that cluster (none when it is not installed)."""
    cluster = _catalog_cluster(call)
    addons = []
    for name, releases in ADDON_RELEASES.items():
        entry = _catalog_entry(name, releases[-1])
        if cluster is not None:
            installed = _installed_version(call, cluster, name)
            entry["newer_versions"] = (
                _newer_versions(call, name, installed, cluster) if installed else []
            )
        addons.append(entry)
    return {"addons": addons}


@api.roa("GET", "/addons/{AddonName}", "DescribeAddon", permission="cs:DescribeAddon")
def describe_addon(call: Call) -> dict[str, Any]:
    """The release asked for (``version``), else with ``cluster_id`` the one installed there,
    else the newest; ``newer_versions`` lists the releases after it."""
    cluster = _catalog_cluster(call)
    name = call.path["AddonName"]
    releases = ADDON_RELEASES.get(name)
    if releases is None:
        raise ApiError(404, "ErrorAddonNotFound", f"The addon {name} does not exist.")
    version = call.param("version") or _installed_version(call, cluster, name) or releases[-1]
    if version not in releases:
        raise ApiError(400, "InvalidParameter.Version", f"{name} has no release {version}.")
    return {
        **_catalog_entry(name, version),
        "newer_versions": _newer_versions(call, name, version, cluster),
    }
