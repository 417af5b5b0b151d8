"""The ACK flow: B's ACK clusters report into A through ack-onepilot and A's AccessKey.

Steps:
1. in A, RAM user ``armstui-reporter`` with ``AliyunARMSFullAccess`` and
   ``AliyunSTSAssumeRoleAccess``;
2. its AccessKey, created once; the secret goes to the vault before anything else happens
   (CreateAccessKey is the one call whose result cannot be read again);
3. in each of B's clusters, ``ack-onepilot`` at 3.0.14 or later (installed if missing,
   upgraded if older), then its config ``accessKey``/``accessKeySecret``/``uid`` merged into
   what is already there;
4. proof: A's ListTraceApps lists applications of that cluster.
"""

from __future__ import annotations

import asyncio
from typing import Any

from armstui.cloud import cs, ram
from armstui.flows.context import FlowContext
from armstui.flows.facts import AccessKeys, Addon, AppsReporting
from armstui.flows.ram_steps import UserExists, access_steps, attached_or_none, user_policies
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation, Step

ONEPILOT = "ack-onepilot"
MIN_ONEPILOT = (3, 0, 14)
REPORTER_POLICIES = [("System", "AliyunARMSFullAccess"), ("System", "AliyunSTSAssumeRoleAccess")]
TRANSITIONAL_STATES = {"initial", "installing", "upgrading", "updating", "modifying", "deleting"}
ARMS_LABELS = 'armsPilotAutoEnable: "on" and armsPilotCreateAppName: "<app name>"'


