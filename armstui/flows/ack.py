"""The ACK flow: B's ACK clusters report into A through ack-onepilot and A's AccessKey.

Steps:
1. in A, RAM user ``armstui-reporter`` with ``AliyunARMSFullAccess`` and
   ``AliyunSTSAssumeRoleAccess``;
2. its AccessKey, created once; the secret goes to the vault before anything else happens
   (CreateAccessKey is the one call whose result cannot be read again);
3. in each of B's clusters, ``ack-onepilot`` at 3.0.14 or later (installed if missing,
   upgraded if older, at a release DescribeAddon offers), then its config ``accessKey``/
   ``accessKeySecret``/``uid`` merged into what is already there;
4. proof: A holds recent data from every application of that cluster.

A source with no cluster in the region gets a ``skipped`` row naming the region.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from armstui.cloud import cs, ram
from armstui.flows.context import FlowContext
from armstui.flows.facts import AccessKeys, Addon, AppsReporting
from armstui.flows.ram_steps import (
    AttachedPolicies,
    UserExists,
    access_steps,
    attached_or_none,
)
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, NothingToSetUp, Observation, Step
from armstui.model import short_key_id

ONEPILOT = "ack-onepilot"
MIN_ONEPILOT = (3, 0, 14)
MIN_VERSION_TEXT = "3.0.14"
CROSS_ACCOUNT_KEYS = ("accessKey", "accessKeySecret", "uid")
# A cluster outside A's ARMS region reports there with this setting (ack-onepilot 3.3.0+):
# written where the addon's schema declares it, else set by hand on onepilot's Deployment.
REPORT_REGION_KEY = "ARMS_REPORT_REGION"
MIN_REPORT_REGION_ONEPILOT = (3, 3, 0)
REPORTER_POLICIES = [("System", "AliyunARMSFullAccess"), ("System", "AliyunSTSAssumeRoleAccess")]
TRANSITIONAL_STATES = {"initial", "installing", "upgrading", "updating", "modifying", "deleting"}
ARMS_LABELS = 'armsPilotAutoEnable: "on" and armsPilotCreateAppName: "<app name>"'


parse_version = cs.parse_version  # "3.0.14" -> (3, 0, 14)


def reporter_vault_name(uid: str, user: str, key_id: str) -> str:
    return f"reporter/{uid}/{user}/{key_id}"


def created_key(user: str, before: Observation | None, after: Observation | None) -> list[Managed]:
    """The AccessKey a key step created: its ID is known only once it exists (``after``);
    making a held key active again creates nothing."""
    keys_before = before.fact_of(AccessKeys) if before else None
    keys_after = after.fact_of(AccessKeys) if after else None
    if keys_after is None or keys_after.key_id is None or (keys_before and keys_before.activate):
        return []
    return [Managed("access-key", f"{user}:{keys_after.key_id}")]


class ReporterKey(Step):
    """An active AccessKey of the reporting user whose secret the vault holds."""

    def __init__(self, setup: Setup, monitoring_uid: str, depends_on: tuple[str, ...]) -> None:
        super().__init__(
            id=f"ack/{setup.monitoring}/user/{setup.reporter_user}/key",
            title=f"AccessKey of {setup.reporter_user}, secret in the vault",
            flow="ack",
            account=setup.monitoring,
            depends_on=depends_on,
        )
        self.user = setup.reporter_user
        self.uid = monitoring_uid
        self.replace_orphan = setup.replace_orphan_key

    async def observe(self, ctx: FlowContext) -> Observation:
        keys = await attached_or_none(ram.list_access_keys(ctx.session(self.account), self.user))
        held: list[Any] = []
        orphans: list[Any] = []
        for key in keys:
            secret = await ctx.read_secret(
                reporter_vault_name(self.uid, self.user, key.access_key_id)
            )
            (held if secret else orphans).append(key)
        orphan_note = (
            (
                f"; {len(orphans)} orphan key(s) whose secret armstui never stored (an "
                "interrupted run, or made outside armstui): "
                + ", ".join(k.access_key_id for k in orphans)
                + (
                    " — left alone; teardown deletes them with the user it created"
                    if len(orphans) < 2 or self.replace_orphan
                    else ""
                )
            )
            if orphans
            else ""
        )
        active = [k for k in held if k.status == "Active"]
        if active:
            return Observation(
                True,
                f"key {short_key_id(active[0].access_key_id)} is active and in the vault{orphan_note}",
                fact=AccessKeys(
                    key_id=active[0].access_key_id,
                    orphans=tuple(k.access_key_id for k in orphans),
                ),
            )
        if held:
            return Observation(
                False,
                f"key {short_key_id(held[0].access_key_id)} is in the vault but inactive{orphan_note}",
                fact=AccessKeys(activate=held[0].access_key_id),
            )
        if len(keys) >= 2 and not self.replace_orphan:
            return Observation(
                False,
                f"{self.user} has two orphan keys (armstui holds neither secret)",
                needs_you=(
                    f"{self.user} in {self.account} already has the maximum of two AccessKeys "
                    f"({', '.join(k.access_key_id for k in orphans)}) and armstui holds neither secret. "
                    "Run again with --replace-orphan-key to delete the oldest and create a new one, "
                    "or delete one in the RAM console."
                ),
            )
        return Observation(
            False,
            "no key whose secret armstui holds" + orphan_note,
            fact=AccessKeys(orphans=tuple(k.access_key_id for k in orphans)),
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        keys = seen.fact_of(AccessKeys) or AccessKeys()
        if keys.activate:
            await ram.update_access_key(session, self.user, keys.activate, "Active")
            return
        orphans = keys.orphans
        if len(orphans) >= 2:  # only reached when the operator allowed the replacement
            await ram.delete_access_key(session, self.user, orphans[0])
        new = await ram.create_access_key(session, self.user)
        # The secret exists only in this answer: keep it before anything else can fail.
        await ctx.store_secret(
            reporter_vault_name(self.uid, self.user, new.access_key_id), new.secret
        )

    def planned_calls(self, seen: Observation | None) -> list[str]:
        keys = (seen.fact_of(AccessKeys) if seen else None) or AccessKeys()
        if keys.activate:
            return [f"Ram.UpdateAccessKey ({keys.activate} -> Active)"]
        calls = []
        if len(keys.orphans) >= 2:
            calls.append(
                f"Ram.DeleteAccessKey ({keys.orphans[0]}, an orphan: armstui never stored its secret)"
            )
        return calls + [f"Ram.CreateAccessKey ({self.user}; the secret goes to the vault)"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return created_key(self.user, before, after)


class OnepilotRunning(Step):
    """ack-onepilot is installed at 3.0.14 or later and active.

    The release comes from DescribeAddon for this cluster: the operator's version, else the
    newest release the cluster may have (``newer_versions[].upgradable``) that is at least
    3.0.14. InstallClusterAddons is always sent a version; an upgrade never asks for the
    version already there."""

    settle_timeout = 900.0
    poll_interval = 5.0

    def __init__(self, setup: Setup, source: str, cluster_id: str, cluster_name: str) -> None:
        super().__init__(
            id=f"ack/{source}/{cluster_id}/onepilot",
            title=f"ack-onepilot >= 3.0.14 in {cluster_name}",
            flow="ack",
            account=source,
        )
        self.cluster_id = cluster_id
        self.wanted = setup.onepilot_version

    async def _target(self, ctx: FlowContext, installed: str | None) -> str | None:
        """The release to install or upgrade to, or None when this cluster may have none."""
        release = await cs.describe_addon(
            ctx.session(self.account), ONEPILOT, self.cluster_id, installed or MIN_VERSION_TEXT
        )
        offered = [v for v in release.upgradable if parse_version(v) >= MIN_ONEPILOT]
        if installed is None and parse_version(release.version) >= MIN_ONEPILOT:
            offered.append(release.version)  # installing the release described is no upgrade
        if self.wanted:
            return self.wanted if self.wanted in offered else None
        return max(offered, key=parse_version, default=None)

    async def observe(self, ctx: FlowContext) -> Observation:
        addon = await cs.get_cluster_addon(ctx.session(self.account), self.cluster_id, ONEPILOT)
        if addon is not None and addon.state in TRANSITIONAL_STATES:
            return Observation(
                False, f"ack-onepilot {addon.version} is {addon.state}", pending=True
            )
        if addon is None or parse_version(addon.version) < MIN_ONEPILOT:
            installed = addon.version if addon is not None else None
            target = await self._target(ctx, installed)
            now = "is not installed" if addon is None else f"{addon.version} is older than 3.0.14"
            if target is None or (installed and parse_version(target) <= parse_version(installed)):
                which = f"release {self.wanted}" if self.wanted else "release >= 3.0.14"
                return Observation(
                    False,
                    f"ack-onepilot {now}, and no {which} is offered for this cluster",
                    needs_you=(
                        f"DescribeAddon offers cluster {self.cluster_id} no ack-onepilot {which} "
                        "it can install (the cluster's Kubernetes version may be too old): "
                        "upgrade the cluster, or pick an offered release with --onepilot-version."
                    ),
                )
            action: Literal["install", "upgrade"] = "install" if addon is None else "upgrade"
            return Observation(
                False,
                f"ack-onepilot {now} (cannot report across accounts)",
                fact=Addon(action, installed, target),
            )
        if addon.state != "active":
            return Observation(
                False,
                f"ack-onepilot {addon.version} is {addon.state}",
                needs_you=f"ack-onepilot in cluster {self.cluster_id} is {addon.state}: check it in the ACK console.",
            )
        return Observation(
            True, f"ack-onepilot {addon.version} is active", fact=Addon(version=addon.version)
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        addon = seen.fact_of(Addon)
        if addon is None or addon.target is None:
            raise RuntimeError("no ack-onepilot release chosen")
        if addon.action == "upgrade" and addon.version:
            self.expected_seconds = 90.0  # an onepilot upgrade takes a minute or two
            await cs.upgrade_addon(session, self.cluster_id, ONEPILOT, addon.version, addon.target)
        else:
            self.expected_seconds = 60.0
            await cs.install_addon(session, self.cluster_id, ONEPILOT, addon.target)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        addon = seen.fact_of(Addon) if seen else None
        target = addon.target if addon and addon.target else "the newest offered release"
        if addon and addon.action == "upgrade":
            return [
                f"CS.UpgradeClusterAddons (ack-onepilot {addon.version} -> {target}, in {self.cluster_id}; takes minutes)"
            ]
        return [f"CS.InstallClusterAddons (ack-onepilot {target}, in {self.cluster_id})"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        addon = before.fact_of(Addon) if before else Addon("install")
        return (
            [Managed("onepilot-addon", self.cluster_id)]
            if addon and addon.action == "install"
            else []
        )


def is_masked(value: Any) -> bool:
    """onepilot 5.1.1+ reads a set AccessKey value back as asterisks."""
    return isinstance(value, str) and len(value) > 0 and set(value) == {"*"}


def missing_schema_keys(config_keys: frozenset[str] | None) -> list[str]:
    """The cross-account keys the addon's config_schema lacks (none when it has no schema)."""
    if config_keys is None:
        return []
    return [k for k in CROSS_ACCOUNT_KEYS if k not in config_keys]


