"""Which applications report into which account, and the history ARMS keeps of it.

Who reports *now* is derived from the state (``reporters``); ``sync`` records it as reporting
intervals, because ARMS keeps an application listed after it stops reporting (the console
shows it with "no data") until someone deletes it. So ListTraceApps proves an application
reported once; only its data (SearchTracesByPage, QueryMetricByPage) shows whether it reports
now.

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
removed, onepilot uninstalled) the application's interval in X closes: it stays listed in X
with no new data (and, for ACK, reports into the cluster's own account from then on).

Regions: an ACK application's data lands in its cluster's region. The real way to send it
elsewhere is the environment variable ARMS_REPORT_REGION on onepilot's own Deployment
(ack-onepilot 3.3.0+; ARMS "How do I report ACK cluster data across regions?"), which no API
here can set, so the sandbox offers no way: a setting of that name in the addon config
changes nothing.

Tags (the sandbox's model): an ACK application carries its cluster's tags, an ECS
application its instance's tags, as ``[{Key, Value}]``; ListTraceApps' ``Tags.N.Key/Value``
keeps the applications that carry every pair asked for.
"""

from __future__ import annotations

import hashlib
import math
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
    return str(record["LicenseKey"])


def account_of_license(store: Store, key: str) -> str | None:
    return next(
        (r["AccountId"] for r in store.view("arms.license") if r["LicenseKey"] == key), None
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
        principal, _ = iam.authenticate(store, str(key_id), None, now)
    except ApiError:
        return None
    return uid if iam.is_allowed(store, principal, REPORT_ACTION) else None


def _pid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:10]}@{digest[10:25]}"


def app_id(pid: str) -> int:
    return int(hashlib.sha256(pid.encode()).hexdigest()[:12], 16)


Reporter = dict[str, Any]  # an application's ListTraceApps fields plus RegionId and key_id


def reporters(store: Store, clock: Clock, at: float) -> dict[str, Reporter]:
    """Every application that reports at simulated time ``at``, keyed ``<account>/<pid>``.

    ``key_id`` is the AccessKey onepilot reports with (a valid cross-account config), else
    None (onepilot in its own account, or an ECS agent with a license key)."""
    real = clock.now()
    out: dict[str, Reporter] = {}
    for cluster in store.view("cs.cluster"):
        onepilot = running_onepilot(store, clock, cluster["cluster_id"], at)
        if onepilot is None:
            continue
        config = onepilot["config"]
        cross = version_tuple(onepilot["version"]) >= MIN_CROSS_ACCOUNT and any(
            k in config for k in ("accessKey", "accessKeySecret", "uid")
        )
        target = cross_account_target(store, real, config) if cross else None
        account_id = target or cluster["account_id"]
        region = cluster["region_id"]
        for w in cluster.get("workloads", []):
            if w.get("labels", {}).get(LABEL_ENABLE) != "on":
                continue
            pid = _pid(account_id, cluster["cluster_id"], w["namespace"], w["name"])
            out[f"{account_id}/{pid}"] = {
                "Pid": pid,
                "AppName": w["labels"].get(LABEL_APP_NAME) or w["name"],
                "UserId": account_id,
                "RegionId": region,
                "Source": "ACK",
                "ClusterId": cluster["cluster_id"],
                "Namespace": w["namespace"],
                "WorkloadName": w["name"],
                "WorkloadKind": w.get("kind", "Deployment"),
                "Language": w.get("language", "java"),
                "Labels": [f"{k}={v}" for k, v in w["labels"].items()],
                "Tags": [{"Key": t["key"], "Value": t["value"]} for t in cluster.get("tags", [])],
                "key_id": config.get("accessKey") if target else None,
            }
    owners = {r["LicenseKey"]: r["AccountId"] for r in store.view("arms.license")}
    for instance in store.view("ecs.instance"):
        for app in instance.get("java_apps", []):
            agent = app.get("agent")
            if not agent or clock.sim_at(agent.get("active_at", float("inf"))) > at:
                continue
            account_id = owners.get(agent["license_key"])
            if account_id is None:
                continue
            pid = _pid(account_id, instance["InstanceId"], app["service"])
            out[f"{account_id}/{pid}"] = {
                "Pid": pid,
                "AppName": agent["app_name"],
                "UserId": account_id,
                "RegionId": instance["RegionId"],
                "Source": "ECS",
                "ClusterId": "",
                "Namespace": "",
                "WorkloadName": app["service"],
                "WorkloadKind": "",
                "Language": "java",
                "Labels": [f"instanceId={instance['InstanceId']}"],
                "Tags": [
                    {"Key": t["TagKey"], "Value": t["TagValue"]}
                    for t in instance.get("Tags", {}).get("Tag", [])
                ],
                "key_id": None,
            }
    return out


def _pending_changes(store: Store, clock: Clock, after: float, until: float) -> list[float]:
    """The simulated instants in (after, until] at which something starts or stops
    reporting by the passing of time alone: an addon change landing, a JVM (re)starting."""
    times = {
        a["op"]["ends_at"]
        for a in store.view("cs.addon")
        if a.get("op") and after < a["op"]["ends_at"] <= until
    }
    for instance in store.view("ecs.instance"):
        for app in instance.get("java_apps", []):
            agent = app.get("agent")
            if agent and "active_at" in agent:
                at = clock.sim_at(agent["active_at"])
                if after < at <= until:
                    times.add(at)
    return sorted(times)


