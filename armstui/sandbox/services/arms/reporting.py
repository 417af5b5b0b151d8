"""Which applications report into which account at a simulated instant, derived from the state.

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

Regions: an ACK application's data lands in its cluster's region. The real way to send it
elsewhere is the environment variable ARMS_REPORT_REGION on onepilot's own Deployment
(ack-onepilot 3.3.0+; ARMS "How do I report ACK cluster data across regions?"), which no API
here can set, so the sandbox offers no way: a setting of that name in the addon config
changes nothing.

Tags (the sandbox's model): an ACK application carries its cluster's tags, an ECS
application its instance's tags, as ``[{Key, Value}]``.

:class:`Sources` answers the same as :func:`reporters` for one instant after another, deriving
a cluster's or an instance's applications again only when something they depend on changed.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import secrets
import string
from typing import Any

from armstui.sandbox import iam
from armstui.sandbox.clock import Clock
from armstui.sandbox.errors import ApiError
from armstui.sandbox.services.cs.model import ONEPILOT, running_onepilot, version_tuple
from armstui.sandbox.store import Store

MIN_CROSS_ACCOUNT = (3, 0, 14)
REPORT_ACTION = "arms:ReportData"
LABEL_ENABLE, LABEL_APP_NAME = "armsPilotAutoEnable", "armsPilotCreateAppName"
# The records that decide whether an AccessKey may report: RAM's (keys, users, policies and
# their attachments), except when each key was last used, which is no cause.
KEY_KINDS, KEY_USE_KIND = "ram.", "ram.keyuse"

Reporter = dict[str, Any]  # an application's ListTraceApps fields plus RegionId and key_id


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
    key = store.peek("ram.accesskey", key_id) if key_id else None
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


def cluster_reporters(
    store: Store, clock: Clock, cluster: dict[str, Any], at: float
) -> dict[str, Reporter]:
    """The applications of one ACK cluster that report at ``at``, keyed ``<account>/<pid>``.

    ``key_id`` is the AccessKey onepilot reports with (a valid cross-account config), else
    None (onepilot in its own account)."""
    onepilot = running_onepilot(store, clock, cluster["cluster_id"], at)
    if onepilot is None:
        return {}
    config = onepilot["config"]
    cross = version_tuple(onepilot["version"]) >= MIN_CROSS_ACCOUNT and any(
        k in config for k in ("accessKey", "accessKeySecret", "uid")
    )
    target = cross_account_target(store, clock.now(), config) if cross else None
    account_id = target or cluster["account_id"]
    out: dict[str, Reporter] = {}
    for w in cluster.get("workloads", []):
        if w.get("labels", {}).get(LABEL_ENABLE) != "on":
            continue
        pid = _pid(account_id, cluster["cluster_id"], w["namespace"], w["name"])
        out[f"{account_id}/{pid}"] = {
            "Pid": pid,
            "AppName": w["labels"].get(LABEL_APP_NAME) or w["name"],
            "UserId": account_id,
            "RegionId": cluster["region_id"],
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
    return out


def _agent_started(clock: Clock, app: dict[str, Any], at: float) -> bool:
    agent = app.get("agent")
    return agent is not None and clock.sim_at(agent.get("active_at", float("inf"))) <= at


def instance_reporters(
    owners: dict[str, str], clock: Clock, instance: dict[str, Any], at: float
) -> dict[str, Reporter]:
    """The Java applications of one ECS instance that report at ``at`` (``owners``: each
    license key's account)."""
    out: dict[str, Reporter] = {}
    for app in instance.get("java_apps", []):
        if not _agent_started(clock, app, at):
            continue
        agent = app["agent"]
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


def _owners(store: Store) -> dict[str, str]:
    return {r["LicenseKey"]: r["AccountId"] for r in store.view("arms.license")}


def reporters(store: Store, clock: Clock, at: float) -> dict[str, Reporter]:
    """Every application that reports at simulated time ``at``, keyed ``<account>/<pid>``
    (``key_id``: see :func:`cluster_reporters`); fresh dicts, derived from scratch."""
    out: dict[str, Reporter] = {}
    for cluster in store.view("cs.cluster"):
        out.update(cluster_reporters(store, clock, cluster, at))
    owners = _owners(store)
    for instance in store.view("ecs.instance"):
        out.update(instance_reporters(owners, clock, instance, at))
    return out


Part = tuple[str, str]  # (kind, key) of the record a part of the answer comes from
Change = tuple[dict[str, Reporter], dict[str, Reporter]]  # a part's applications: before, after


class Sources:
    """:func:`reporters` for one instant after another, told as changes: each cluster's and
    instance's applications (a *part*) are remembered with what they were derived from (the
    *basis*): the cluster's (instance's) record, its onepilot addon record and whether that
    addon's pending change has landed by the instant (which JVMs have started by it). A part
    is looked at again only when one of those records was written since the last call (the
    store's change log) or its pending change is due (a JVM waits to start), and derived
    again only when its basis changed. Everything is derived again when RAM's records (a
    key's validity) or the license keys changed, or when asked about an earlier instant than
    the last. The dicts handed out are shared and must not be changed."""

    def __init__(self) -> None:
        self._parts: dict[Part, tuple[tuple[Any, ...], dict[str, Reporter]]] = {}
        self._rank: dict[Part, tuple[int, int]] = {}  # clusters, then instances; store order
        self._due: list[tuple[float, Part]] = []  # (when a pending change lands, its cluster)
        self._starting: set[Part] = set()  # instances with a JVM not started yet
        self._cluster_of: dict[str, str] = {}  # cluster ID -> its cs.cluster key
        self._since, self._last_at, self._causes = -1, -math.inf, (-1, -1)

    def current(self) -> dict[str, Reporter]:
        """Every application that reports at the last instant asked about (as
        :func:`reporters` has them, in the same order)."""
        out: dict[str, Reporter] = {}
        for part in sorted(self._parts, key=self._rank.__getitem__):
            out.update(self._parts[part][1])
        return out

    def at(self, store: Store, clock: Clock, at: float) -> list[Change] | None:
        """Bring the parts to instant ``at``: the changed ones as (before, after), in the
        order :func:`reporters` has them; None when everything was derived again (see
        :meth:`current`)."""
        since, self._since = self._since, store.sequence()
        causes = (
            store.generation(KEY_KINDS, exclude=(KEY_USE_KIND,)),
            store.generation("arms.license"),
        )
        everything = since < 0 or causes != self._causes or at < self._last_at
        self._causes, self._last_at = causes, at
        if everything:
            self._derive_all(store, clock, at)
            return None
        stale = self._changed(store, since) | self._starting
        while self._due and self._due[0][0] <= at:
            stale.add(heapq.heappop(self._due)[1])
        changes = []
        owners: dict[str, str] | None = None
        for part in sorted(stale, key=self._ranked):
            before = self._parts.get(part, (None, {}))[1]
            doc = store.peek(*part)
            if doc is None:  # deleted
                self._parts.pop(part, None)
                self._starting.discard(part)
            elif part[0] == "cs.cluster":
                self._cluster(store, clock, part, doc, at)
            else:
                owners = _owners(store) if owners is None else owners
                self._instance(store, clock, part, doc, at, owners)
            after = self._parts.get(part, (None, {}))[1]
            if after is not before:
                changes.append((before, after))
        return changes

    def _ranked(self, part: Part) -> tuple[int, int]:
        if part not in self._rank:  # new: last in the store's order
            self._rank[part] = (0 if part[0] == "cs.cluster" else 1, len(self._rank))
        return self._rank[part]

    def _derive_all(self, store: Store, clock: Clock, at: float) -> None:
        self._parts.clear()
        self._rank.clear()
        self._due.clear()
        self._starting.clear()
        self._cluster_of.clear()
        for key, cluster in store.view_items("cs.cluster"):
            self._ranked(("cs.cluster", key))
            self._cluster(store, clock, ("cs.cluster", key), cluster, at)
        owners = _owners(store)
        for key, instance in store.view_items("ecs.instance"):
            self._ranked(("ecs.instance", key))
            self._instance(store, clock, ("ecs.instance", key), instance, at, owners)

    def _changed(self, store: Store, since: int) -> set[Part]:
        changed = {("cs.cluster", k) for k in store.changed_since("cs.cluster", since)}
        changed |= {("ecs.instance", k) for k in store.changed_since("ecs.instance", since)}
        for key in store.changed_since("cs.addon", since):
            cluster_id, _, name = key.partition("/")
            if name == ONEPILOT and cluster_id in self._cluster_of:
                changed.add(("cs.cluster", self._cluster_of[cluster_id]))
        return changed

    def _cluster(
        self, store: Store, clock: Clock, part: Part, cluster: dict[str, Any], at: float
    ) -> None:
        self._cluster_of[cluster["cluster_id"]] = part[1]
        basis, _ = self._cluster_basis(store, part[1], cluster, at)
        cached = self._parts.get(part)
        if cached is None or cached[0] != basis:
            apps = cluster_reporters(store, clock, cluster, at)
            # deriving may have landed the addon's change: remember the record it left
            basis, _ = self._cluster_basis(store, part[1], cluster, at)
            self._parts[part] = (basis, apps)
        _, lands = self._cluster_basis(store, part[1], cluster, at)
        if lands is not None:
            heapq.heappush(self._due, (lands, part))

    @staticmethod
    def _cluster_basis(
        store: Store, key: str, cluster: dict[str, Any], at: float
    ) -> tuple[tuple[Any, ...], float | None]:
        """The basis, and when onepilot's pending change lands (None: none pending)."""
        addon_key = f"{cluster['cluster_id']}/{ONEPILOT}"
        addon = store.peek("cs.addon", addon_key)
        op = addon.get("op") if addon else None
        landed = op is not None and at >= op["ends_at"]
        basis = (store.stamp("cs.cluster", key), store.stamp("cs.addon", addon_key), landed)
        return basis, (op["ends_at"] if op is not None else None)

    def _instance(
        self,
        store: Store,
        clock: Clock,
        part: Part,
        instance: dict[str, Any],
        at: float,
        owners: dict[str, str],
    ) -> None:
        apps = instance.get("java_apps", [])
        started = tuple(_agent_started(clock, a, at) for a in apps)
        basis = (store.stamp(*part), started)
        cached = self._parts.get(part)
        if cached is None or cached[0] != basis:
            self._parts[part] = (basis, instance_reporters(owners, clock, instance, at))
        if any("active_at" in (a.get("agent") or {}) for a, s in zip(apps, started) if not s):
            self._starting.add(part)
        else:
            self._starting.discard(part)


def pending_changes(store: Store, clock: Clock, after: float, until: float) -> list[float]:
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


def next_changes(store: Store, clock: Clock, now: float) -> dict[str, float | None]:
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