def clock_time(epoch: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(epoch))


class OnepilotConfig(Step):
    """onepilot's config holds A's reporting key and A's uid; other keys are kept.

    ``uid`` is compared as read back. The AccessKey pair is compared as read back only where
    onepilot shows it; from 5.1.1 it is masked, and it is proven by effect instead: the key
    RAM last saw in use after the config was written (in a run that wrote it), or in use
    within the data window (a run that finds it in place). The reporting proof that follows
    shows the cluster's own data."""

    settle_timeout = 600.0
    expected_seconds = 20.0  # onepilot restarts with the new config
    use_timeout = 300.0  # nominal seconds for the key to show use after a write

    def __init__(
        self,
        setup: Setup,
        source: str,
        cluster_id: str,
        title: str,
        monitoring_uid: str,
        key_step: str,
        depends_on: tuple[str, ...],
        flow: str = "ack",
        trust_recent_use: bool = True,
    ) -> None:
        """``key_step`` observes the key to write (its AccessKeys fact); ``flow``: the flow or
        run (a rotation) the step belongs to. ``trust_recent_use``: a masked config whose key
        is in use holds without a write in this run (a rotation says no: the new key's use
        may come from another cluster)."""
        super().__init__(
            id=f"{flow}/{source}/{cluster_id}/onepilot-config",
            title=title,
            flow=flow,
            account=source,
            depends_on=depends_on,
        )
        self.cluster_id = cluster_id
        self.monitoring = setup.monitoring
        self.monitoring_uid = monitoring_uid
        self.user = setup.reporter_user
        self.key_step = key_step
        self.window_minutes = setup.data_window_minutes
        self.trust_recent_use = trust_recent_use
        self.written_at: float | None = None  # epoch seconds of this run's write
        self._written_mono = 0.0

    async def _wanted(self, ctx: FlowContext) -> tuple[str | None, str | None]:
        keys = ctx.fact(self.key_step, AccessKeys)
        key_id = keys.key_id if keys else None
        secret = (
            await ctx.read_secret(reporter_vault_name(self.monitoring_uid, self.user, key_id))
            if key_id
            else None
        )
        return key_id, secret

    async def observe(self, ctx: FlowContext) -> Observation:
        session = ctx.session(self.account)
        addon = await cs.get_cluster_addon(session, self.cluster_id, ONEPILOT)
        if addon is None:
            return Observation(False, "ack-onepilot is not installed")
        if addon.state in TRANSITIONAL_STATES:
            return Observation(False, f"ack-onepilot config is {addon.state}", pending=True)
        release = await cs.describe_addon(session, ONEPILOT, self.cluster_id)
        lacking = missing_schema_keys(release.config_keys)
        if lacking:
            has = ", ".join(sorted(release.config_keys or ())) or "none"
            return Observation(
                False,
                f"ack-onepilot {addon.version}'s config_schema has no {', '.join(lacking)}",
                needs_you=(
                    f"ack-onepilot {addon.version} in cluster {self.cluster_id} does not take "
                    f"the cross-account keys ({', '.join(lacking)} missing; its schema has: "
                    f"{has}). Nothing was written: check the ARMS cross-account guide for the "
                    "keys this release uses."
                ),
            )
        key_id, secret = await self._wanted(ctx)
        config = addon.config or {}
        wrong = []
        if str(config.get("uid", "")) != self.monitoring_uid:
            wrong.append("uid")
        report_region = self._report_region(ctx)
        if report_region is not None and REPORT_REGION_KEY in (release.config_keys or ()):
            if config.get(REPORT_REGION_KEY) != report_region:
                wrong.append(REPORT_REGION_KEY)
        masked = is_masked(config.get("accessKey")) or is_masked(config.get("accessKeySecret"))
        if not masked:
            if config.get("accessKey") != key_id:
                wrong.append("accessKey")
            if secret is None or config.get("accessKeySecret") != secret:
                wrong.append("accessKeySecret")
        if wrong:
            return Observation(False, f"config differs in: {', '.join(wrong)}")
        if report_region is not None and REPORT_REGION_KEY not in (release.config_keys or ()):
            # the keys are in place; where the data goes is the operator's to set
            return self._report_region_by_hand(ctx, addon.version, report_region)
        if not masked:
            return Observation(True, f"config holds key {key_id} and uid {self.monitoring_uid}")
        return await self._proven_by_use(ctx, key_id, addon.version)

    def _report_region_by_hand(
        self, ctx: FlowContext, version: str, report_region: str
    ) -> Observation:
        """A cluster outside A's ARMS region reports there only through the environment
        variable ARMS_REPORT_REGION of onepilot's own Deployment (ack-onepilot 3.3.0+; ARMS
        "How do I report ACK cluster data across regions?"): not an addon setting this API
        can write, so the operator sets it."""
        upgrade = (
            f"upgrade ack-onepilot to 3.3.0 or later (it runs {version}; --onepilot-version), "
            if cs.parse_version(version) < MIN_REPORT_REGION_ONEPILOT
            else ""
        )
        return Observation(
            False,
            f"the cluster is in {ctx.session(self.account).region}, A's ARMS in {report_region}",
            needs_you=(
                f"Cluster {self.cluster_id} runs outside A's ARMS region {report_region}: "
                f"{upgrade}add the environment variable ARMS_REPORT_REGION={report_region} to "
                "the Deployment ack-onepilot-ack-onepilot in namespace ack-onepilot, restart the "
                "applications, then run again."
            ),
        )

    def _report_region(self, ctx: FlowContext) -> str | None:
        """A's ARMS region when the cluster runs in another one (onepilot then reports
        there through ARMS_REPORT_REGION); None when they are the same."""
        home = ctx.session(self.monitoring).region
        return home if ctx.session(self.account).region != home else None

    async def _proven_by_use(
        self, ctx: FlowContext, key_id: str | None, version: str
    ) -> Observation:
        if not key_id:
            return Observation(False, "no reporting key to look for")
        used = await ctx.key_last_used(self.monitoring, self.user, key_id)
        seen = f"last used {clock_time(used)}" if used else "never used"
        if self.written_at is not None:
            # RAM answers whole seconds: use in the second of the write counts.
            if used is not None and used >= int(self.written_at):
                return Observation(
                    True,
                    f"uid {self.monitoring_uid} in place; key {key_id} (masked by onepilot "
                    f"{version}) used since the config was written: {seen}",
                )
            if ctx.nominal_since(self._written_mono) < self.use_timeout:
                return Observation(
                    False,
                    f"config written at {clock_time(self.written_at)}; waiting for onepilot "
                    f"to use key {key_id} ({seen})",
                    pending=True,
                )
            return Observation(
                False,
                f"key {key_id} not used since the config was written at "
                f"{clock_time(self.written_at)} ({seen})",
                needs_you=(
                    f"onepilot in cluster {self.cluster_id} has not used key {key_id} since its "
                    f"config was written at {clock_time(self.written_at)}. Check that "
                    f"workloads carry the labels {ARMS_LABELS}, restart their pods, and read "
                    "the logs of onepilot (namespace ack-onepilot); then run verify."
                ),
            )
        window_start = time.time() - self.window_minutes * 60
        if self.trust_recent_use and used is not None and used >= window_start:
            return Observation(
                True,
                f"uid {self.monitoring_uid} in place; key {key_id} (masked by onepilot "
                f"{version}) in use: {seen}",
            )
        if self.trust_recent_use and used is not None and await self._sends_data(ctx):
            # How soon RAM dates a key's use is not documented: data from this cluster in A
            # shows its config works, and the key was used.
            return Observation(
                True,
                f"uid {self.monitoring_uid} in place; key {key_id} (masked by onepilot "
                f"{version}) {seen}, and this cluster's apps send data into {self.monitoring}",
            )
        return Observation(
            False,
            f"onepilot {version} masks the AccessKey pair and key {key_id} is {seen}: "
            "cannot tell it is the one in place",
        )

    async def _sends_data(self, ctx: FlowContext) -> bool:
        apps = [a for a in await ctx.trace_apps(self.monitoring) if a.cluster_id == self.cluster_id]
        windows = await asyncio.gather(
            *(ctx.recent_data(self.monitoring, a.pid, self.window_minutes) for a in apps)
        )
        return any(w.reporting for w in windows)

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        addon = await cs.get_cluster_addon(session, self.cluster_id, ONEPILOT)
        key_id, secret = await self._wanted(ctx)
        if addon is None or not key_id or secret is None:
            raise RuntimeError("the reporting key or ack-onepilot is not in place")
        # Keep every setting already there, except masked values (they read back as
        # asterisks and would be written as such); the pair is written in full below.
        merged = {k: v for k, v in (addon.config or {}).items() if not is_masked(v)}
        merged.update({"accessKey": key_id, "accessKeySecret": secret, "uid": self.monitoring_uid})
        report_region = self._report_region(ctx)
        release = await cs.describe_addon(session, ONEPILOT, self.cluster_id)
        if report_region is not None and REPORT_REGION_KEY in (release.config_keys or ()):
            merged[REPORT_REGION_KEY] = report_region
        self.written_at = time.time()
        self._written_mono = time.monotonic()
        await cs.modify_addon_config(session, self.cluster_id, ONEPILOT, merged)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [
            f"CS.ModifyClusterAddon (ack-onepilot config in {self.cluster_id}: accessKey, accessKeySecret, uid={self.monitoring_uid}; other settings kept)"
        ]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [Managed("onepilot-config", self.cluster_id)]


