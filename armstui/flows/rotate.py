"""Rotate the ACK flow's reporting AccessKey without a gap in reporting.

Every source cluster's onepilot config holds A's reporting key. The rotation, as steps:

1. a second key of the reporting user (RAM allows two), its secret in the vault first;
2. per cluster: onepilot's config holds the new key (other settings kept), then the proof
   that the cluster's apps report into A, seen in A after the change landed;
3. in A, RAM shows the new key in use (GetAccessKeyLastUsed);
4. the old key disabled, then the proof that every cluster still reports — if one does not,
   the old key is enabled again at once and the rotation stops there;
5. the old key deleted, then its vault entry (never the other way round).

While the old key is active every cluster reports with one key or the other (onepilot keeps
its running config until a change lands), so no step leaves a gap; a failure stops the
rotation before the next step, in a state where every cluster still reports. The journal
keeps the rotation (old key, new key) so a re-run continues it instead of starting another.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from armstui.cloud import cs, ram
from armstui.flows.ack import (
    ONEPILOT,
    ClusterReports,
    OnepilotConfig,
    created_key,
    reporter_vault_name,
)
from armstui.flows.context import FlowContext
from armstui.flows.facts import AccessKeys, SilentClusters, StillInCloud
from armstui.flows.ram_steps import attached_or_none, delete_key_then_secret, key_and_secret_gone
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation, Step
from armstui.model import short_key_id


class RotationError(Exception):
    """Nothing can be rotated yet, or the rotation cannot go on; says what to do."""


class RotationStopped(Exception):
    """A step stopped the rotation on purpose; ``code`` and ``hint`` reach the checklist."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


@dataclass
class Rotation:
    """The rotation this run carries out: which key goes, which comes (None until created)."""

    setup_key: str
    user: str
    uid: str  # A's account ID
    old_key: str
    new_key: str | None
    journal: Any
    rotation_id: int | None = None  # the journal's row, once a change is about to be made

    def vault_name(self, key_id: str) -> str:
        return reporter_vault_name(self.uid, self.user, key_id)

    def begin(self) -> None:
        """Write the rotation down before its first change, so a crash resumes it."""
        if self.rotation_id is None and self.journal is not None:
            self.rotation_id = self.journal.start_rotation(self.setup_key, self.old_key)["id"]

    def set_new_key(self, key_id: str) -> None:
        self.new_key = key_id
        if self.journal is not None and self.rotation_id is not None:
            self.journal.set_rotation_key(self.rotation_id, key_id)

    def finish(self) -> None:
        if self.journal is not None and self.rotation_id is not None:
            self.journal.finish_rotation(self.rotation_id)
            self.rotation_id = None


class NewKey(Step):
    """A second active key of the reporting user, its secret in the vault."""

    def __init__(self, setup: Setup, rotation: Rotation) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/user/{rotation.user}/new-key",
            title=f"a new AccessKey of {rotation.user}, secret in the vault",
            flow="rotate",
            account=setup.monitoring,
        )
        self.rotation = rotation
        self.replace_stale = setup.replace_stale_key

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        keys = await attached_or_none(ram.list_access_keys(ctx.session(self.account), r.user))
        others = [k for k in keys if k.access_key_id != r.old_key]
        held = [k for k in others if await ctx.read_secret(r.vault_name(k.access_key_id))]
        if held:  # created by this rotation (perhaps by a run that was interrupted)
            key = held[0]
            if r.new_key != key.access_key_id:
                r.set_new_key(key.access_key_id)
            if key.status != "Active":
                return Observation(
                    False,
                    f"new key {key.access_key_id} is inactive",
                    fact=AccessKeys(activate=key.access_key_id),
                )
            return Observation(
                True,
                f"new key {key.access_key_id} is active and in the vault",
                fact=AccessKeys(key_id=key.access_key_id),
            )
        if others:  # a second key whose secret armstui does not hold: someone else's, or lost
            stale = others[0].access_key_id
            if not self.replace_stale:
                return Observation(
                    False,
                    f"{r.user} already has a second key, {stale}, whose secret armstui does not hold",
                    needs_you=(
                        f"{r.user} in {self.account} already has a second AccessKey ({stale}) and armstui "
                        "does not hold its secret, so it cannot be the new key. If nothing uses it, run "
                        "the rotation again with --replace-stale-key to delete it; otherwise delete it in "
                        "the RAM console."
                    ),
                    fact=AccessKeys(stale=stale),
                )
            return Observation(
                False, f"stale second key {stale} will be deleted", fact=AccessKeys(stale=stale)
            )
        return Observation(False, "no second key yet")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session, r = ctx.session(self.account), self.rotation
        keys = seen.fact_of(AccessKeys) or AccessKeys()
        if keys.activate:
            await ram.update_access_key(session, r.user, keys.activate, "Active")
            return
        if keys.stale:
            await ram.delete_access_key(session, r.user, keys.stale)
        new = await ram.create_access_key(session, r.user)
        # The secret exists only in this answer: keep it before anything else can fail.
        await ctx.store_secret(r.vault_name(new.access_key_id), new.secret)
        r.set_new_key(new.access_key_id)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        calls = []
        stale = seen.fact_of(AccessKeys) if seen else None
        if stale and stale.stale:
            calls.append(f"Ram.DeleteAccessKey ({short_key_id(stale.stale)}, a stale second key)")
        return calls + [f"Ram.CreateAccessKey ({self.rotation.user}; the secret goes to the vault)"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return created_key(self.rotation.user, before, after)


class NewKeyInUse(Step):
    """Seen in A: RAM shows the new key in use (a key created by this rotation has no
    earlier use, so any date will do)."""

    settle_timeout = 900.0
    poll_interval = 30.0

    def __init__(self, setup: Setup, rotation: Rotation, depends_on: tuple[str, ...]) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/user/{rotation.user}/new-key-in-use",
            title="A's RAM shows the new key in use",
            flow="rotate",
            account=setup.monitoring,
            depends_on=depends_on,
        )
        self.rotation = rotation

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        if not r.new_key:
            return Observation(False, "no new key yet")
        used = await ram.get_access_key_last_used(ctx.session(self.account), r.user, r.new_key)
        if used:
            return Observation(True, f"key {r.new_key} last used {used}")
        return Observation(False, f"key {r.new_key} has not been used yet", pending=True)


