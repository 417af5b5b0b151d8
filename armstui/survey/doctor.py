"""Doctor: a read-only preflight that says what a flow will trip over, before it runs.

Each check makes read-only calls only and answers a :class:`Finding`: ok, warn (works, but
not as it should) or fail (a flow will stop here), with what was seen and the fix. Checks
run concurrently; a check that could not run (network, signature) is an ``error`` finding,
so the operator can tell "something is wrong" from "we could not look".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any

from armstui import policy
from armstui.cloud import arms, cs, ecs, ram, sts
from armstui.cloud.errors import CloudError

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession

SIGNATURE_WINDOW_S = 15 * 60  # requests signed further off than this are refused
SKEW_WARN_S = 60
KEY_LIMIT = 2  # AccessKeys per RAM user
OLD_KEY_DAYS = 90
CROSS_ACCOUNT_KEYS = frozenset({"accessKey", "accessKeySecret", "uid"})


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # the check could not run


@dataclass(frozen=True)
class Finding:
    account: str
    check: str
    status: Status
    detail: str
    fix: str = ""
    step: str = ""  # the flow step that would fix it, where one does

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


@dataclass(frozen=True)
class Role:
    """One account and what the flows need of it."""

    session: CloudSession
    monitoring: bool  # A (else a source B)
    saved_uid: str | None = None


@dataclass
class DoctorReport:
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.status in (Status.FAIL, Status.ERROR) for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0 nothing fails, 3 something needs the operator, 1 a check could not run."""
        if any(f.status is Status.ERROR for f in self.findings):
            return 1
        return 3 if any(f.status is Status.FAIL for f in self.findings) else 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.to_json() for f in self.findings]}


Check = Callable[[], Awaitable[list[Finding]]]


def _error(account: str, check: str, error: CloudError) -> Finding:
    return Finding(
        account,
        check,
        Status.ERROR,
        f"{error.code}: {error.message} (request ID {error.request_id or 'none'})",
        error.hint or "",
    )


async def _guarded(account: str, check: str, run: Check) -> list[Finding]:
    try:
        return await run()
    except CloudError as error:
        return [_error(account, check, error)]


async def identity(role: Role, now: Callable[[], float], skews: list[float]) -> list[Finding]:
    session = role.session
    who = await sts.get_caller_identity(session)
    out = []
    seen = f"{who.identity_type} {who.arn}"
    if role.saved_uid and who.account_id != role.saved_uid:
        out.append(
            Finding(
                session.alias,
                "identity",
                Status.FAIL,
                f"the keys belong to account {who.account_id}, saved as {role.saved_uid}",
                "Correct the account ID or the keys: armstui accounts remove, then add again.",
            )
        )
    elif who.identity_type == "Account":
        out.append(
            Finding(
                session.alias,
                "identity",
                Status.WARN,
                f"{seen}: the account's root key",
                "Use a RAM user's AccessKey: root keys cannot assume roles, and their use is "
                "discouraged (RAM console > Users > Create user, with the policies doctor names).",
            )
        )
    else:
        out.append(Finding(session.alias, "identity", Status.OK, seen))
    if who.server_time is not None:
        skews.append(now() - who.server_time)
    return out


async def arms_activated(role: Role) -> list[Finding]:
    session = role.session
    try:
        await arms.describe_trace_license_key(session)
    except CloudError as error:
        if error.code != arms.ARMS_NOT_ACTIVATED:
            raise
        return [
            Finding(
                session.alias,
                "ARMS activated",
                Status.FAIL,
                f"ARMS is not activated in {session.region}",
                error.hint or arms.console_link(session.region),
            )
        ]
    return [Finding(session.alias, "ARMS activated", Status.OK, f"license key in {session.region}")]


def _age_days(create_date: str, now: float) -> float:
    created = datetime.fromisoformat(create_date.replace("Z", "+00:00"))
    return (now - created.timestamp()) / 86400


