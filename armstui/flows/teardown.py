"""Tear a setup down: undo what armstui created for it, newest kind first.

What to undo comes from the journal (every step records what its change creates, with
the run, who and when). What the setup uses but armstui did not create — a reporting user
that was there before, a cluster config someone else wrote — is *adopted*: listed, kept,
and removed only with ``include_adopted``. ack-onepilot itself is uninstalled only with
``uninstall_addon``.

Order (each kind waits for every step of the kinds before it): onepilot reporting configs
and ECS agents first (nothing reports with the key any more), then addons, AccessKeys
(deleted in RAM, then dropped from the vault — never the other way round), login
profiles (and their vault passwords), policy attachments, users, roles, custom policies.
Every step observes first, so a teardown interrupted half-way simply runs again.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

from armstui.cloud import cs, ecs, ram
from armstui.flows import ecs_scripts
from armstui.flows.ack import (
    ONEPILOT,
    TRANSITIONAL_STATES,
    ReporterKey,
    is_masked,
    reporter_vault_name,
)
from armstui.flows.context import FlowContext
from armstui.flows.ecs import FINAL_STATES
from armstui.flows.facts import StillInCloud
from armstui.flows.ram_steps import attached_or_none, delete_key_then_secret, key_and_secret_gone
from armstui.flows.role import (
    check_key_vault_name,
    operator_key_vault_name,
    password_vault_name,
)
from armstui.flows.setup import Setup
from armstui.flows.step import Observation, Step
from armstui.model import short_key_id

REPORTING_KEYS = ("accessKey", "accessKeySecret", "uid")

# Removal order: a kind is removed only once every kind before it is gone.
ORDER = (
    "onepilot-config",
    "arms-agent",
    "onepilot-addon",
    "access-key",
    "login-profile",
    "user-policy",
    "role-policy",
    "ram-user",
    "ram-role",
    "custom-policy",
)


def provenance(record: dict[str, Any] | None) -> str:
    if record is None:
        return "adopted: armstui did not create it"
    when = datetime.datetime.fromtimestamp(record["created_at"]).strftime("%Y-%m-%d %H:%M")
    return (
        f"created {when} by {record.get('actor') or 'armstui'} (run {record.get('run_id') or '?'})"
    )


class _Fields(dict[str, Any]):
    """A step's attributes by name, for ``str.format_map``."""

    def __init__(self, step: object) -> None:
        super().__init__()
        self.step = step

    def __missing__(self, name: str) -> Any:
        return getattr(self.step, name)


class Undo(Step):
    """Remove one resource. ``observe`` holds when it is gone.

    ``what`` (in the title, after ``verb``) and ``call`` (apply's call, for the plan) are
    templates filled with the step's attributes: ``{name}``, and what ``parse_name`` sets."""

    kind = ""
    verb = "remove"
    what = "{kind} {name}"
    call = ""

    def __init__(
        self,
        setup: Setup,
        account: str,
        name: str,
        record: dict[str, Any] | None,
        uids: dict[str, str],
        journal: Any,
        depends_on: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.record = record
        self.setup_key = setup.key
        self.uid = uids[account]
        self.monitoring_uid = uids[setup.monitoring]
        self.journal = journal
        self.parse_name()
        super().__init__(
            id=undo_id(account, self.kind, name),
            # No account in the title: the checklist and the plan group steps by account.
            title=f"{self.verb} {self.what.format_map(_Fields(self))}",
            flow="teardown",
            account=account,
            depends_on=depends_on,
        )

    def parse_name(self) -> None:
        """Subclasses split ``name`` (e.g. ``user:key-id``) into their fields."""

    async def observe(self, ctx: FlowContext) -> Observation:
        seen = await self.look(ctx)
        if seen.holds and self.journal is not None:
            self.journal.mark_removed(self.setup_key, self.account, self.kind, self.name)
        return seen

    async def look(self, ctx: FlowContext) -> Observation:
        raise NotImplementedError

    def calls(self) -> list[str]:
        return [self.call.format_map(_Fields(self))]

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"{call} — {provenance(self.record)}" for call in self.calls()]