class OldKeyDisabled(Step):
    def __init__(self, setup: Setup, rotation: Rotation, depends_on: tuple[str, ...]) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/user/{rotation.user}/old-key-disabled",
            title=f"old key {short_key_id(rotation.old_key)} disabled",
            flow="rotate",
            account=setup.monitoring,
            depends_on=depends_on,
        )
        self.rotation = rotation

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        keys = await attached_or_none(ram.list_access_keys(ctx.session(self.account), r.user))
        old = next((k for k in keys if k.access_key_id == r.old_key), None)
        if old is None:
            return Observation(True, f"old key {r.old_key} is gone")
        if old.status != "Active":
            return Observation(True, f"old key {r.old_key} is {old.status}")
        return Observation(False, f"old key {r.old_key} is still active")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.update_access_key(
            ctx.session(self.account), self.rotation.user, self.rotation.old_key, "Inactive"
        )

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.UpdateAccessKey ({short_key_id(self.rotation.old_key)} -> Inactive)"]


class StillReporting(Step):
    """Proof after the old key is disabled: every cluster still reports into A.

    If one does not, "applying" this step enables the old key again and stops the rotation:
    that cluster still needs the old key, and reporting matters more than the rotation."""

    proof = True

    def __init__(
        self, setup: Setup, rotation: Rotation, clusters: list[str], disabled_step: str
    ) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/still-reporting",
            title=f"every cluster still reports into {setup.monitoring} without the old key",
            flow="rotate",
            account=setup.monitoring,
            depends_on=(disabled_step,),
        )
        self.rotation = rotation
        self.clusters = clusters

    async def observe(self, ctx: FlowContext) -> Observation:
        apps = await ctx.trace_apps(
            self.account, newer_than=ctx.applied_at.get(self.depends_on[0], 0.0)
        )
        reporting = {a.cluster_id for a in apps}
        silent = [c for c in self.clusters if c not in reporting]
        if silent:
            return Observation(
                False, f"not reporting: {', '.join(silent)}", fact=SilentClusters(tuple(silent))
            )
        return Observation(True, f"all {len(self.clusters)} cluster(s) report with the new key")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        r = self.rotation
        await ram.update_access_key(ctx.session(self.account), r.user, r.old_key, "Active")
        found = seen.fact_of(SilentClusters)
        silent = ", ".join(found.clusters if found else ())
        raise RotationStopped(
            "RotationStopped",
            f"{silent} stopped reporting once the old key {r.old_key} was disabled; "
            "the old key is active again and the rotation stopped",
            f"Check the onepilot config of {silent} (it should hold key {r.new_key}), then run the rotation again.",
        )

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return []