async def reporting_keys(
    role: Role, user: str, vault_has: Callable[[str], bool], now: Callable[[], float]
) -> list[Finding]:
    session = role.session
    if await ram.get_user(session, user) is None:
        return [
            Finding(
                session.alias,
                "reporting keys",
                Status.OK,
                f"RAM user {user} does not exist yet: the ACK flow creates it",
            )
        ]
    keys = await ram.list_access_keys(session, user)
    held = [k for k in keys if await asyncio.to_thread(vault_has, k.access_key_id)]
    ages = [_age_days(k.create_date, now()) for k in keys if k.create_date]
    used = await asyncio.gather(
        *(ram.get_access_key_last_used(session, user, k.access_key_id) for k in keys)
    )
    shown = ", ".join(
        f"{k.access_key_id[:4]}…{k.access_key_id[-4:]} {k.status}"
        + (f", {_age_days(k.create_date, now()):.0f} days old" if k.create_date else "")
        + f", last used {last or 'never'}"
        + (" (in the vault)" if k in held else "")
        for k, last in zip(keys, used, strict=True)
    )
    if len(keys) >= KEY_LIMIT:
        return [
            Finding(
                session.alias,
                "reporting keys",
                Status.FAIL if not held else Status.WARN,
                f"{user} has {len(keys)} keys, the limit: {shown}",
                "Delete the key no cluster uses (armstui rotate finishes an open rotation), "
                "else a new key cannot be created.",
                step=f"ack/{session.alias}/user/{user}/key",
            )
        ]
    if keys and not held:
        return [
            Finding(
                session.alias,
                "reporting keys",
                Status.WARN,
                f"{user}'s key is not in this machine's vault: {shown}",
                "apply with --replace-orphan-key makes a new one (its secret is not recoverable).",
                step=f"ack/{session.alias}/user/{user}/key",
            )
        ]
    if ages and max(ages) > OLD_KEY_DAYS:
        return [
            Finding(
                session.alias,
                "reporting keys",
                Status.WARN,
                f"{user}'s key is {max(ages):.0f} days old: {shown}",
                "Rotate it: armstui rotate --flow ack …",
            )
        ]
    return [Finding(session.alias, "reporting keys", Status.OK, shown or f"{user} has no key yet")]


async def clusters(role: Role, monitoring_region: str) -> list[Finding]:
    session = role.session
    found = await cs.describe_clusters(session)
    if not found:
        return [
            Finding(
                session.alias,
                "ACK clusters",
                Status.WARN,
                f"no ACK cluster in {session.region}",
                "Look in another region (--region), or use the ECS flow.",
            )
        ]
    per_cluster = await asyncio.gather(
        *(_cluster(session, cluster, monitoring_region) for cluster in found)
    )
    return [f for findings in per_cluster for f in findings]


async def _cluster(
    session: CloudSession, cluster: cs.Cluster, monitoring_region: str
) -> list[Finding]:
    out = []
    where = f"{cluster.name} ({cluster.cluster_id})"
    addon = await cs.get_cluster_addon(session, cluster.cluster_id, cs.ONEPILOT)
    unknown = ""
    try:
        release: cs.AddonRelease | None = await cs.describe_addon(
            session, cs.ONEPILOT, cluster.cluster_id
        )
    except CloudError as error:  # a release the catalogue does not describe
        release, unknown = None, error.code
    newest = (
        max(release.upgradable, key=cs.parse_version, default=release.version)
        if release
        else "the newest release"
    )
    if release is None:
        out.append(
            Finding(
                session.alias,
                "onepilot releases",
                Status.WARN,
                f"{where}: the release catalogue did not answer ({unknown})",
                "Check the upgradable releases in the ACK console (Add-ons).",
            )
        )
    elif release.config_keys is not None and not CROSS_ACCOUNT_KEYS <= release.config_keys:
        out.append(
            Finding(
                session.alias,
                "onepilot schema",
                Status.FAIL,
                f"{where}: the addon's config schema lacks "
                + ", ".join(sorted(CROSS_ACCOUNT_KEYS - release.config_keys)),
                "This ack-onepilot cannot report across accounts: upgrade it in the ACK console.",
            )
        )
    if addon is None:
        out.append(
            Finding(
                session.alias,
                "ack-onepilot",
                Status.WARN,
                f"{where}: not installed (the ACK flow installs {newest})",
                "",
                step=f"ack/{session.alias}/{cluster.cluster_id}/onepilot",
            )
        )
    elif cs.parse_version(addon.version) < cs.MIN_CROSS_ACCOUNT_ONEPILOT:
        out.append(
            Finding(
                session.alias,
                "ack-onepilot",
                Status.WARN,
                f"{where}: {addon.version} is older than 3.0.14 (the ACK flow upgrades it to {newest})",
                "Upgrading restarts onepilot; pods are re-instrumented on their next restart.",
                step=f"ack/{session.alias}/{cluster.cluster_id}/onepilot",
            )
        )
    else:
        out.append(Finding(session.alias, "ack-onepilot", Status.OK, f"{where}: {addon.version}"))
    if cluster.region_id and cluster.region_id != monitoring_region:
        out.append(
            Finding(
                session.alias,
                "region",
                Status.WARN,
                f"{where} is in {cluster.region_id}, A's ARMS in {monitoring_region}",
                "Cross-region reporting needs ack-onepilot 3.3.0+ with ARMS_REPORT_REGION.",
            )
        )
    return out


