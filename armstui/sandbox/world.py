"""The sandbox's seeded worlds.

``default``: three accounts, ``monitoring`` (A), ``source`` (B) and ``outsider`` (C), each
with a 16-digit account ID, a root AccessKey and a RAM user ``admin`` (AdministratorAccess)
with its own AccessKey, in cn-hangzhou. The root key cannot assume roles (STS refuses root
accounts); the admin user can, as in the real cloud. A has ARMS activated (its
license key exists). B has two ACK clusters — ``shop-prod`` without ack-onepilot and
``shop-staging`` with ack-onepilot 3.0.12 (too old to report across accounts) — each running
Java workloads labelled for ARMS and one that is not, and three running ECS instances with a
Java application each and no agent. C exists to prove that trust is not given to strangers.

``large``: A, C and ``source-01`` … ``source-NN`` (default 10), each with ``clusters`` clusters
(default 10) and an equal share of ``instances`` ECS instances (default 200), for benchmarks;
``--world large:sources=3,clusters=2,instances=20`` (parse_world) changes the sizes.
Secrets are generated per state directory, never shipped.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import TYPE_CHECKING, Any

from armstui.sandbox import iam
from armstui.sandbox.services.arms.model import license_key, sync
from armstui.sandbox.services.ram.model import Ram

if TYPE_CHECKING:
    from armstui.sandbox.state import SandboxState

DEFAULT_ACCOUNTS = ("monitoring", "source", "outsider")
ADMIN_USER = "admin"


def create_account(state: SandboxState, alias: str) -> dict[str, Any]:
    """An account with its root AccessKey; returns the account record."""
    store = state.store
    uid = iam.new_numeric_id(16)
    while store.get("account", uid) is not None:
        uid = iam.new_numeric_id(16)
    now = state.clock.iso(state.clock.now())
    account = {"uid": uid, "alias": alias, "CreateDate": now}
    store.put("account", uid, account)
    key_id = iam.new_access_key_id()
    store.put(
        "ram.accesskey",
        key_id,
        {
            "AccessKeyId": key_id,
            "AccessKeySecret": iam.new_secret(),
            "AccountId": uid,
            "UserName": None,
            "Status": "Active",
            "CreateDate": now,
        },
    )
    ram = Ram(store, uid, now)
    ram.create_user(ADMIN_USER, "Administrator", "Seeded: full access, for setup and switches")
    ram.attach("User", ADMIN_USER, "System", "AdministratorAccess")
    ram.create_key(ADMIN_USER)
    return account


def _suffix(length: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def _workloads(app_prefix: str, labelled: int, unlabelled: int = 1) -> list[dict[str, Any]]:
    """``labelled`` Java Deployments in ``default`` that ask for the ARMS agent, and
    ``unlabelled`` batch ones in ``jobs`` that do not."""
    services = [f"{app_prefix}-svc{n + 1}" for n in range(labelled)]
    batches = [f"{app_prefix}-batch{n + 1}" for n in range(unlabelled)]
    return [
        _java_deployment(
            "default",
            name,
            {"app": name, "armsPilotAutoEnable": "on", "armsPilotCreateAppName": name},
        )
        for name in services
    ] + [_java_deployment("jobs", name, {"app": name}) for name in batches]


def _java_deployment(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "namespace": namespace,
        "name": name,
        "kind": "Deployment",
        "language": "java",
        "labels": labels,
    }


def create_cluster(
    state: SandboxState,
    account: dict[str, Any],
    name: str,
    workloads: list[dict[str, Any]],
    onepilot: tuple[str, dict[str, Any]] | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    cluster_id = "c" + _suffix(32)
    now = state.clock.iso(state.clock.now())
    cluster = {
        "cluster_id": cluster_id,
        "name": name,
        "region_id": state.region,
        "state": "running",
        "cluster_type": "ManagedKubernetes",
        "cluster_spec": "ack.pro.small",
        "profile": "Default",
        "current_version": "1.30.1-aliyun.1",
        "vpc_id": "vpc-" + _suffix(20),
        "created": now,
        "updated": now,
        "size": 3,
        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        "resource_group_id": "",
        "account_id": account["uid"],
        "workloads": workloads,
    }
    state.store.put("cs.cluster", f"{account['uid']}/{cluster_id}", cluster)
    if onepilot:
        version, config = onepilot
        state.store.put(
            "cs.addon",
            f"{cluster_id}/ack-onepilot",
            {"name": "ack-onepilot", "version": version, "config": json.dumps(config), "op": None},
        )
    return cluster


def create_instance(
    state: SandboxState, account: dict[str, Any], name: str, service: str
) -> dict[str, Any]:
    instance_id = "i-" + _suffix(20)
    instance = {
        "InstanceId": instance_id,
        "InstanceName": name,
        "HostName": name,
        "Status": "Running",
        "OSType": "linux",
        "OSName": "Alibaba Cloud Linux 3",
        "RegionId": state.region,
        "ZoneId": f"{state.region}-h",
        "InstanceType": "ecs.g7.large",
        "CreationTime": state.clock.iso(state.clock.now()),
        "VpcAttributes": {
            "VpcId": "vpc-" + _suffix(20),
            "PrivateIpAddress": {
                "IpAddress": [f"10.0.{len(name) % 250}.{secrets.randbelow(250) + 2}"]
            },
        },
        "PublicIpAddress": {"IpAddress": []},
        "Tags": {
            "Tag": [
                {"TagKey": "app", "TagValue": service},
                {"TagKey": "service", "TagValue": service},
            ]
        },
        "java_apps": [{"service": service, "agent": None}],
    }
    state.store.put("ecs.instance", f"{account['uid']}/{instance_id}", instance)
    return instance


LARGE_DEFAULTS = {"sources": 10, "clusters": 10, "instances": 200}
# Far above any benchmark's sizes; beyond them seeding alone would take minutes and gigabytes.
LARGE_LIMITS = {"sources": 1000, "clusters": 1000, "instances": 100_000}


def parse_world(text: str) -> tuple[str, dict[str, int]]:
    """``default``, ``large[:sources=N,clusters=N,instances=N]`` or
    ``org[:members=N,regions=N]`` -> (name, sizes); a missing size takes its default."""
    from armstui.sandbox.world_org import ORG_DEFAULTS, ORG_LIMITS

    name, _, rest = text.partition(":")
    defaults, limits = {
        "default": ({}, {}),
        "large": (LARGE_DEFAULTS, LARGE_LIMITS),
        "org": (ORG_DEFAULTS, ORG_LIMITS),
    }.get(name, (None, None))
    if defaults is None or limits is None:
        raise ValueError(
            "world: must be 'default', 'large[:sources=N,clusters=N,instances=N]' or "
            f"'org[:members=N,regions=N]' (got {text[:40]!r})"
        )
    sizes = dict(defaults)
    for part in (p.strip() for p in rest.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep or key not in defaults:
            allowed = ", ".join(k + "=N" for k in defaults) or "no sizes"
            raise ValueError(f"world: {part[:40]!r} is not one of {allowed} ({name})")
        low = 0 if key in ("clusters", "instances") else 1
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= limits[key]:
            raise ValueError(
                f"world: {key} must be a whole number from {low} to {limits[key]} (got {value[:20]!r})"
            )
        sizes[key] = int(value)
    return name, sizes


def seed(
    state: SandboxState,
    world: str = "default",
    *,
    sources: int | None = None,
    clusters: int | None = None,
    instances: int | None = None,
) -> None:
    """Seed an empty store with ``world`` (see parse_world); keyword sizes override the text's."""
    name, sizes = parse_world(world)
    overrides = {"sources": sources, "clusters": clusters, "instances": instances}
    sizes.update({k: v for k, v in overrides.items() if v is not None and name == "large"})
    with state.store.transaction():
        if name == "default":
            _seed_default(state)
        elif name == "org":
            from armstui.sandbox.world_org import seed_org

            seed_org(state, **sizes)
        else:
            _seed_large(state, **sizes)
        sync(state.store, state.clock)  # what reports from the start has reported since seeding