class OnepilotConfigRemoved(Undo):
    kind = "onepilot-config"
    verb = "take A's reporting key out of"
    what = "onepilot in {name}"
    call = (
        "CS.ModifyClusterAddon (ack-onepilot in {name}: accessKey, accessKeySecret, uid set "
        "empty; other settings kept)"
    )
    expected_seconds = 20.0  # onepilot restarts with the new config

    async def look(self, ctx: FlowContext) -> Observation:
        addon = await cs.get_cluster_addon(ctx.session(self.account), self.name, ONEPILOT)
        if addon is None:
            return Observation(True, "ack-onepilot is not installed")
        if addon.state in TRANSITIONAL_STATES:
            return Observation(False, f"ack-onepilot is {addon.state}", pending=True)
        if str((addon.config or {}).get("uid", "")) != self.monitoring_uid:
            return Observation(True, "onepilot holds no reporting key of the monitoring account")
        key = (addon.config or {}).get("accessKey")
        shown = "a key onepilot masks" if is_masked(key) else f"key {key}"
        return Observation(False, f"onepilot reports into the monitoring account with {shown}")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        addon = await cs.get_cluster_addon(session, self.name, ONEPILOT)
        if addon is None:
            return
        # Other settings stay (masked values read back as asterisks are not written back).
        # The reporting keys are set to empty values explicitly: whether ModifyClusterAddon
        # merges or replaces the config is not documented, so leaving them out proves nothing.
        config = {
            k: v
            for k, v in (addon.config or {}).items()
            if k not in REPORTING_KEYS and not is_masked(v)
        }
        config.update(dict.fromkeys(REPORTING_KEYS, ""))
        await cs.modify_addon_config(session, self.name, ONEPILOT, config)


class OnepilotUninstalled(Undo):
    kind = "onepilot-addon"
    verb = "uninstall"
    what = "ack-onepilot from {name}"
    call = "CS.UnInstallClusterAddons (ack-onepilot in {name})"
    expected_seconds = 30.0

    async def look(self, ctx: FlowContext) -> Observation:
        addon = await cs.get_cluster_addon(ctx.session(self.account), self.name, ONEPILOT)
        if addon is None:
            return Observation(True, "ack-onepilot is not installed")
        if addon.state in TRANSITIONAL_STATES:
            return Observation(False, f"ack-onepilot is {addon.state}", pending=True)
        return Observation(False, f"ack-onepilot {addon.version} is installed")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await cs.uninstall_addon(ctx.session(self.account), self.name, ONEPILOT)