async def instances(role: Role) -> list[Finding]:
    session = role.session
    running = [i for i in await ecs.describe_instances(session) if i.status == "Running"]
    if not running:
        return [
            Finding(
                session.alias, "ECS instances", Status.WARN, f"none running in {session.region}"
            )
        ]
    status = await ecs.describe_cloud_assistant_status(session, [i.instance_id for i in running])
    without = [i for i in running if not status[i.instance_id].running]
    if not without:
        return [
            Finding(
                session.alias,
                "Cloud Assistant",
                Status.OK,
                f"running on all {len(running)} instances",
            )
        ]
    names = ", ".join(f"{i.instance_name or ''} ({i.instance_id})".strip() for i in without)
    return [
        Finding(
            session.alias,
            "Cloud Assistant",
            Status.WARN,
            f"not running on {len(without)} of {len(running)} instances: {names}",
            "Install it (ECS console > Cloud Assistant > Install), or the ECS flow gives those "
            "instances the manual commands.",
        )
    ]


# The actions each flow calls, per side: a caller whose policies leave one out stops there.
MONITORING_ACTIONS: dict[str, tuple[str, ...]] = {
    "ack": (
        "ram:GetUser",
        "ram:CreateUser",
        "ram:AttachPolicyToUser",
        "ram:ListPoliciesForUser",
        "ram:ListAccessKeys",
        "ram:CreateAccessKey",
        "arms:ListTraceApps",
        "arms:SearchTracesByPage",
    ),
    "ecs": (
        "arms:DescribeTraceLicenseKey",
        "arms:GetAgentDownloadUrl",
        "arms:ListTraceApps",
        "arms:SearchTracesByPage",
    ),
    "role": (
        "ram:GetRole",
        "ram:CreateRole",
        "ram:UpdateRole",
        "ram:GetPolicy",
        "ram:CreatePolicy",
        "ram:AttachPolicyToRole",
        "ram:ListPoliciesForRole",
    ),
}
SOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "ack": (
        "cs:DescribeClustersV1",
        "cs:GetClusterAddonInstance",
        "cs:DescribeAddon",
        "cs:InstallClusterAddons",
        "cs:ModifyClusterAddon",
        "cs:UpgradeClusterAddons",
    ),
    "ecs": (
        "ecs:DescribeInstances",
        "ecs:DescribeCloudAssistantStatus",
        "ecs:RunCommand",
        "ecs:DescribeInvocations",
        "ecs:DescribeInvocationResults",
    ),
    "role": (
        "ram:GetUser",
        "ram:CreateUser",
        "ram:AttachPolicyToUser",
        "ram:CreateAccessKey",
        "ram:CreateLoginProfile",
    ),
}