def _seed_default(state: SandboxState) -> None:
    monitoring, source, _ = (create_account(state, alias) for alias in DEFAULT_ACCOUNTS)
    license_key(state.store, monitoring["uid"], state.region)
    create_cluster(
        state, source, "shop-prod", _workloads("shop", 3), tags={"env": "prod", "team": "shop"}
    )
    create_cluster(
        state,
        source,
        "shop-staging",
        _workloads("staging", 2),
        onepilot=("3.0.12", {"logLevel": "info"}),
        tags={"env": "staging", "team": "shop"},
    )
    for n, service in enumerate(("orders", "billing", "catalog"), start=1):
        create_instance(state, source, f"legacy-{service}-{n}", service)
    # One instance whose Cloud Assistant client is not running: RunCommand cannot reach it.
    reports = create_instance(state, source, "legacy-reports-4", "reports")
    reports["cloud_assistant"] = None
    state.store.put("ecs.instance", f"{source['uid']}/{reports['InstanceId']}", reports)


def _seed_large(state: SandboxState, sources: int, clusters: int, instances: int) -> None:
    """Like the default world, times ``sources``: every other cluster has an old onepilot
    (3.0.12), the others none; each has two labelled workloads and one that is not; the
    ``instances`` are shared out as evenly as they go (the first accounts get the remainder)."""
    monitoring = create_account(state, "monitoring")
    license_key(state.store, monitoring["uid"], state.region)
    create_account(state, "outsider")
    for s in range(1, sources + 1):
        source = create_account(state, f"source-{s:02d}")
        for c in range(1, clusters + 1):
            onepilot = ("3.0.12", {"logLevel": "info"}) if c % 2 == 0 else None
            create_cluster(
                state,
                source,
                f"s{s:02d}-cluster{c:02d}",
                _workloads(f"s{s:02d}c{c:02d}", 2),
                onepilot,
                tags={"env": "bench", "source": f"source-{s:02d}"},
            )
        mine = instances // sources + (1 if s <= instances % sources else 0)
        for n in range(1, mine + 1):
            create_instance(state, source, f"s{s:02d}-vm{n:03d}", f"s{s:02d}-app{n:03d}")


def accounts_by_alias(state: SandboxState) -> dict[str, dict[str, Any]]:
    """Each seeded account with its root key and, under ``users``, its ``admin`` user's key
    (while that user and a key of it exist): what sandbox.json publishes."""
    keys = state.store.list("ram.accesskey")
    out = {}
    for account in state.store.list("account"):
        if account.get("member"):  # a directory member: reached through its access role only
            continue
        mine = [k for k in keys if k["AccountId"] == account["uid"]]
        root = next(k for k in mine if k["UserName"] is None)
        admin = next((k for k in mine if k["UserName"] == ADMIN_USER), None)
        users = {}
        if admin is not None:
            users[ADMIN_USER] = {
                "user_name": ADMIN_USER,
                "access_key_id": admin["AccessKeyId"],
                "access_key_secret": admin["AccessKeySecret"],
            }
        out[account["alias"]] = {
            "uid": account["uid"],
            "access_key_id": root["AccessKeyId"],
            "access_key_secret": root["AccessKeySecret"],
            "users": users,
        }
    return out
