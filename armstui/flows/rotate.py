"""Rotate the ACK flow's reporting AccessKey without cutting off a cluster.

Every source cluster's onepilot config holds A's reporting key. The rotation, as steps:

1. a second key of the reporting user (RAM allows two), its secret in the vault first; the
   two-key window opens;
2. per cluster: onepilot's config holds the new key (written in this run: onepilot 5.1.1+
   masks the pair, so a config cannot be read to tell which key it holds), then the proof
   that A holds recent data from every app of the cluster;
3. in A, RAM shows the new key in use, and the old key unused since the switch (the moment
   every cluster's new config had landed);
4. the old key disabled, then the proof that every cluster sent data since — if one did
   not, the old key is enabled again at once and the rotation stops there, naming it;
5. the old key deleted, then its vault entry (never the other way round); the two-key
   window closes.

A silent cluster stops the rotation before anything is disabled or deleted (needs-you
naming it); ``Setup.force`` lets it through, saying what that risks. While the old key is
active every cluster reports with one key or the other (onepilot keeps its running config
until a change lands). The journal keeps the rotation (old key, new key, when the window
opened and closed) so a re-run continues it instead of starting another.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from armstui.cloud import cs, ram
from armstui.flows.ack import (
    ONEPILOT,
    ClusterReports,
    OnepilotConfig,
    clock_time,
    created_key,
    is_masked,
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
    new_key_at: float | None = None  # when the new key was created: the two-key window opens
    old_key_gone_at: float | None = None  # when the old key was deleted: the window closes
    switched_at: float | None = None  # every cluster's new config had landed (this run)
    disabled_at: float | None = None  # the old key was seen disabled (this run; monotonic)

    def vault_name(self, key_id: str) -> str:
        return reporter_vault_name(self.uid, self.user, key_id)

    def begin(self) -> None:
        """Write the rotation down before its first change, so a crash resumes it."""
        if self.rotation_id is None and self.journal is not None:
            self.rotation_id = self.journal.start_rotation(self.setup_key, self.old_key)["id"]

    def set_new_key(self, key_id: str, created_at: float | None = None) -> None:
        self.new_key = key_id
        if created_at is not None:
            self.new_key_at = created_at
        if self.journal is not None and self.rotation_id is not None:
            self.journal.set_rotation_key(self.rotation_id, key_id, created_at)

    def close_window(self, at: float) -> None:
        self.old_key_gone_at = self.old_key_gone_at or at
        if self.journal is not None and self.rotation_id is not None:
            self.journal.close_two_key_window(self.rotation_id, self.old_key_gone_at)

    def window_text(self) -> str:
        """The two-key window as the report shows it."""
        if self.new_key_at is None:
            return "two-key window: opening time unknown"
        opened = clock_time(self.new_key_at)
        if self.old_key_gone_at is None:
            return f"two-key window open since {opened}"
        length = self.old_key_gone_at - self.new_key_at
        return (
            f"two-key window opened {opened}, closed {clock_time(self.old_key_gone_at)} "
            f"({length:.0f} s)"
        )

    def finish(self) -> None:
        if self.journal is not None and self.rotation_id is not None:
            self.journal.finish_rotation(self.rotation_id)
            self.rotation_id = None


class _KeyStep(Step):
    """A rotate step about one key of the reporting user, in the monitoring account."""

    slug = ""  # the end of the step's id
    heading = ""  # its title; {user}: the reporting user, {old}: the old key, shortened

    def __init__(self, setup: Setup, rotation: Rotation, depends_on: tuple[str, ...] = ()) -> None:
        super().__init__(
            id=f"rotate/{setup.monitoring}/user/{rotation.user}/{self.slug}",
            title=self.heading.format(user=rotation.user, old=short_key_id(rotation.old_key)),
            flow="rotate",
            account=setup.monitoring,
            depends_on=depends_on,
        )
        self.rotation = rotation


class NewKey(_KeyStep):
    """A second active key of the reporting user, its secret in the vault."""

    slug = "new-key"
    heading = "a new AccessKey of {user}, secret in the vault"

    def __init__(self, setup: Setup, rotation: Rotation) -> None:
        super().__init__(setup, rotation)
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
                    f"new key {short_key_id(key.access_key_id)} is inactive",
                    fact=AccessKeys(activate=key.access_key_id),
                )
            return Observation(
                True,
                f"new key {short_key_id(key.access_key_id)} is active and in the vault",
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
        created_at = time.time()
        # The secret exists only in this answer: keep it before anything else can fail.
        await ctx.store_secret(r.vault_name(new.access_key_id), new.secret)
        r.set_new_key(new.access_key_id, created_at)

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


class NewKeyInUse(_KeyStep):
    """Seen in A: RAM shows the new key in use (a key created by this rotation has no
    earlier use, so any date will do)."""

    settle_timeout = 900.0
    poll_interval = 30.0
    slug = "new-key-in-use"
    heading = "A's RAM shows the new key in use"

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        if not r.new_key:
            return Observation(False, "no new key yet")
        # Every cluster's proof (which waits for its config to land) came before this step.
        if r.switched_at is None:
            r.switched_at = time.time()
        used = await ctx.key_last_used(self.account, r.user, r.new_key)
        if used is not None and (r.new_key_at is None or used >= int(r.new_key_at)):
            return Observation(True, f"key {r.new_key} last used {clock_time(used)}")
        return Observation(False, f"key {r.new_key} has not been used yet", pending=True)


class OldKeyUnused(_KeyStep):
    """Proof in A: RAM shows the old key unused since the switch, so no cluster still
    reports with it. RAM answers whole seconds: the step looks two seconds after the
    switch, when a key still in use shows a later second than the switch's."""

    settle_timeout = 900.0
    poll_interval = 30.0
    proof = True
    margin = 2.0  # real seconds after the switch before RAM's date can tell
    slug = "old-key-unused"
    heading = "old key {old} unused since the switch"

    def __init__(self, setup: Setup, rotation: Rotation, depends_on: tuple[str, ...]) -> None:
        super().__init__(setup, rotation, depends_on)
        self.force = setup.force

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        if r.switched_at is None:
            r.switched_at = time.time()
        keys = await attached_or_none(ram.list_access_keys(ctx.session(self.account), r.user))
        old = next((k for k in keys if k.access_key_id == r.old_key), None)
        if old is None or old.status != "Active":
            # An earlier run of this rotation got past this check and disabled or deleted it.
            state = "gone" if old is None else old.status
            return Observation(True, f"old key {r.old_key} is already {state}")
        if time.time() < int(r.switched_at) + self.margin:
            return Observation(False, "waiting for RAM to date the keys' use", pending=True)
        used = await ctx.key_last_used(self.account, r.user, r.old_key)
        switch = clock_time(r.switched_at)
        if used is None or used <= int(r.switched_at):
            seen = f"last used {clock_time(used)}" if used else "never used"
            return Observation(True, f"old key {r.old_key} {seen}; switch at {switch}")
        detail = f"old key {r.old_key} used at {clock_time(used)}, after the switch at {switch}"
        if self.force:
            return Observation(
                True,
                f"FORCED: {detail}; a cluster that still reports with it is cut off when it "
                "is deleted",
            )
        return Observation(
            False,
            detail,
            needs_you=(
                f"A cluster still reports with the old key {r.old_key} (RAM saw it used at "
                f"{clock_time(used)}, after every config held the new key at {switch}). "
                "onepilot masks its config, so RAM cannot say which cluster: check who changed "
                "a onepilot config, then run the rotation again (it rewrites every config). "
                "The old key stays active. --force deletes it anyway and cuts that cluster off."
            ),
        )