class AgentRemoved(Undo):
    """The ARMS agent is off the instance's application: its unit's drop-in and environment
    file removed and the application restarted without them (through Cloud Assistant)."""

    kind = "arms-agent"
    verb = "remove the ARMS agent from"
    what = "{service} on {instance_id}"
    call = "ECS.RunCommand (remove the ARMS agent from {service} on {instance_id} and restart it)"
    settle_timeout = 900.0
    expected_seconds = 20.0

    def __init__(self, *args: Any, monitoring: str, window_minutes: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.monitoring = monitoring
        self.window = window_minutes
        self._invoke_id: str | None = None

    def parse_name(self) -> None:
        self.instance_id, _, self.service = self.name.partition(":")

    def _script(self) -> str | None:
        try:
            return ecs_scripts.uninstall_script(self.service)
        except ValueError:
            return None

    async def look(self, ctx: FlowContext) -> Observation:
        if self._script() is None:
            return Observation(
                False,
                f"{self.service!r} is not a systemd unit name",
                needs_you=(
                    f"The journal names unit {self.service!r} on {self.instance_id}, which "
                    "armstui will not put into a root script. Remove the ARMS drop-in of the "
                    "application's unit on the instance by hand, then run again."
                ),
            )
        session = ctx.session(self.account)
        if self._invoke_id:
            results = await ecs.describe_invocation_results(session, self._invoke_id)
            mine = [r for r in results if r.instance_id == self.instance_id]
            if mine and mine[0].status not in FINAL_STATES:
                return Observation(
                    False, f"Cloud Assistant: removal is {mine[0].status}", pending=True
                )
            if mine and mine[0].status != "Success":
                return Observation(False, f"removal {mine[0].status} (exit {mine[0].exit_code})")
            return Observation(
                True, f"{self.service} on {self.instance_id} restarted without the ARMS agent"
            )
        apps = [
            a
            for a in await ctx.trace_apps(self.monitoring)
            if f"instanceId={self.instance_id}" in a.labels
            and a.workload_name in (None, self.service)
        ]
        windows = await asyncio.gather(
            *(ctx.recent_data(self.monitoring, a.pid, self.window) for a in apps)
        )
        if any(w.reporting for w in windows):
            sending = (
                f"{self.service} on {self.instance_id} sent data into {self.monitoring} "
                f"in the last {self.window} min"
            )
            assistant = await ecs.describe_cloud_assistant_status(session, [self.instance_id])
            if not assistant[self.instance_id].running:
                return Observation(
                    False,
                    sending,
                    needs_you=(
                        f"Cloud Assistant is not running on {self.instance_id}, so armstui "
                        f"cannot remove the agent there. As root on it, run:\n{self._script()}"
                    ),
                )
            return Observation(False, sending)
        return Observation(
            True,
            f"{self.service} on {self.instance_id} sent no data into {self.monitoring} "
            f"in the last {self.window} min",
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        script = self._script()
        if script is None:
            return
        session = ctx.session(self.account)
        invocations = await ecs.run_command(
            session,
            [self.instance_id],
            script,
            name="armstui-remove-arms-agent",
            timeout=600,
        )
        self._invoke_id = invocations[0].invoke_id


class KeyDeleted(Undo):
    """The AccessKey is deleted in RAM, then its secret dropped from the vault."""

    kind = "access-key"
    verb = "delete"
    what = "AccessKey {short_id} of {user}"
    call = "Ram.DeleteAccessKey ({short_id} of {user}), then its vault entry"
    # Set by the teardown plan for a key the journal does not know and whose secret the
    # vault lacks: an orphan (an interrupted run created it and died before storing the
    # secret, or someone made it outside armstui). Says what happens to it.
    orphan_fate: str | None = None

    def parse_name(self) -> None:
        self.user, _, self.key_id = self.name.partition(":")
        self.short_id = short_key_id(self.key_id)

    def mark_orphan(self, fate: str) -> None:
        self.orphan_fate = fate
        self.title = f"delete orphan AccessKey {self.short_id} of {self.user}"

    def planned_calls(self, seen: Observation | None) -> list[str]:
        if self.orphan_fate is None:
            return super().planned_calls(seen)
        return [f"{call} — {self.orphan_fate}" for call in self.calls()]

    def _vault_name(self) -> str:
        return reporter_vault_name(self.uid, self.user, self.key_id)

    async def look(self, ctx: FlowContext) -> Observation:
        return await key_and_secret_gone(
            ctx, self.account, self.user, self.key_id, self._vault_name()
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await delete_key_then_secret(
            ctx,
            self.account,
            self.user,
            self.key_id,
            self._vault_name(),
            in_cloud=seen.fact_of(StillInCloud) is not None,
        )


class LoginRemoved(Undo):
    kind = "login-profile"
    verb = "remove the console login of"
    what = "{name}"
    call = "Ram.DeleteLoginProfile ({name}), then its password in the vault"

    async def look(self, ctx: FlowContext) -> Observation:
        try:
            profile = await ram.get_login_profile(ctx.session(self.account), self.name)
        except Exception as error:
            if getattr(error, "code", "") != "EntityNotExist.User":
                raise
            profile = None
        if profile is not None:
            return Observation(False, f"{self.name} can log in", fact=StillInCloud())
        if await ctx.read_secret(password_vault_name(self.uid, self.name)):
            return Observation(False, "login removed; its password is still in the vault")
        return Observation(True, f"{self.name} has no console login and no password in the vault")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        if seen.fact_of(StillInCloud) is not None:
            await ram.delete_login_profile(ctx.session(self.account), self.name)
        await asyncio.to_thread(ctx.vault.delete, password_vault_name(self.uid, self.name))


class PolicyDetached(Undo):
    verb = "detach"
    what = "{policy} from {holder}"
    call = "{detach_call} ({policy} from {holder})"
    _calls = {
        "user-policy": (
            ram.list_policies_for_user,
            ram.detach_policy_from_user,
            "Ram.DetachPolicyFromUser",
        ),
        "role-policy": (
            ram.list_policies_for_role,
            ram.detach_policy_from_role,
            "Ram.DetachPolicyFromRole",
        ),
    }

    def __init__(self, *args: Any, kind: str, **kw: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kw)

    def parse_name(self) -> None:
        self.holder, self.policy_type, self.policy = self.name.split(":", 2)
        self.detach_call = self._calls[self.kind][2]

    async def look(self, ctx: FlowContext) -> Observation:
        attached = await attached_or_none(
            self._calls[self.kind][0](ctx.session(self.account), self.holder)
        )
        if any((p.policy_type, p.policy_name) == (self.policy_type, self.policy) for p in attached):
            return Observation(False, f"{self.policy} is attached to {self.holder}")
        return Observation(True, f"{self.policy} is not attached to {self.holder}")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await self._calls[self.kind][1](
            ctx.session(self.account), self.holder, self.policy, self.policy_type
        )


async def detach_all(session: Any, kind: str, holder: str) -> None:
    """Detach every policy from a user (``user-policy``) or a role (``role-policy``)."""
    list_policies, detach, _ = PolicyDetached._calls[kind]
    for policy in await list_policies(session, holder):
        await detach(session, holder, policy.policy_name, policy.policy_type)


class EntityDeleted(Undo):
    """A RAM user, role or custom policy: gone when RAM no longer returns it."""

    label = ""
    what = "{name}"

    async def fetch(self, session: Any) -> Any:
        raise NotImplementedError

    async def look(self, ctx: FlowContext) -> Observation:
        if await self.fetch(ctx.session(self.account)) is None:
            return Observation(True, f"no {self.label} {self.name}")
        return Observation(False, f"{self.label} {self.name} exists")


class UserDeleted(EntityDeleted):
    """The RAM user is deleted, with whatever still hangs off it (RAM refuses otherwise)."""

    kind = "ram-user"
    verb = "delete RAM user"
    label = "RAM user"
    call = "Ram.DeleteUser ({name}, after its remaining keys, policies and login)"

    async def fetch(self, session: Any) -> Any:
        return await ram.get_user(session, self.name)

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        keys = [k.access_key_id for k in await ram.list_access_keys(session, self.name)]
        for key_id in keys:
            await ram.delete_access_key(session, self.name, key_id)
        if await ram.list_access_keys(session, self.name):
            return  # not gone yet: the runner observes again; the secrets stay
        for key_id in keys:  # a reporting key's, a kept or a left-over switch-check key's secret
            for name in (
                reporter_vault_name(self.uid, self.name, key_id),
                operator_key_vault_name(self.uid, self.name, key_id),
                check_key_vault_name(self.uid, self.name, key_id),
            ):
                await asyncio.to_thread(ctx.vault.delete, name)
        await detach_all(session, "user-policy", self.name)
        if await ram.get_login_profile(session, self.name) is not None:
            await ram.delete_login_profile(session, self.name)
        await asyncio.to_thread(ctx.vault.delete, password_vault_name(self.uid, self.name))
        await ram.delete_user(session, self.name)


class RoleDeleted(EntityDeleted):
    kind = "ram-role"
    verb = "delete role"
    label = "role"
    call = "Ram.DeleteRole ({name}, after its policies)"

    async def fetch(self, session: Any) -> Any:
        return await ram.get_role(session, self.name)

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        await detach_all(session, "role-policy", self.name)
        await ram.delete_role(session, self.name)


class PolicyDeleted(EntityDeleted):
    kind = "custom-policy"
    verb = "delete custom policy"
    label = "custom policy"
    call = "Ram.DeletePolicy ({name})"

    async def fetch(self, session: Any) -> Any:
        return await ram.get_policy(session, self.name, "Custom")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.delete_policy(ctx.session(self.account), self.name)


UNDO: dict[str, type[Undo]] = {
    "onepilot-config": OnepilotConfigRemoved,
    "onepilot-addon": OnepilotUninstalled,
    "arms-agent": AgentRemoved,
    "access-key": KeyDeleted,
    "login-profile": LoginRemoved,
    "ram-user": UserDeleted,
    "ram-role": RoleDeleted,
    "custom-policy": PolicyDeleted,
    "user-policy": PolicyDetached,
    "role-policy": PolicyDetached,
}


def _undo(
    setup: Setup,
    account: str,
    kind: str,
    name: str,
    record: dict[str, Any] | None,
    uids: dict[str, str],
    journal: Any,
    depends_on: tuple[str, ...] = (),
) -> Undo:
    extra: dict[str, Any] = {}
    if kind in ("user-policy", "role-policy"):
        extra["kind"] = kind
    if kind == "arms-agent":
        extra["monitoring"] = setup.monitoring
        extra["window_minutes"] = setup.data_window_minutes
    return UNDO[kind](setup, account, name, record, uids, journal, depends_on, **extra)


def undo_id(account: str, kind: str, name: str) -> str:
    return f"teardown/{account}/{kind}/{name}"


async def managed(flow_steps: list[Step], ctx: FlowContext) -> list[tuple[str, str, str]]:
    """(account, kind, name) of everything the setup's steps manage, whoever created it:
    what each step's change would create were nothing there, plus the reporting user's
    keys (their IDs are known only by listing them)."""
    found = []
    for step in flow_steps:
        if isinstance(step, ReporterKey):
            keys = await attached_or_none(
                ram.list_access_keys(ctx.session(step.account), step.user)
            )
            found += [(step.account, "access-key", f"{step.user}:{k.access_key_id}") for k in keys]
            continue
        found += [(step.account, m.kind, m.name) for m in step.manages(None)]
    return list(dict.fromkeys(found))


async def build_steps(
    setup: Setup, flow_steps: list[Step], ctx: FlowContext, uids: dict[str, str], journal: Any
) -> tuple[list[Step], dict[str, str]]:
    """The teardown's steps, and the ids of those kept (adopted, or an addon not asked for)
    with the reason — the runner shows them as skipped."""
    records = (
        {(r["account"], r["kind"], r["name"]): r for r in journal.created(setup.key)}
        if journal
        else {}
    )
    wanted = [
        (account, kind, name)
        for account, kind, name in dict.fromkeys([*records, *await managed(flow_steps, ctx)])
        if kind in UNDO and not _other_role(setup, kind, name)
    ]
    # Adopted things that are not there are not worth a line.
    lookers = [
        _undo(setup, account, kind, name, records.get((account, kind, name)), uids, journal)
        for account, kind, name in wanted
    ]
    present = await asyncio.gather(*(_present(u, ctx) for u in lookers))
    wanted = [w for w, u, there in zip(wanted, lookers, present) if u.record is not None or there]
    orphans = await _orphan_fates(setup, wanted, records, ctx, uids)
    kept: dict[str, str] = {}
    others = sorted(
        {_role_of(kind, name) for _, kind, name in records if _other_role(setup, kind, name)}
    )
    for account, kind, name in wanted:
        if others and kind in SHARED_BY_ROLES:
            kept[undo_id(account, kind, name)] = (
                f"kept: role {', '.join(others)} of this setup still uses it; the teardown "
                "of the last role removes it"
            )
            continue
        fate = orphans.get((account, name)) if kind == "access-key" else None
        if fate is not None and fate.kept and not setup.include_adopted:
            kept[undo_id(account, kind, name)] = fate.text
        elif fate is not None:
            continue
        elif records.get((account, kind, name)) is None and not setup.include_adopted:
            kept[undo_id(account, kind, name)] = (
                "adopted (armstui did not create it): kept; --include-adopted removes it"
            )
        elif kind == "onepilot-addon" and not setup.uninstall_addon:
            kept[undo_id(account, kind, name)] = (
                "ack-onepilot stays installed; --uninstall-addon removes it"
            )
    # Newest first within a kind; each kind waits for every kind before it.
    wanted.sort(key=lambda w: (ORDER.index(w[1]), -(records.get(w) or {}).get("created_at", 0.0)))
    undo: list[Step] = []
    before: list[str] = []
    for rank in ORDER:
        this = [
            _undo(setup, a, kind, name, records.get((a, kind, name)), uids, journal, tuple(before))
            for a, kind, name in wanted
            if kind == rank
        ]
        for step in this:
            if isinstance(step, KeyDeleted):
                fate = orphans.get((step.account, step.name))
                if fate is not None:
                    step.mark_orphan(fate.text)
        undo += this
        before += [u.id for u in this if u.id not in kept]
    return undo, kept


# What every role of a role setup shares: kept while another of its roles remains.
SHARED_BY_ROLES = ("custom-policy", "ram-user", "login-profile", "user-policy", "access-key")


def _role_of(kind: str, name: str) -> str:
    return name if kind == "ram-role" else name.split(":", 1)[0]


def _other_role(setup: Setup, kind: str, name: str) -> bool:
    """A role (or a policy on one) that the journal holds for this setup under another name:
    a role setup's teardown removes only the role it names (RAM role names ignore case)."""
    if setup.flow != "role" or kind not in ("ram-role", "role-policy"):
        return False
    return _role_of(kind, name).lower() != setup.role_name.lower()


@dataclass(frozen=True)
class OrphanFate:
    text: str  # what the plan, the checklist and the report say about the key
    kept: bool  # kept unless --include-adopted


async def _orphan_fates(
    setup: Setup,
    wanted: list[tuple[str, str, str]],
    records: dict[tuple[str, str, str], dict[str, Any]],
    ctx: FlowContext,
    uids: dict[str, str],
) -> dict[tuple[str, str], OrphanFate]:
    """(account, "user:key") -> what happens to each orphan key: one the journal does not
    know and whose secret the vault lacks. A key of a user armstui created goes with that
    user (most likely an interrupted run made it); on a user armstui found, it is kept
    (it may be someone else's) unless --include-adopted."""
    fates: dict[tuple[str, str], OrphanFate] = {}
    for account, kind, name in wanted:
        if kind != "access-key" or (account, kind, name) in records:
            continue
        user, _, key_id = name.partition(":")
        if await ctx.read_secret(reporter_vault_name(uids[account], user, key_id)):
            continue  # armstui holds its secret: armstui made it, the record was lost
        ours = (account, "ram-user", user) in records
        fates[(account, name)] = OrphanFate(
            (
                f"orphan: armstui never stored its secret (an interrupted run, or made "
                f"outside armstui); deleted, as {user}, whom armstui created, goes too"
            )
            if ours
            else (
                f"orphan: armstui never stored its secret and did not create {user}; kept "
                "(it may be someone else's); --include-adopted deletes it"
            ),
            kept=not ours,
        )
    return fates


async def _present(step: Undo, ctx: FlowContext) -> bool:
    if step.record is not None:
        return True
    return not (await step.look(ctx)).holds
