"""CS / ACK 2015-12-15: clusters and their addons.

ROA over ``cs.<region>.aliyuncs.com``; SDK alibabacloud_cs20151215, whose methods take path
arguments separately plus ``headers`` and ``runtime``. Facts relied on:

- ``DescribeClustersV1`` (``describe_clusters_v1with_options_async``, no underscore before
  ``with``) pages with ``page_number``/``page_size`` and answers ``page_info.total_count``;
- ``GetClusterAddonInstance`` answers ``{name, version, state, config}`` where ``config``
  is a JSON-encoded string and ``state`` one of initial/active/unhealthy/upgrading/
  updating/deleting/deleted; an addon that is not installed answers 404;
- ``InstallClusterAddons`` / ``UpgradeClusterAddons`` / ``UnInstallClusterAddons`` take a
  JSON array body and answer ``{cluster_id, request_id, task_id}``;
- ``ModifyClusterAddon`` posts ``{"config": "<json string>"}`` to ``.../components/{name}/config``
  and answers with no body (body_type ``none``);
- ``DescribeAddon`` with ``cluster_id`` answers ``newer_versions[]{version, upgradable}``
  and the ``config_schema``: upgrades are decided from it (DescribeClusterAddonsVersion is
  deprecated and not used);
- ``InstallClusterAddons`` requires each addon's ``version``;
- ``DescribeTaskInfo`` (``GET /tasks/{id}``) answers ``{task_id, state, task_type, error, ...}``.
- not found: ``ErrorClusterNotFound`` (404) for a cluster.

An addon's config may hold secrets (onepilot's ``accessKeySecret``): values under keys that
look secret are handed to the redactor, and :class:`ClusterAddon` masks them when printed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import CloudError, malformed, reading, required
from armstui.inert import make_inert
from armstui.secrets.redaction import MASK, redactor

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession

_SECRET_KEY = re.compile(r"secret|password|token|licen[cs]e", re.IGNORECASE)


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    name: str
    region_id: str | None = None
    state: str | None = None
    cluster_type: str | None = None
    current_version: str | None = None
    vpc_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AddonInstance:
    name: str
    version: str | None
    state: str | None


@dataclass(frozen=True, repr=False)
class ClusterAddon:
    name: str
    version: str
    state: str
    config: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = {k: (MASK if _SECRET_KEY.search(k) and v else v) for k, v in self.config.items()}
        return f"ClusterAddon(name={self.name!r}, version={self.version!r}, state={self.state!r}, config={shown!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class AddonRelease:
    """DescribeAddon for one addon in one cluster: the version it describes, the newer
    releases and whether the cluster may upgrade to each, and the config keys its schema
    declares (None when the answer carries no schema)."""

    name: str
    version: str
    newer: tuple[tuple[str, bool], ...] = ()  # (version, upgradable)
    config_keys: frozenset[str] | None = None

    @property
    def upgradable(self) -> tuple[str, ...]:
        return tuple(v for v, ok in self.newer if ok)


@dataclass(frozen=True)
class Task:
    task_id: str
    state: str | None
    task_type: str | None = None
    error: str | None = None
    created: str | None = None
    updated: str | None = None


ONEPILOT = "ack-onepilot"
MIN_CROSS_ACCOUNT_ONEPILOT = (3, 0, 14)  # the first release that reports across accounts
ONEPILOT_MASKS_KEYS = (5, 1, 1)  # from here the config read back masks the AccessKey pair


def parse_version(text: str) -> tuple[int, ...]:
    """``3.0.14`` -> (3, 0, 14); a leading ``v`` and suffixes like ``-aliyun.1`` are ignored."""
    core = text.strip().lstrip("vV").split("-")[0].split("+")[0]
    parts = []
    for piece in core.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _models() -> Any:
    from alibabacloud_cs20151215 import models

    return models


async def _roa(session: CloudSession, action: str, method: str, *args: Any, mutating: bool) -> Any:
    async def invoke(client: Any, runtime: Any) -> Any:
        return await getattr(client, method)(*args, {}, runtime)

    return await session.call("cs", action, invoke, mutating=mutating)


def _register_secrets(config: dict[str, Any]) -> None:
    for key, value in config.items():
        if isinstance(value, str) and _SECRET_KEY.search(key):
            redactor.add(value)
        elif isinstance(value, dict):
            _register_secrets(value)


def parse_config(text: str | dict[str, Any] | None) -> dict[str, Any]:
    """An addon's config: a JSON string in the body (sometimes empty)."""
    if isinstance(text, dict):
        config = text
    elif not text:
        config = {}
    else:
        try:
            config = json.loads(text)
        except ValueError:
            raise CloudError(
                "InvalidAddonConfig",
                "the addon's config is not JSON",
                service="cs",
                retryable=False,
            ) from None
        if not isinstance(config, dict):
            config = {}
    _register_secrets(config)
    return dict(make_inert(config))


