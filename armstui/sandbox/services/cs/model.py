"""ACK clusters, their workloads and addons, with asynchronous installs and upgrades.

Records:
- ``cs.cluster`` ``<uid>/<cluster_id>``: the cluster, with ``workloads`` (namespace, name,
  kind, language, pod-template ``labels``);
- ``cs.addon``   ``<cluster_id>/<name>``: ``{name, version, config (JSON text), op}`` where
  ``op`` is the change in progress (``install|upgrade|modify|uninstall``, its task, when it
  ends and what it leaves);
- ``cs.task``    ``<task_id>``: the task behind an addon change.

A change takes a nominal time in simulated seconds (see ``Clock``). While it runs the addon
shows a state GetClusterAddonInstance documents (``active``, ``unhealthy``, ``upgrading``,
``updating``, ``deleting``, ``deleted``): ``upgrading``, ``updating`` (also while installing:
the current API documents no installing state, ``initial`` appears only on the deprecated
DescribeClusterAddonInstance page) or ``deleting``; the *old* version and config keep running,
so reporting does not stop during an upgrade or a config change. When its time is up the
change lands, lazily, on the next read (``settle``). A second change while one runs is refused
with ``ErrorAddonInProgress`` (409; the real code is not documented).

ack-onepilot's releases and config keys: versions are semver without a ``v``, the newest
published is 5.2.1. Cross-account reporting needs 3.0.14 or later and the keys ``accessKey``,
``accessKeySecret``, ``uid`` (the names the ARMS cross-account guide uses);
``replicaCount`` and ``logLevel`` are accepted too; any other key is refused. (Reporting into
another region is set with the environment variable ARMS_REPORT_REGION on onepilot's own
Deployment, ack-onepilot 3.3.0+, per ARMS "How do I report ACK cluster data across regions?":
not an addon config key.) From 5.1.1 the AccessKey pair is masked when the config is
read back (``masked_config``); the values set keep running.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from typing import Any

from armstui.sandbox.clock import Clock
from armstui.sandbox.errors import ApiError
from armstui.sandbox.records import AccountRecords
from armstui.sandbox.store import Store

ONEPILOT = "ack-onepilot"
ADDON_RELEASES: dict[str, list[str]] = {
    ONEPILOT: [
        "3.0.10",
        "3.0.12",
        "3.0.13",
        "3.0.14",
        "3.0.20",
        "3.2.0",
        "5.1.1",
        "5.1.2",
        "5.2.0",
        "5.2.1",
    ],
}
# The oldest cluster (Kubernetes) version each release installs on; releases not named: 1.20.
MINIMUM_CLUSTER_VERSION: dict[str, dict[str, str]] = {
    ONEPILOT: {"5.1.1": "1.22.0", "5.1.2": "1.22.0", "5.2.0": "1.24.0", "5.2.1": "1.24.0"},
}
MASKS_SECRETS_FROM = {ONEPILOT: (5, 1, 1)}
SECRET_CONFIG_KEYS = ("accessKey", "accessKeySecret")
MASK = "******"
# The Helm values onepilot accepts, as the config_schema ListAddons/DescribeAddon return
# (JSON Schema; the sandbox's model, see above). validate_config enforces it.
ADDON_CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    ONEPILOT: {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "accessKey": {
                "type": "string",
                "description": "AccessKey ID of a RAM user of the account to report into",
            },
            "accessKeySecret": {"type": "string", "description": "Its AccessKey secret"},
            "uid": {
                "type": "string",
                "pattern": "^[0-9]*$",
                "description": "The account ID to report into",
            },
            "replicaCount": {"type": "integer", "minimum": 1, "maximum": 10, "default": 2},
            "logLevel": {
                "type": "string",
                "enum": ["debug", "info", "warn", "error"],
                "default": "info",
            },
        },
    },
}
ADDON_CONFIG_KEYS: dict[str, set[str]] = {
    name: set(schema["properties"]) for name, schema in ADDON_CONFIG_SCHEMA.items()
}
NOMINAL_SECONDS = {"install": 60.0, "upgrade": 90.0, "modify": 20.0, "uninstall": 30.0}
TRANSITIONAL = {
    "install": "updating",
    "upgrade": "upgrading",
    "modify": "updating",
    "uninstall": "deleting",
}


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("-")[0].split(".") if p.isdigit())


def minimum_cluster_version(addon: str, version: str) -> str:
    return MINIMUM_CLUSTER_VERSION.get(addon, {}).get(version, "1.20.0")


def masked_config(addon: str, version: str, config_text: str) -> str:
    """The config as GetClusterAddonInstance reads it back: from ack-onepilot 5.1.1 the
    AccessKey pair is masked (a non-empty value reads as ``******``); ``uid`` stays readable."""
    threshold = MASKS_SECRETS_FROM.get(addon)
    if threshold is None or version_tuple(version) < threshold:
        return config_text
    try:
        config = json.loads(config_text or "{}")
    except json.JSONDecodeError:
        return config_text
    if not isinstance(config, dict):
        return config_text
    for key in SECRET_CONFIG_KEYS:
        if config.get(key):
            config[key] = MASK
    return json.dumps(config)


def new_id(prefix: str = "c", length: int = 32) -> str:
    return prefix + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length)
    )


def cluster_not_found(cluster_id: str) -> ApiError:
    return ApiError(404, "ErrorClusterNotFound", f"The cluster {cluster_id} was not found.")


def validate_config(addon: str, text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        raise ApiError(
            400, "InvalidParameter.Config", f"The config of {addon} is not valid JSON."
        ) from None
    if not isinstance(config, dict):
        raise ApiError(
            400, "InvalidParameter.Config", f"The config of {addon} must be a JSON object."
        )
    unknown = sorted(set(config) - ADDON_CONFIG_KEYS.get(addon, set(config)))
    if unknown:
        raise ApiError(
            400,
            "InvalidParameter.Config",
            f"Unknown config key(s) for {addon}: {', '.join(unknown)}.",
        )
    properties = ADDON_CONFIG_SCHEMA.get(addon, {}).get("properties", {})
    for key, value in config.items():
        why = _schema_violation(properties.get(key), value)
        if why:
            raise ApiError(400, "InvalidParameter.Config", f"Config key {key} of {addon}: {why}.")
    return config


def _schema_violation(rule: dict[str, Any] | None, value: Any) -> str | None:
    """Why ``value`` breaks ``rule`` (the JSON Schema subset our schemas use), or None."""
    if rule is None:
        return (
            None
            if isinstance(value, str | int) and not isinstance(value, bool)
            else "must be a string or number"
        )
    if rule["type"] == "string":
        if not isinstance(value, str):
            return "must be a string"
        if "pattern" in rule and not re.fullmatch(rule["pattern"].strip("^$"), value):
            return f"must match {rule['pattern']}"
    elif rule["type"] == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be an integer"
        if not rule.get("minimum", value) <= value <= rule.get("maximum", value):
            return f"must be between {rule['minimum']} and {rule['maximum']}"
    if "enum" in rule and value not in rule["enum"]:
        return f"must be one of {', '.join(rule['enum'])}"
    return None


class Clusters(AccountRecords):
    """The clusters one account owns."""

    kind = "cs.cluster"

    # --- clusters -------------------------------------------------------------------------

    def get(self, cluster_id: str) -> dict[str, Any]:
        cluster = self.owned(cluster_id)
        if cluster is None:
            raise cluster_not_found(cluster_id)
        return cluster

    # --- addons ----------------------------------------------------------------------------

    def addon(self, cluster_id: str, name: str) -> dict[str, Any] | None:
        """The addon after settling any change whose time is up; None if not installed."""
        self.get(cluster_id)
        return settle(self.store, self.clock, cluster_id, name)

    def addons(self, cluster_id: str) -> list[dict[str, Any]]:
        self.get(cluster_id)
        names = [a["name"] for a in self.store.list("cs.addon", f"{cluster_id}/")]
        return [a for a in (settle(self.store, self.clock, cluster_id, n) for n in names) if a]

    def _begin(self, cluster_id: str, name: str, kind: str, result: dict[str, Any]) -> str:
        """Record a change that lands after its nominal time; returns its task ID."""
        now = self.clock.sim_now()
        ends = now + NOMINAL_SECONDS[kind]
        task_id = new_id("T-", 24)
        self.store.put(
            "cs.task",
            task_id,
            {
                "task_id": task_id,
                "cluster_id": cluster_id,
                "task_type": f"cluster_addon_{kind}",
                "created": self.clock.iso(self.clock.present(now)),
                "ends_at": ends,
                "addon": name,
            },
        )
        addon = self.store.get("cs.addon", f"{cluster_id}/{name}") or {
            "name": name,
            "version": "",
            "config": "{}",
        }
        addon["op"] = {"kind": kind, "task_id": task_id, "ends_at": ends, "result": result}
        self.store.put("cs.addon", f"{cluster_id}/{name}", addon)
        return task_id

    def _busy(self, addon: dict[str, Any] | None, name: str) -> None:
        if addon and addon.get("op"):
            raise ApiError(
                409,
                "ErrorAddonInProgress",
                f"The addon {name} is being changed ({addon['op']['kind']}); wait for task {addon['op']['task_id']}.",
            )

    def install(
        self, cluster_id: str, name: str, version: str | None, config_text: str | None
    ) -> str:
        releases = ADDON_RELEASES.get(name)
        if releases is None:
            raise ApiError(400, "InvalidParameter.Addon", f"Unknown addon {name}.")
        current = self.addon(cluster_id, name)
        self._busy(self.store.get("cs.addon", f"{cluster_id}/{name}"), name)
        if current is not None:
            raise ApiError(
                409,
                "ErrorAddonAlreadyInstalled",
                f"The addon {name} is already installed in {cluster_id}.",
            )
        if not version:
            # The API reference and the SDK model mark each addon's version as required; the
            # real error code for leaving it out is not documented, this one names the field.
            raise ApiError(
                400,
                "MissingParameter.Version",
                f"The version of addon {name} is required (releases: {', '.join(releases)}).",
            )
        if version not in releases:
            raise ApiError(
                400,
                "InvalidParameter.Version",
                f"{name} has no release {version} (releases: {', '.join(releases)}).",
            )
        config = validate_config(name, config_text)
        return self._begin(
            cluster_id, name, "install", {"version": version, "config": json.dumps(config)}
        )

    def upgrade(
        self,
        cluster_id: str,
        name: str,
        version: str | None,
        next_version: str | None,
        config_text: str | None,
    ) -> str:
        current = self.addon(cluster_id, name)
        if current is None:
            raise ApiError(
                404, "ErrorAddonNotFound", f"The addon {name} is not installed in {cluster_id}."
            )
        self._busy(current, name)
        releases = ADDON_RELEASES[name]
        target = next_version or releases[-1]
        if target not in releases:
            raise ApiError(400, "InvalidParameter.NextVersion", f"{name} has no release {target}.")
        if version and version != current["version"]:
            raise ApiError(
                400,
                "InvalidParameter.Version",
                f"{name} is at {current['version']}, not {version}.",
            )
        if version_tuple(target) <= version_tuple(current["version"]):
            raise ApiError(
                400,
                "InvalidParameter.NextVersion",
                f"{target} is not newer than {current['version']}.",
            )
        config = (
            current["config"] if not config_text else json.dumps(validate_config(name, config_text))
        )
        return self._begin(cluster_id, name, "upgrade", {"version": target, "config": config})

    def modify(self, cluster_id: str, name: str, config_text: str | None) -> str:
        current = self.addon(cluster_id, name)
        if current is None:
            raise ApiError(
                404, "ErrorAddonNotFound", f"The addon {name} is not installed in {cluster_id}."
            )
        self._busy(current, name)
        config = validate_config(name, config_text)
        return self._begin(
            cluster_id,
            name,
            "modify",
            {"version": current["version"], "config": json.dumps(config)},
        )

    def uninstall(self, cluster_id: str, name: str) -> str:
        current = self.addon(cluster_id, name)
        if current is None:
            raise ApiError(
                404, "ErrorAddonNotFound", f"The addon {name} is not installed in {cluster_id}."
            )
        self._busy(current, name)
        return self._begin(cluster_id, name, "uninstall", {})

    def task(self, task_id: str) -> dict[str, Any]:
        task = self.store.get("cs.task", task_id)
        if task is None or self.owned(task["cluster_id"]) is None:
            raise ApiError(404, "ErrorTaskNotFound", f"The task {task_id} was not found.")
        settle(self.store, self.clock, task["cluster_id"], task["addon"])
        done = self.clock.sim_now() >= task["ends_at"]
        return {**task, "state": "success" if done else "running"}


def settle(
    store: Store, clock: Clock, cluster_id: str, name: str, at: float | None = None
) -> dict[str, Any] | None:
    """Land a change whose time is up at simulated time ``at`` (default: now); return the
    addon as it is then (None: not installed).

    The returned dict has ``state`` (transitional while a change runs) plus the version and
    config that *run* then."""
    key = f"{cluster_id}/{name}"
    addon = store.get("cs.addon", key)
    if addon is None:
        return None
    op = addon.get("op")
    if op and (clock.sim_now() if at is None else at) >= op["ends_at"]:
        if op["kind"] == "uninstall":
            store.delete("cs.addon", key)
            return None
        addon.update(
            {"version": op["result"]["version"], "config": op["result"]["config"], "op": None}
        )
        store.put("cs.addon", key, addon)
        op = None
    if op and op["kind"] == "install":
        return {**addon, "version": op["result"]["version"], "state": "updating", "running": False}
    state = TRANSITIONAL[op["kind"]] if op else "active"
    return {**addon, "state": state, "running": True}


def running_onepilot(
    store: Store, clock: Clock, cluster_id: str, at: float | None = None
) -> dict[str, Any] | None:
    """onepilot as it runs in the cluster at simulated time ``at`` (default: now; the old
    version/config during a change), or None."""
    addon = settle(store, clock, cluster_id, ONEPILOT, at)
    if addon is None or not addon["running"]:
        return None
    return {"version": addon["version"], "config": json.loads(addon["config"] or "{}")}