def parse_version(text: str) -> tuple[int, ...]:
    """``3.0.14`` -> (3, 0, 14); a leading ``v`` and suffixes like ``-aliyun.1`` are ignored."""
    core = text.strip().lstrip("vV").split("-")[0].split("+")[0]
    parts = []
    for piece in core.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


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
                f"; {len(orphans)} key(s) whose secret armstui does not hold: "
                + ", ".join(k.access_key_id for k in orphans)
            )
            if orphans
            else ""
        )
        active = [k for k in held if k.status == "Active"]
        if active:
            return Observation(
                True,
                f"key {active[0].access_key_id} is active and in the vault{orphan_note}",
                fact=AccessKeys(
                    key_id=active[0].access_key_id,
                    orphans=tuple(k.access_key_id for k in orphans),
                ),
            )
        if held:
            return Observation(
                False,
                f"key {held[0].access_key_id} is in the vault but inactive{orphan_note}",
                fact=AccessKeys(activate=held[0].access_key_id),
            )
        if len(keys) >= 2 and not self.replace_orphan:
            return Observation(
                False,
                f"{self.user} has two keys and armstui holds neither secret",
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
                f"Ram.DeleteAccessKey ({keys.orphans[0]}, whose secret armstui does not hold)"
            )
        return calls + [f"Ram.CreateAccessKey ({self.user}; the secret goes to the vault)"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return created_key(self.user, before, after)


class OnepilotRunning(Step):
    """ack-onepilot is installed at 3.0.14 or later and active."""

    settle_timeout = 900.0
    poll_interval = 5.0

    def __init__(self, source: str, cluster_id: str, cluster_name: str) -> None:
        super().__init__(
            id=f"ack/{source}/{cluster_id}/onepilot",
            title=f"ack-onepilot >= 3.0.14 in {cluster_name}",
            flow="ack",
            account=source,
        )
        self.cluster_id = cluster_id

    async def observe(self, ctx: FlowContext) -> Observation:
        addon = await cs.get_cluster_addon(ctx.session(self.account), self.cluster_id, ONEPILOT)
        if addon is None:
            return Observation(False, "ack-onepilot is not installed", fact=Addon("install"))
        if addon.state in TRANSITIONAL_STATES:
            return Observation(
                False, f"ack-onepilot {addon.version} is {addon.state}", pending=True
            )
        if parse_version(addon.version) < MIN_ONEPILOT:
            return Observation(
                False,
                f"ack-onepilot {addon.version} is older than 3.0.14 and cannot report across accounts",
                fact=Addon("upgrade", addon.version),
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
        if addon and addon.action == "upgrade" and addon.version:
            self.expected_seconds = 90.0  # an onepilot upgrade takes a minute or two
            await cs.upgrade_addon(session, self.cluster_id, ONEPILOT, addon.version)
        else:
            self.expected_seconds = 60.0
            await cs.install_addon(session, self.cluster_id, ONEPILOT)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        addon = seen.fact_of(Addon) if seen else None
        if addon and addon.action == "upgrade":
            return [
                f"CS.UpgradeClusterAddons (ack-onepilot {addon.version} -> newest, in {self.cluster_id}; takes minutes)"
            ]
        return [f"CS.InstallClusterAddons (ack-onepilot newest, in {self.cluster_id})"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        addon = before.fact_of(Addon) if before else Addon("install")
        return (
            [Managed("onepilot-addon", self.cluster_id)]
            if addon and addon.action == "install"
            else []
        )


class OnepilotConfig(Step):
    """onepilot's config holds A's reporting key and A's uid; other keys are kept."""

    settle_timeout = 600.0
    expected_seconds = 20.0  # onepilot restarts with the new config

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
    ) -> None:
        """``key_step`` observes the key to write (its AccessKeys fact); ``flow``: the flow or
        run (a rotation) the step belongs to."""
        super().__init__(
            id=f"{flow}/{source}/{cluster_id}/onepilot-config",
            title=title,
            flow=flow,
            account=source,
            depends_on=depends_on,
        )
        self.cluster_id = cluster_id
        self.monitoring_uid = monitoring_uid
        self.user = setup.reporter_user
        self.key_step = key_step

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
        addon = await cs.get_cluster_addon(ctx.session(self.account), self.cluster_id, ONEPILOT)
        if addon is None:
            return Observation(False, "ack-onepilot is not installed")
        if addon.state in TRANSITIONAL_STATES:
            return Observation(False, f"ack-onepilot config is {addon.state}", pending=True)
        key_id, secret = await self._wanted(ctx)
        config = addon.config or {}
        wrong = []
        if config.get("accessKey") != key_id:
            wrong.append("accessKey")
        if secret is None or config.get("accessKeySecret") != secret:
            wrong.append("accessKeySecret")
        if str(config.get("uid", "")) != self.monitoring_uid:
            wrong.append("uid")
        if wrong:
            return Observation(False, f"config differs in: {', '.join(wrong)}")
        return Observation(True, f"config holds key {key_id} and uid {self.monitoring_uid}")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        addon = await cs.get_cluster_addon(session, self.cluster_id, ONEPILOT)
        key_id, secret = await self._wanted(ctx)
        if addon is None or not key_id or secret is None:
            raise RuntimeError("the reporting key or ack-onepilot is not in place")
        merged = dict(addon.config or {})  # keep every setting already there
        merged.update({"accessKey": key_id, "accessKeySecret": secret, "uid": self.monitoring_uid})
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
    """Proof: A's ARMS lists applications from this cluster."""

    settle_timeout = 300.0
    poll_interval = 10.0

    def __init__(
        self,
        setup: Setup,
        source: str,
        cluster_id: str,
        cluster_name: str,
        config_step: str,
        flow: str = "ack",
    ) -> None:
        super().__init__(
            id=f"{flow}/{source}/{cluster_id}/reports",
            title=f"apps of {cluster_name} report into {setup.monitoring}",
            flow=flow,
            account=source,
            depends_on=(config_step,),
        )
        self.cluster_id = cluster_id
        self.monitoring = setup.monitoring

    async def observe(self, ctx: FlowContext) -> Observation:
        apps = [
            a
            for a in await ctx.trace_apps(
                self.monitoring, newer_than=ctx.applied_at.get(self.depends_on[0], 0.0)
            )
            if a.cluster_id == self.cluster_id
        ]
        if apps:
            names = ", ".join(sorted(a.app_name for a in apps))
            return Observation(
                True,
                f"{len(apps)} app(s) report into {self.monitoring}: {names}",
                fact=AppsReporting(tuple(a.app_name for a in apps)),
            )
        return Observation(
            False,
            f"no application of {self.cluster_id} reports into {self.monitoring}",
            needs_you=(
                f"No workload of cluster {self.cluster_id} reports yet. Add the labels {ARMS_LABELS} "
                "to the pod template of each Java workload to monitor, then run verify."
            ),
        )


async def build_steps(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    """The ACK flow's steps. Lists B's clusters first (read-only) so each gets its own steps."""
    a = setup.monitoring
    user = UserExists("ack", a, setup.reporter_user, "reporting")
    policies = user_policies("ack", a, setup.reporter_user, REPORTER_POLICIES, (user.id,))
    key = ReporterKey(setup, uids[a], (user.id, policies.id))
    steps: list[Step] = [user, policies, key]
    listings = await asyncio.gather(
        *(cs.describe_clusters(ctx.session(source)) for source in setup.sources)
    )
    for source, clusters in zip(setup.sources, listings):
        if setup.clusters:
            clusters = [c for c in clusters if c.cluster_id in setup.clusters]
        for cluster in clusters:
            running = OnepilotRunning(source, cluster.cluster_id, cluster.name)
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