class OldKeyDisabled(_KeyStep):
    slug = "old-key-disabled"
    heading = "old key {old} disabled"

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        keys = await attached_or_none(ram.list_access_keys(ctx.session(self.account), r.user))
        old = next((k for k in keys if k.access_key_id == r.old_key), None)
        if old is None:
            return Observation(True, f"old key {r.old_key} is gone")
        if old.status != "Active":
            # Disabled by an earlier run: only data from now on counts as "since".
            r.disabled_at = r.disabled_at or time.monotonic()
            return Observation(True, f"old key {r.old_key} is {old.status}")
        return Observation(False, f"old key {r.old_key} is still active")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.update_access_key(
            ctx.session(self.account), self.rotation.user, self.rotation.old_key, "Inactive"
        )
        self.rotation.disabled_at = time.monotonic()

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.UpdateAccessKey ({short_key_id(self.rotation.old_key)} -> Inactive)"]


class StillReporting(Step):
    """Proof after the old key is disabled: every cluster sent data into A since.

    If one did not, "applying" this step enables the old key again and stops the rotation:
    that cluster still needs the old key, and reporting matters more than the rotation."""

    proof = True
    settle_timeout = 900.0
    poll_interval = 15.0
    quiet = 60.0  # nominal seconds of reports to wait for after the disable

    def __init__(
        self,
        setup: Setup,
        rotation: Rotation,
        clusters: list[tuple[str, str]],
        disabled_step: str,
    ) -> None:
        """``clusters``: (cluster ID, name) of every cluster the rotation switched."""
        super().__init__(
            id=f"rotate/{setup.monitoring}/still-reporting",
            title=f"every cluster still reports into {setup.monitoring} without the old key",
            flow="rotate",
            account=setup.monitoring,
            depends_on=(disabled_step,),
        )
        self.rotation = rotation
        self.clusters = clusters
        self.force = setup.force

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        if r.disabled_at is None:
            r.disabled_at = time.monotonic()
        # Nominal seconds: the sandbox shows an instant d simulated seconds ago as d seconds
        # before the real now (time_scale is 1 on the real cloud).
        since = time.time() - ctx.nominal_since(r.disabled_at)
        if ctx.nominal_since(r.disabled_at) < self.quiet:
            return Observation(
                False, f"waiting for data sent since {clock_time(since)}", pending=True
            )
        apps = await ctx.trace_apps(self.account, newer_than=r.disabled_at)
        by_cluster: dict[str, list[Any]] = {}
        for app in apps:
            by_cluster.setdefault(app.cluster_id or "", []).append(app)
        wanted = [a for cid, _ in self.clusters for a in by_cluster.get(cid, [])]
        data = await asyncio.gather(*(ctx.data_since(self.account, a.pid, since) for a in wanted))
        sent = {a.cluster_id for a, d in zip(wanted, data) if d.reporting}
        silent = [(cid, name) for cid, name in self.clusters if cid not in sent]
        if silent and not self.force:
            names = tuple(f"{name} ({cid})" for cid, name in silent)
            return Observation(
                False,
                f"no data since {clock_time(since)} from: {', '.join(names)}",
                fact=SilentClusters(names),
            )
        if silent:
            return Observation(
                True,
                f"FORCED: {len(silent)} cluster(s) sent no data since the old key was disabled "
                f"({', '.join(name for _, name in silent)}); deleting it may cut them off",
            )
        return Observation(
            True, f"all {len(self.clusters)} cluster(s) sent data since {clock_time(since)}"
        )

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


