"""Which applications report into which account: derived from the current state, at read time.

Nothing here is stored that could drift from its causes; each ListTraceApps recomputes it.

**ACK.** A workload whose pod template carries ``armsPilotAutoEnable: "on"`` is instrumented
once ack-onepilot runs in its cluster. Its application (named by ``armsPilotCreateAppName``,
else the workload's name) reports into:
- account X, when onepilot is 3.0.14 or later and its config holds ``accessKey`` and
  ``accessKeySecret`` of an *active* AccessKey of a RAM user of X whose policies allow
  ``arms:ReportData``, and ``uid`` is X's account ID;
- the cluster's own account otherwise: onepilot runs without cross-account keys, or with
  keys that fail any of those checks (the cross-account login fails and onepilot falls back
  to the cluster's own ARMS), or is older than 3.0.14 (which ignores them);
- nowhere, when onepilot is not running (not installed, still installing, uninstalled).
``arms:ReportData`` is this sandbox's stand-in for the agent's write access: granted by
``arms:*`` (AliyunARMSFullAccess), not by AliyunARMSReadOnlyAccess.

**ECS.** An instance's Java application reports into the account whose license key its JVM
started with (``-Darms.licenseKey``), under ``-Darms.appName``; an unknown key reports nowhere.

When the cause goes away (key disabled or deleted, policy detached, uid changed, agent
removed) the application **vanishes** from X's ListTraceApps (and, for ACK, shows up in the
cluster's own account): we chose vanish over a stale UpdateTime because it is what an
operator's check can see unambiguously.

Tags (the sandbox's model): an ACK application carries its cluster's tags, an ECS
application its instance's tags, as ``[{Key, Value}]``; ListTraceApps' ``Tags.N.Key/Value``
keeps the applications that carry every pair asked for.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from typing import Any

from armstui.sandbox import iam
from armstui.sandbox.clock import Clock
from armstui.sandbox.errors import ApiError
from armstui.sandbox.services.cs.model import running_onepilot, version_tuple
from armstui.sandbox.store import Store

MIN_CROSS_ACCOUNT = (3, 0, 14)
REPORT_ACTION = "arms:ReportData"
LABEL_ENABLE, LABEL_APP_NAME = "armsPilotAutoEnable", "armsPilotCreateAppName"


def license_key(store: Store, account_id: str, region: str) -> str:
    """One stable key per account and region, made on first use (``xxxxxxxxxx@<15 hex>``)."""
    key = f"{account_id}/{region}"
    record = store.get("arms.license", key)
    if record is None:
        prefix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
        record = {
            "LicenseKey": f"{prefix}@{secrets.token_hex(8)[:15]}",
            "AccountId": account_id,
            "RegionId": region,
        }
        store.put("arms.license", key, record)
    return record["LicenseKey"]


def account_of_license(store: Store, key: str) -> str | None:
    return next(
        (r["AccountId"] for r in store.list("arms.license") if r["LicenseKey"] == key), None
    )


def cross_account_target(store: Store, now: float, config: dict[str, Any]) -> str | None:
    """The account a cross-account onepilot config reports into, or None if it is not valid."""
    key_id, secret, uid = (
        config.get("accessKey"),
        config.get("accessKeySecret"),
        str(config.get("uid", "")),
    )
    key = store.get("ram.accesskey", key_id) if key_id else None
    if (
        key is None
        or key["Status"] != "Active"
        or key["AccountId"] != uid
        or key["AccessKeySecret"] != secret
    ):
        return None
    try:
        principal, _ = iam.authenticate(store, key_id, None, now)
    except ApiError:
        return None
    return uid if iam.is_allowed(store, principal, REPORT_ACTION) else None


def reporting_keys(store: Store, clock: Clock) -> set[str]:
    """The AccessKey IDs onepilot reports with right now (valid cross-account configs)."""
    now, used = clock.now(), set()
    for cluster in store.list("cs.cluster"):
        onepilot = running_onepilot(store, clock, cluster["cluster_id"])
        if onepilot is None or version_tuple(onepilot["version"]) < MIN_CROSS_ACCOUNT:
            continue
        config = onepilot["config"]
        if config.get("accessKey") and cross_account_target(store, now, config) is not None:
            used.add(config["accessKey"])
    return used


def _pid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:10]}@{digest[10:25]}"


def _app_id(pid: str) -> int:
    return int(hashlib.sha256(pid.encode()).hexdigest()[:12], 16)


def reporting_apps(
    store: Store, clock: Clock, account_id: str, region: str
) -> list[dict[str, Any]]:
    """Every application that reports into ``account_id`` now, in ListTraceApps' item shape."""
    now = clock.now()
    apps = []
    for cluster in store.list("cs.cluster"):
        if cluster["region_id"] != region:
            continue
        onepilot = running_onepilot(store, clock, cluster["cluster_id"])
        if onepilot is None:
            continue
        config = onepilot["config"]
        cross = version_tuple(onepilot["version"]) >= MIN_CROSS_ACCOUNT and any(
            k in config for k in ("accessKey", "accessKeySecret", "uid")
        )
        target = (cross_account_target(store, now, config) if cross else None) or cluster[
            "account_id"
        ]
        if target != account_id:
            continue
        for w in cluster.get("workloads", []):
            if w.get("labels", {}).get(LABEL_ENABLE) != "on":
                continue
            name = w["labels"].get(LABEL_APP_NAME) or w["name"]
            pid = _pid(account_id, cluster["cluster_id"], w["namespace"], w["name"])
            apps.append(
                _item(
                    store,
                    now,
                    account_id,
                    region,
                    pid,
                    name,
                    Source="ACK",
                    ClusterId=cluster["cluster_id"],
                    Namespace=w["namespace"],
                    WorkloadName=w["name"],
                    WorkloadKind=w.get("kind", "Deployment"),
                    Language=w.get("language", "java"),
                    Labels=[f"{k}={v}" for k, v in w["labels"].items()],
                    Tags=[{"Key": t["key"], "Value": t["value"]} for t in cluster.get("tags", [])],
                )
            )
    my_keys = {r["LicenseKey"] for r in store.list("arms.license", f"{account_id}/")}
    for instance in store.list("ecs.instance"):
        if instance["RegionId"] != region:
            continue
        for app in instance.get("java_apps", []):
            agent = app.get("agent")
            if not agent or agent.get("active_at", now + 1) > now:
                continue
            if agent["license_key"] not in my_keys:
                continue
            pid = _pid(account_id, instance["InstanceId"], app["service"])
            apps.append(
                _item(
                    store,
                    now,
                    account_id,
                    region,
                    pid,
                    agent["app_name"],
                    Source="ECS",
                    ClusterId="",
                    Namespace="",
                    WorkloadName=app["service"],
                    WorkloadKind="",
                    Language="java",
                    Labels=[f"instanceId={instance['InstanceId']}"],
                    Tags=[
                        {"Key": t["TagKey"], "Value": t["TagValue"]}
                        for t in instance.get("Tags", {}).get("Tag", [])
                    ],
                )
            )
    return apps


def _item(
    store: Store, now: float, account_id: str, region: str, pid: str, name: str, **fields: Any
) -> dict[str, Any]:
    seen_key = f"{account_id}/{pid}"
    first = store.get("arms.seen", seen_key)
    if first is None:
        first = {"CreateTime": int(now * 1000)}
        store.put("arms.seen", seen_key, first)
    return {
        "AppId": _app_id(pid),
        "Pid": pid,
        "AppName": name,
        "RegionId": region,
        "Type": "TRACE",
        "UserId": account_id,
        "CreateTime": first["CreateTime"],
        "UpdateTime": int(now * 1000),
        "Show": True,
        "ResourceGroupId": "",
        **fields,
    }