class ClusterReports(Step):
    """Proof: A holds data from every application of this cluster in the recent window.

    ARMS keeps an application listed after it stops, so the listing only says which apps to
    ask about; each one's data (SearchTracesByPage) says whether it reports now. Right after
    a config change the first data is awaited until a deadline."""

    settle_timeout = 600.0  # a backstop: the step's own deadline is first_data_timeout
    poll_interval = 15.0
    first_data_timeout = 300.0  # nominal seconds after a change for the first data
    observe_when_blocked = True
    look_back_hours = 24  # how far back a silent app's last data is looked for

    def __init__(
        self,
        setup: Setup,
        source: str,
        cluster_id: str,
        cluster_name: str,
        config_step: str,
        flow: str = "ack",
        force: bool = False,
        since_change: bool = False,
    ) -> None:
        """``force`` (a forced rotation): a silent cluster is let through, saying the risk.
        ``since_change`` (a rotation): only data sent after this run's config change counts;
        data in the window may have been sent with the key being replaced."""
        super().__init__(
            id=f"{flow}/{source}/{cluster_id}/reports",
            title=f"apps of {cluster_name} report into {setup.monitoring}",
            flow=flow,
            account=source,
            depends_on=(config_step,),
        )
        self.cluster_id = cluster_id
        self.cluster_name = cluster_name
        self.monitoring = setup.monitoring
        self.window_minutes = setup.data_window_minutes
        self.force = force
        self.since_change = since_change
        self._looked = False

    def _waiting_until(self, ctx: FlowContext) -> float | None:
        """While the first data after this run's change may still come: the deadline."""
        changed = ctx.applied_at.get(self.depends_on[0], ctx.resumed_at)
        if changed is None:
            return None
        left = self.first_data_timeout - ctx.nominal_since(changed)
        return time.time() + left / ctx.time_scale if left > 0 else None

    async def observe(self, ctx: FlowContext) -> Observation:
        newer_than = (
            time.monotonic() if self._looked else ctx.applied_at.get(self.depends_on[0], 0.0)
        )
        self._looked = True
        apps = [
            a
            for a in await ctx.trace_apps(self.monitoring, newer_than=newer_than)
            if a.cluster_id == self.cluster_id
        ]
        deadline = self._waiting_until(ctx)
        if not apps:
            if deadline is not None:
                return Observation(
                    False,
                    f"waiting for the first data from {self.cluster_name} "
                    f"(until {clock_time(deadline)})",
                    pending=True,
                )
            return self._silent(
                f"no application of {self.cluster_name} has reported into {self.monitoring}",
                f"No workload of cluster {self.cluster_id} reports into {self.monitoring}. Add "
                f"the labels {ARMS_LABELS} to the pod template of each Java workload to "
                "monitor, restart its pods, then run verify.",
            )
        changed = ctx.applied_at.get(self.depends_on[0])
        if self.since_change and changed is not None:
            # Nominal seconds: the sandbox shows an instant d simulated seconds ago as d
            # seconds before the real now (time_scale is 1 on the real cloud).
            since = time.time() - ctx.nominal_since(changed)
            windows = await asyncio.gather(
                *(ctx.data_since(self.monitoring, a.pid, since) for a in apps)
            )
            when = f"since the change at {clock_time(since)}"
        else:
            windows = await asyncio.gather(
                *(ctx.recent_data(self.monitoring, a.pid, self.window_minutes) for a in apps)
            )
            when = f"in the last {self.window_minutes} min"
        silent = [a for a, w in zip(apps, windows) if not w.reporting]
        names = ", ".join(sorted(a.app_name for a in apps))
        if not silent:
            return Observation(
                True,
                f"{len(apps)} app(s) sent data into {self.monitoring} {when}: {names}",
                fact=AppsReporting(tuple(a.app_name for a in apps)),
            )
        if deadline is not None:
            return Observation(
                False,
                f"{len(apps) - len(silent)} of {len(apps)} app(s) sending data; waiting for "
                f"{', '.join(sorted(a.app_name for a in silent))} (until {clock_time(deadline)})",
                pending=True,
            )
        look_from = time.time() - self.look_back_hours * 3600
        history = await asyncio.gather(
            *(ctx.data_since(self.monitoring, a.pid, look_from) for a in silent)
        )
        lasts = []
        for app, past in zip(silent, history):
            last = (
                f"last data {clock_time(past.newest_ms / 1000)}"
                if past.newest_ms
                else f"no data in {self.look_back_hours} h"
            )
            lasts.append(f"{app.app_name} ({last})")
        return self._silent(
            f"stopped: no data {when} from {', '.join(lasts)}",
            f"Cluster {self.cluster_name} ({self.cluster_id}): {', '.join(lasts)} listed in "
            f"{self.monitoring}'s ARMS but sent no data {when}. Check that the reporting key is active, that the pod templates carry "
            f"{ARMS_LABELS}, restart the pods after a onepilot config change (kubectl rollout "
            "restart), and read onepilot's logs (namespace ack-onepilot). An app whose "
            "workload was removed stays listed: delete it in the ARMS console.",
        )

    def _silent(self, detail: str, what_to_do: str) -> Observation:
        if self.force:
            return Observation(
                True,
                f"FORCED past a silent cluster ({detail}); if it still reports with the old key, "
                "deleting that key cuts it off",
            )
        return Observation(False, detail, needs_you=what_to_do)