async def _own_policies(session: CloudSession, who: sts.CallerIdentity) -> list[dict[str, Any]]:
    """The documents of the policies attached to the caller (a RAM user or a role)."""
    name = who.arn.rsplit(":", 1)[-1]
    if who.identity_type == "RAMUser":
        attached = await ram.list_policies_for_user(session, name.split("/", 1)[1])
    else:  # an assumed role: acs:ram::<uid>:assumed-role/<role>/<session>
        attached = await ram.list_policies_for_role(session, name.split("/")[1])
    found = await asyncio.gather(
        *(ram.get_policy(session, p.policy_name, p.policy_type) for p in attached)
    )
    return [p.document for p in found if p is not None]


async def permissions(role: Role) -> list[Finding]:
    """Evaluate the caller's own policies against the actions each flow calls, where the
    caller may read them (ListPoliciesForUser / ListPoliciesForRole and GetPolicy)."""
    session = role.session
    who = await sts.get_caller_identity(session)
    if who.identity_type == "Account":
        return [Finding(session.alias, "permissions", Status.OK, "root may do anything")]
    try:
        documents = await _own_policies(session, who)
    except CloudError as error:
        if not error.code.startswith(("NoPermission", "Forbidden")):
            raise
        return [
            Finding(
                session.alias,
                "permissions",
                Status.WARN,
                f"{who.arn} may not read its own policies ({error.code}): not evaluated",
                "Allow ram:ListPoliciesForUser and ram:GetPolicy so doctor can check them, "
                "or compare the flows' actions with the policies in the RAM console.",
            )
        ]
    out = []
    for flow, actions in (MONITORING_ACTIONS if role.monitoring else SOURCE_ACTIONS).items():
        missing = [a for a in actions if policy.evaluate(documents, a) != "Allow"]
        if missing:
            out.append(
                Finding(
                    session.alias,
                    f"permissions ({flow})",
                    Status.FAIL,
                    f"{who.arn} may not: {', '.join(missing)}",
                    f"Attach a policy allowing {', '.join(missing)} to {who.arn} "
                    "(RAM console > Users > Permissions), or AdministratorAccess.",
                )
            )
        else:
            out.append(
                Finding(
                    session.alias,
                    f"permissions ({flow})",
                    Status.OK,
                    f"the {flow} flow's {len(actions)} actions are allowed",
                )
            )
    return out


def clock(skews: Sequence[float]) -> list[Finding]:
    """The worst clock skew seen against the cloud's Date headers."""
    if not skews:
        return []
    skew = max(skews, key=abs)
    status = (
        Status.FAIL
        if abs(skew) >= SIGNATURE_WINDOW_S
        else Status.WARN
        if abs(skew) >= SKEW_WARN_S
        else Status.OK
    )
    fix = (
        ""
        if status is Status.OK
        else "Synchronise the clock (chrony or systemd-timesyncd): requests signed more than "
        "15 minutes off are refused."
    )
    return [
        Finding(
            "local", "clock", status, f"this machine's clock is {skew:+.0f} s off the cloud's", fix
        )
    ]


async def run_doctor(
    roles: Sequence[Role],
    *,
    reporter_user: str,
    vault_has: Callable[[str], bool],
    now: Callable[[], float] = time.time,
    local: Sequence[Finding] = (),
) -> DoctorReport:
    """Every check for every account, concurrently; findings in account order."""
    monitoring_region = next((r.session.region for r in roles if r.monitoring), "")
    skews: list[float] = []
    checks: list[Awaitable[list[Finding]]] = []
    for role in roles:
        alias = role.session.alias
        checks.append(_guarded(alias, "identity", partial(identity, role, now, skews)))
        checks.append(_guarded(alias, "permissions", partial(permissions, role)))
        if role.monitoring:
            checks.append(_guarded(alias, "ARMS activated", partial(arms_activated, role)))
            checks.append(
                _guarded(
                    alias,
                    "reporting keys",
                    partial(reporting_keys, role, reporter_user, vault_has, now),
                )
            )
        else:
            checks.append(
                _guarded(alias, "ACK clusters", partial(clusters, role, monitoring_region))
            )
            checks.append(_guarded(alias, "ECS instances", partial(instances, role)))
    results = await asyncio.gather(*checks)
    return DoctorReport([*local, *clock(skews), *(f for group in results for f in group)])