class OldKeyDeleted(Step):
    """The old key is deleted in A, then dropped from the vault."""

    def __init__(self, setup: Setup, rotation: Rotation, depends_on: tuple[str, ...]) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/user/{rotation.user}/old-key-deleted",
            title=f"old key {short_key_id(rotation.old_key)} deleted, and its vault entry",
            flow="rotate",
            account=setup.monitoring,
            depends_on=depends_on,
        )
        self.rotation = rotation

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        return await key_and_secret_gone(
            ctx, self.account, r.user, r.old_key, r.vault_name(r.old_key)
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        r = self.rotation
        await delete_key_then_secret(
            ctx,
            self.account,
            r.user,
            r.old_key,
            r.vault_name(r.old_key),
            in_cloud=seen.fact_of(StillInCloud) is not None,
        )
        if r.journal is not None:
            r.journal.mark_removed(r.setup_key, self.account, "access-key", f"{r.user}:{r.old_key}")

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [
            f"Ram.DeleteAccessKey ({short_key_id(self.rotation.old_key)}), then its vault entry"
        ]


async def _current_key(ctx: FlowContext, setup: Setup, uid: str) -> str:
    """The reporting user's active key whose secret the vault holds: the one to replace."""
    keys = await attached_or_none(
        ram.list_access_keys(ctx.session(setup.monitoring), setup.reporter_user)
    )
    held = [
        k
        for k in keys
        if k.status == "Active"
        and await ctx.read_secret(reporter_vault_name(uid, setup.reporter_user, k.access_key_id))
    ]
    if not held:
        raise RotationError(
            f"{setup.reporter_user} in {setup.monitoring} has no active key whose secret armstui holds: "
            "nothing to rotate (run `armstui apply --flow ack` first, or pass the --reporter-user "
            "the setup was made with)"
        )
    if len(held) > 1:
        raise RotationError(
            f"{setup.reporter_user} has two active keys whose secrets armstui holds "
            f"({', '.join(k.access_key_id for k in held)}) and no rotation is under way: "
            "run `armstui verify --flow ack` to see which one the clusters use, and delete the other"
        )
    key_id: str = held[0].access_key_id
    return key_id


async def _clusters_using(
    ctx: FlowContext, setup: Setup, key_ids: set[str]
) -> list[tuple[str, Any]]:
    """(source alias, cluster) for every cluster of the sources whose onepilot reports with one of these keys."""
    found = []

    async def check(source: str, cluster: Any) -> None:
        addon = await cs.get_cluster_addon(ctx.session(source), cluster.cluster_id, ONEPILOT)
        if addon is not None and (addon.config or {}).get("accessKey") in key_ids:
            found.append((source, cluster))

    listings = await asyncio.gather(
        *(cs.describe_clusters(ctx.session(source)) for source in setup.sources)
    )
    await asyncio.gather(
        *(check(source, c) for source, clusters in zip(setup.sources, listings) for c in clusters)
    )
    return sorted(found, key=lambda pair: (pair[0], pair[1].cluster_id))


async def build_steps(
    setup: Setup, ctx: FlowContext, uids: dict[str, str], journal: Any, *, begin: bool
) -> list[Step]:
    """The rotation's steps, continuing the rotation the journal has open for this setup.

    ``begin``: write a new rotation down in the journal now (apply; a plan writes nothing)."""
    uid = uids[setup.monitoring]
    open_rotation = journal.open_rotation(setup.key) if journal is not None else None
    if open_rotation:
        rotation = Rotation(
            setup.key,
            setup.reporter_user,
            uid,
            open_rotation["old_key"],
            open_rotation["new_key"],
            journal,
            open_rotation["id"],
        )
    else:
        rotation = Rotation(
            setup.key, setup.reporter_user, uid, await _current_key(ctx, setup, uid), None, journal
        )
        if begin:
            rotation.begin()
    clusters = await _clusters_using(
        ctx, setup, {rotation.old_key, *([rotation.new_key] if rotation.new_key else [])}
    )
    new = NewKey(setup, rotation)
    steps: list[Step] = [new]
    proofs = []
    for source, cluster in clusters:
        # The checklist shows a rotation as its own group: its steps are the "rotate" flow's.
        config = OnepilotConfig(
            setup,
            source,
            cluster.cluster_id,
            f"onepilot in {cluster.name} holds the new key",
            uid,
            new.id,
            (new.id,),
            flow="rotate",
        )
        reports = ClusterReports(
            setup, source, cluster.cluster_id, cluster.name, config.id, flow="rotate"
        )
        steps += [config, reports]
        proofs.append(reports.id)
    if proofs:  # a key no cluster reports with shows no use to wait for
        in_use = NewKeyInUse(setup, rotation, tuple(proofs))
        steps.append(in_use)
    disabled = OldKeyDisabled(setup, rotation, (steps[-1].id,))
    still = StillReporting(setup, rotation, [c.cluster_id for _, c in clusters], disabled.id)
    deleted = OldKeyDeleted(setup, rotation, (still.id,))
    return steps + [disabled, still, deleted]


def rotation_of(steps: list[Step]) -> Rotation | None:
    return next((s.rotation for s in steps if isinstance(s, NewKey)), None)