def _config_text(config: dict[str, Any] | None) -> str | None:
    if config is None:
        return None
    _register_secrets(config)
    return json.dumps(config, separators=(",", ":"))


# --- clusters -------------------------------------------------------------------------


MAX_CLUSTER_PAGES = 1000  # 50,000 clusters: far beyond any account's quota


async def describe_clusters(session: CloudSession, page_size: int = 50) -> list[Cluster]:
    """Every cluster of the account in the session's region (all pages)."""
    m = _models()
    clusters: list[Cluster] = []
    page = 1
    while True:
        request = m.DescribeClustersV1Request(
            region_id=session.region, page_number=page, page_size=page_size
        )
        body = (
            await _roa(
                session,
                "DescribeClustersV1",
                "describe_clusters_v1with_options_async",
                request,
                mutating=False,
            )
        ).body
        with reading(
            "cs", "DescribeClustersV1", session.alias
        ):  # odd fields: a CloudError, not a crash
            batch = body.clusters or []
            for c in batch:
                tags = tuple((t.key, t.value) for t in (c.tags or ()))
                clusters.append(
                    Cluster(
                        required(c.cluster_id, "clusters[].cluster_id", "cs", "DescribeClustersV1"),
                        c.name,
                        c.region_id,
                        c.state,
                        c.cluster_type,
                        c.current_version,
                        c.vpc_id,
                        tags,
                    )
                )
            total = (
                body.page_info.total_count
                if body.page_info and body.page_info.total_count is not None
                else None
            )
        if not batch or len(batch) < page_size or (total is not None and len(clusters) >= total):
            return clusters
        if (
            page >= MAX_CLUSTER_PAGES
        ):  # full pages without end: the answer is not what the API documents
            raise malformed(
                "cs",
                "DescribeClustersV1",
                f"more than {MAX_CLUSTER_PAGES} full pages",
                account=session.alias,
            )
        page += 1


# --- addons -----------------------------------------------------------------------------


async def list_cluster_addons(session: CloudSession, cluster_id: str) -> list[AddonInstance]:
    body = (
        await _roa(
            session,
            "ListClusterAddonInstances",
            "list_cluster_addon_instances_with_options_async",
            cluster_id,
            mutating=False,
        )
    ).body
    return [AddonInstance(a.name, a.version, a.state) for a in (body.addons or [])]


async def get_cluster_addon(
    session: CloudSession, cluster_id: str, name: str
) -> ClusterAddon | None:
    """The addon as installed, or None when it is not: a 404 that is not about the cluster
    (nor an unknown API), or the state ``deleted``."""
    try:
        body = (
            await _roa(
                session,
                "GetClusterAddonInstance",
                "get_cluster_addon_instance_with_options_async",
                cluster_id,
                name,
                mutating=False,
            )
        ).body
    except CloudError as error:
        if (
            error.http_status == 404
            and not error.code.startswith("InvalidAction")
            and "cluster" not in error.code.lower()
        ):
            return None
        raise
    if body is None or not body.name or body.state == "deleted":
        return None
    return ClusterAddon(body.name, body.version or "", body.state or "", parse_config(body.config))


def _schema_keys(schema: Any) -> frozenset[str] | None:
    """Every property name anywhere in a JSON schema (given as text or parsed)."""
    if isinstance(schema, str):
        if not schema.strip():
            return None
        try:
            schema = json.loads(schema)
        except ValueError:
            return None
    if not isinstance(schema, dict):
        return None
    keys: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                keys.update(k for k in props if isinstance(k, str))
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return frozenset(keys)