def _next_changes(store: Store, clock: Clock, now: float) -> dict[str, float | None]:
    """When the passing of time alone next changes who reports: the earliest pending addon
    change (simulated seconds) and JVM (re)start (real seconds, as ECS keeps it)."""
    ends = [a["op"]["ends_at"] for a in store.view("cs.addon") if a.get("op")]
    starts = [
        app["agent"]["active_at"]
        for instance in store.view("ecs.instance")
        for app in instance.get("java_apps", [])
        if app.get("agent") and "active_at" in app["agent"]
    ]
    # A start is still to come when it lies after this sync's simulated now, not after the
    # real time read later: a JVM starting while the sync ran would otherwise be in neither
    # this sync nor the next one, and its application would never begin to report.
    return {
        "next_sim": min((t for t in ends if t > now), default=None),
        "next_real": min((t for t in starts if clock.sim_at(t) > now), default=None),
    }


def sync_if_due(store: Store, clock: Clock) -> None:
    """``sync`` when time alone may have changed who reports since the last one (cheap
    otherwise); changes made by requests are recorded when each request ends."""
    last = store.get("arms.sync", "last")
    if last is None:
        sync(store, clock)
        return
    next_sim, next_real = last.get("next_sim"), last.get("next_real")
    if (next_sim is not None and clock.sim_now() >= next_sim) or (
        next_real is not None and clock.now() >= next_real
    ):
        sync(store, clock)


def sync(store: Store, clock: Clock) -> None:
    """Bring every application's reporting intervals up to the simulated now.

    Reporting is derived from the state (keys, policies, addons, agents); this records its
    history, which the state alone forgets: each application once seen stays as an
    ``arms.app`` record ``<account>/<pid>`` with ``intervals`` ``[[start, end|None, key_id]]``
    in simulated seconds. Changes made by a request are recorded when it ends (the caller
    syncs before and after a mutating request); changes due to time alone land at their
    own instants."""
    now = clock.sim_now()
    last = store.get("arms.sync", "last")
    after = last["at"] if last else now
    for at in [*_pending_changes(store, clock, after, now), now]:
        _record(store, reporters(store, clock, at), at)
    store.put("arms.sync", "last", {"at": now, **_next_changes(store, clock, now)})


def _record(store: Store, current: dict[str, Reporter], at: float) -> None:
    for seen in store.view("arms.app"):
        key = f"{seen['UserId']}/{seen['Pid']}"
        open_interval = seen["intervals"][-1] if seen["intervals"][-1][1] is None else None
        reporter = current.get(key)
        if open_interval is None or (
            reporter is not None and reporter["key_id"] == open_interval[2]
        ):
            continue
        app = store.get("arms.app", key)  # a copy to change: the view is the store's own
        if app is not None:
            app["intervals"][-1][1] = at
            store.put("arms.app", key, app)
    for key, reporter in current.items():
        record = store.get("arms.app", key)
        key_id = reporter.pop("key_id")
        if record is None:
            record = {**reporter, "CreateTime": at, "intervals": []}
        else:
            record.update(reporter)
        if not record["intervals"] or record["intervals"][-1][1] is not None:
            record["intervals"].append([at, None, key_id])
            store.put("arms.app", key, record)
        elif record != store.get("arms.app", key):
            store.put("arms.app", key, record)


def last_sync(store: Store) -> float | None:
    record = store.get("arms.sync", "last")
    return record["at"] if record else None


# --- what ARMS answers ----------------------------------------------------------------------


def listed_apps(store: Store, clock: Clock, account_id: str, region: str) -> list[dict[str, Any]]:
    """Every application that ever reported into ``account_id`` in ``region``, in
    ListTraceApps' item shape; ``UpdateTime`` is its last report (now, while it reports)."""
    now = clock.sim_now()
    out = []
    for app in store.list("arms.app", f"{account_id}/"):
        if app["RegionId"] != region:
            continue
        last_report = app["intervals"][-1][1] or now
        item = {k: v for k, v in app.items() if k not in ("intervals", "CreateTime")}
        out.append(
            {
                **item,
                "AppId": app_id(app["Pid"]),
                "Type": "TRACE",
                "CreateTime": int(clock.present(app["CreateTime"]) * 1000),
                "UpdateTime": int(clock.present(last_report) * 1000),
                "Show": True,
                "ResourceGroupId": "",
            }
        )
    return out


POINT_SECONDS = 15  # one span (and one call in the metrics) per app every 15 simulated seconds


def report_times(app: dict[str, Any], start: float, end: float, now: float) -> list[float]:
    """The simulated instants in [start, end] at which ``app`` reported (a 15 s grid inside
    its reporting intervals, never after ``now``)."""
    times: list[float] = []
    for begin, stop, _ in app["intervals"]:
        low, high = max(begin, start), min(stop if stop is not None else now, end, now)
        t = math.ceil(low / POINT_SECONDS) * POINT_SECONDS
        while t <= high:
            times.append(float(t))
            t += POINT_SECONDS
    return times


def key_last_reported(store: Store, clock: Clock, key_id: str) -> float | None:
    """The simulated instant onepilot last reported with the AccessKey, or None."""
    now, last = clock.sim_now(), None
    for app in store.list("arms.app"):
        for _, stop, used in app["intervals"]:
            if used == key_id:
                at = stop if stop is not None else now
                last = at if last is None else max(last, at)
    return last


def reporting_apps(
    store: Store, clock: Clock, account_id: str, region: str
) -> list[dict[str, Any]]:
    """The applications that report into ``account_id`` in ``region`` right now (what a
    test or a benchmark checks the cloud against; ARMS itself lists more, see
    ``listed_apps``)."""
    sync(store, clock)
    return [
        {k: v for k, v in r.items() if k != "key_id"}
        for r in reporters(store, clock, clock.sim_now()).values()
        if r["UserId"] == account_id and r["RegionId"] == region
    ]