class OldKeyDeleted(_KeyStep):
    """The old key is deleted in A, then dropped from the vault."""

    slug = "old-key-deleted"
    heading = "old key {old} deleted, and its vault entry"

    async def observe(self, ctx: FlowContext) -> Observation:
        r = self.rotation
        seen = await key_and_secret_gone(
            ctx, self.account, r.user, r.old_key, r.vault_name(r.old_key)
        )
        if seen.holds:
            r.close_window(time.time())
            seen.detail = f"{seen.detail}; {r.window_text()}"
        return seen

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
    ctx: FlowContext, setup: Setup, uid: str, key_ids: set[str]
) -> list[tuple[str, Any]]:
    """(source alias, cluster) for every cluster of the sources whose onepilot reports into
    A (``uid``) with one of these keys. Where onepilot masks the key, a config that reports
    into A counts: it can only hold a key of A's, and the rotation rewrites it."""
    found = []

    async def check(source: str, cluster: Any) -> None:
        addon = await cs.get_cluster_addon(ctx.session(source), cluster.cluster_id, ONEPILOT)
        config = addon.config if addon is not None else {}
        key = config.get("accessKey")
        if str(config.get("uid", "")) == uid and (key in key_ids or is_masked(key)):
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
    if open_rotation:
        rotation.new_key_at = open_rotation.get("new_key_at")
        rotation.old_key_gone_at = open_rotation.get("old_key_gone_at")
    clusters = await _clusters_using(
        ctx, setup, uid, {rotation.old_key, *([rotation.new_key] if rotation.new_key else [])}
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
            trust_recent_use=False,
        )
        reports = ClusterReports(
            setup,
            source,
            cluster.cluster_id,
            cluster.name,
            config.id,
            flow="rotate",
            force=setup.force,
            since_change=True,
        )
        steps += [config, reports]
        proofs.append(reports.id)
    if proofs:  # a key no cluster reports with shows no use to wait for
        in_use = NewKeyInUse(setup, rotation, tuple(proofs))
        steps.append(in_use)
    unused = OldKeyUnused(setup, rotation, (steps[-1].id,))
    steps.append(unused)
    disabled = OldKeyDisabled(setup, rotation, (unused.id,))
    still = StillReporting(
        setup, rotation, [(c.cluster_id, c.name) for _, c in clusters], disabled.id
    )
    deleted = OldKeyDeleted(setup, rotation, (still.id,))
    return steps + [disabled, still, deleted]


def rotation_of(steps: list[Step]) -> Rotation | None:
    return next((s.rotation for s in steps if isinstance(s, NewKey)), None)