async def build_steps(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    """The ACK flow's steps. Lists B's clusters first (read-only) so each gets its own steps."""
    a = setup.monitoring
    user = UserExists("ack", a, setup.reporter_user, "reporting")
    policies = AttachedPolicies(
        "ack", a, "user", setup.reporter_user, REPORTER_POLICIES, (user.id,)
    )
    key = ReporterKey(setup, uids[a], (user.id, policies.id))
    steps: list[Step] = [user, policies, key]
    listings = await asyncio.gather(
        *(cs.describe_clusters(ctx.session(source)) for source in setup.sources)
    )
    for source, clusters in zip(setup.sources, listings):
        if setup.clusters:
            clusters = [c for c in clusters if c.cluster_id in setup.clusters]
        if not clusters:
            which = f"none of {', '.join(setup.clusters)}" if setup.clusters else "no ACK cluster"
            where = f"{which} in {source}, region {ctx.session(source).region}"
            steps.append(
                NothingToSetUp("ack", source, "no-clusters", f"ACK clusters of {source}", where)
            )
        for cluster in clusters:
            running = OnepilotRunning(setup, source, cluster.cluster_id, cluster.name)
            config = OnepilotConfig(
                setup,
                source,
                cluster.cluster_id,
                f"onepilot in {cluster.name} reports with A's key",
                uids[a],
                key.id,
                (key.id, running.id),
            )
            steps += [
                running,
                config,
                ClusterReports(setup, source, cluster.cluster_id, cluster.name, config.id),
            ]
    return steps + access_steps("ack", setup)