async def describe_addon(
    session: CloudSession, name: str, cluster_id: str, version: str | None = None
) -> AddonRelease:
    """``DescribeAddon`` with ``cluster_id``: the releases this cluster can have after
    ``version`` (default: the one installed there, else the newest). Upgrades are decided
    from ``newer_versions[].upgradable`` (DescribeClusterAddonsVersion is deprecated)."""
    m = _models()
    body = (
        await _roa(
            session,
            "DescribeAddon",
            "describe_addon_with_options_async",
            name,
            m.DescribeAddonRequest(
                cluster_id=cluster_id, region_id=session.region, version=version
            ),
            mutating=False,
        )
    ).body
    with reading("cs", "DescribeAddon", session.alias):
        version = required(body.version, "version", "cs", "DescribeAddon", session.alias)
        newer = tuple(
            (str(n.version), bool(n.upgradable))
            for n in (body.newer_versions or [])
            if isinstance(n.version, str) and n.version
        )
        return AddonRelease(body.name or name, version, newer, _schema_keys(body.config_schema))


async def _addon_task(
    session: CloudSession, action: str, method: str, cluster_id: str, request: Any
) -> str:
    """Send an addon install or upgrade; returns the ID of the task it started."""
    body = (await _roa(session, action, method, cluster_id, request, mutating=True)).body
    return str(body.task_id)


async def install_addon(
    session: CloudSession,
    cluster_id: str,
    name: str,
    version: str,
    config: dict[str, Any] | None = None,
) -> str:
    """Start installing ``version`` (InstallClusterAddons requires it); returns the task ID."""
    m = _models()
    item = m.InstallClusterAddonsRequestBody(
        name=name, version=version, config=_config_text(config)
    )
    return await _addon_task(
        session,
        "InstallClusterAddons",
        "install_cluster_addons_with_options_async",
        cluster_id,
        m.InstallClusterAddonsRequest(body=[item]),
    )


async def upgrade_addon(
    session: CloudSession,
    cluster_id: str,
    name: str,
    current_version: str,
    next_version: str,
    config: dict[str, Any] | None = None,
) -> str:
    """Start upgrading from ``current_version`` to ``next_version`` (pick it from
    ``describe_addon``'s upgradable releases); returns the task ID. Asking for the version
    already there is refused here, so an upgrade can never loop on one version."""
    m = _models()
    if parse_version(next_version) <= parse_version(current_version):
        raise CloudError(
            "AddonNoNewerVersion",
            f"{name} in {cluster_id} is at {current_version}; {next_version} is not newer",
            service="cs",
            action="UpgradeClusterAddons",
            account=session.alias,
            retryable=False,
        )
    item = m.UpgradeClusterAddonsRequestBody(
        component_name=name,
        version=current_version,
        next_version=next_version,
        config=_config_text(config),
    )
    return await _addon_task(
        session,
        "UpgradeClusterAddons",
        "upgrade_cluster_addons_with_options_async",
        cluster_id,
        m.UpgradeClusterAddonsRequest(body=[item]),
    )


async def modify_addon_config(
    session: CloudSession, cluster_id: str, name: str, config: dict[str, Any]
) -> None:
    """Replace the addon's config with ``config`` (merge with the current one first to keep
    other settings). The request body carries secrets; nothing of it is logged."""
    m = _models()
    await _roa(
        session,
        "ModifyClusterAddon",
        "modify_cluster_addon_with_options_async",
        cluster_id,
        name,
        m.ModifyClusterAddonRequest(config=_config_text(config)),
        mutating=True,
    )


async def uninstall_addon(
    session: CloudSession, cluster_id: str, name: str, cleanup_cloud_resources: bool = False
) -> str:
    m = _models()
    request = m.UnInstallClusterAddonsRequest(
        addons=[
            m.UnInstallClusterAddonsRequestAddons(
                name=name, cleanup_cloud_resources=cleanup_cloud_resources
            )
        ]
    )
    body = (
        await _roa(
            session,
            "UnInstallClusterAddons",
            "un_install_cluster_addons_with_options_async",
            cluster_id,
            request,
            mutating=True,
        )
    ).body
    return str(body.task_id)


async def describe_task(session: CloudSession, task_id: str) -> Task:
    body = (
        await _roa(
            session,
            "DescribeTaskInfo",
            "describe_task_info_with_options_async",
            task_id,
            mutating=False,
        )
    ).body
    error = None
    if body.error is not None:
        error = (
            " ".join(
                str(x)
                for x in (getattr(body.error, "code", None), getattr(body.error, "message", None))
                if x
            )
            or None
        )
    return Task(
        body.task_id or task_id, body.state, body.task_type, error, body.created, body.updated
    )
