"""The role flow: B's people switch into a role in A and see A's ARMS applications.

Steps:
1. in A, role ``arms-admin`` whose trust policy names B's account(s) and nothing else
   (``{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",
   "Principal":{"RAM":["acs:ram::<B>:root"]}}],"Version":"1"}``), with AliyunARMSFullAccess or
   the generated read-only policy;
2. in B, RAM user ``arms-operator`` with a console login profile (generated password, kept
   in the vault) and AliyunSTSAssumeRoleAccess;
3. proof (the identity-switch check): as that user, AssumeRole and list A's applications
   (STS refuses AssumeRole with an account's root key, so the proof signs as the RAM user).
   The proof needs the user's own AccessKey: a short-lived one is created for it and deleted
   right after, unless the operator keeps it.

The short-lived key must not outlive the run, even a killed one. Before CreateAccessKey a
marker in the vault lists the user's keys; right after, the new key's secret goes to the
vault under the check-key name and the marker goes. A later check deletes every key whose
secret sits under that name, and any key that appeared while a marker was left (a run killed
between the answer and the vault). The delete is retried; what it cannot delete now stays
recognisable for the next run, which also frees the user's two-key limit this way.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import string
from typing import Any

from armstui.cloud import arms, ram, sts
from armstui.cloud.errors import CloudError
from armstui.flows.context import FlowContext
from armstui.flows.facts import AppsReporting, Existence
from armstui.flows.ram_steps import (
    ARMS_READ_ONLY_POLICY,
    AttachedPolicies,
    CustomPolicy,
    UserExists,
    attached_or_none,
)
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation, Step

CONSOLE_LOGIN_URL = "https://signin.aliyun.com/{uid}.onaliyun.com/login.htm"
SWITCH_ROLE_URL = "https://signin.aliyun.com/switchRole.htm"


def trust_policy(source_uids: list[str]) -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"RAM": [f"acs:ram::{uid}:root" for uid in sorted(source_uids)]},
            }
        ],
        "Version": "1",
    }


def trusted_principals(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {}).get("RAM", [])
        found.update([principal] if isinstance(principal, str) else principal)
    return found


def role_arn(uid: str, role: str) -> str:
    return f"acs:ram::{uid}:role/{role.lower()}"


def generate_password(length: int = 20) -> str:
    """Meets RAM's usual password policy: upper, lower, digit and a symbol."""
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in pw)
            and any(c.isupper() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(not c.isalnum() for c in pw)
        ):
            return pw


def password_vault_name(uid: str, user: str) -> str:
    return f"login/{uid}/{user}"


def operator_key_vault_name(uid: str, user: str, key_id: str) -> str:
    """Where a kept switch-check key's secret rests (``--keep-check-key``)."""
    return f"operator/{uid}/{user}/{key_id}"


def check_key_vault_name(uid: str, user: str, key_id: str) -> str:
    """Where a short-lived switch-check key's secret rests until the key is deleted."""
    return f"switch-check/{uid}/{user}/{key_id}"


def check_key_marker_name(uid: str, user: str) -> str:
    """Set while a check key is being created: the user's key IDs before it (JSON)."""
    return f"switch-check/{uid}/{user}/creating"


MAX_KEYS_PER_USER = 2  # RAM's limit of AccessKeys per user
DELETE_ATTEMPTS = 5
GONE_CODES = ("EntityNotExist.User.AccessKey", "EntityNotExist.User")


class TwoKeyLimit(Exception):
    """The user already holds RAM's two AccessKeys, neither of them a check key of ours."""


async def delete_with_retries(
    ctx: FlowContext, session: Any, user: str, key_id: str, *, attempts: int = DELETE_ATTEMPTS
) -> bool:
    """Delete the key, retrying retryable failures with a growing pause; True once RAM no
    longer has it. A key already gone counts as deleted."""
    for attempt in range(1, attempts + 1):
        try:
            await ram.delete_access_key(session, user, key_id)
            return True
        except CloudError as error:
            if error.code in GONE_CODES:
                return True
            if not error.retryable or attempt == attempts:
                return False
        except OSError:
            if attempt == attempts:
                return False
        await ctx.sleep(2.0 * attempt)
    return False


async def remove_leftover_check_keys(
    ctx: FlowContext, session: Any, uid: str, user: str
) -> list[ram.AccessKey]:
    """Delete the check keys earlier runs left behind; the user's keys that remain."""
    keys = await ram.list_access_keys(session, user)
    marker = await ctx.read_secret(check_key_marker_name(uid, user))
    try:
        before = set(json.loads(marker)) if marker else None
    except ValueError:
        before = None
    kept = []
    for key in keys:
        held_as_check = await ctx.read_secret(check_key_vault_name(uid, user, key.access_key_id))
        held_as_kept = await ctx.read_secret(operator_key_vault_name(uid, user, key.access_key_id))
        orphan = before is not None and key.access_key_id not in before and not held_as_kept
        if (held_as_check or orphan) and await delete_with_retries(
            ctx, session, user, key.access_key_id
        ):
            await asyncio.to_thread(
                ctx.vault.delete, check_key_vault_name(uid, user, key.access_key_id)
            )
            continue
        kept.append(key)
    if marker is not None:
        await asyncio.to_thread(ctx.vault.delete, check_key_marker_name(uid, user))
    return kept


async def new_check_key(
    ctx: FlowContext, session: Any, uid: str, user: str, keep: bool
) -> ram.NewAccessKey:
    """A new key for the check, its secret in the vault before anything else uses it."""
    keys = await remove_leftover_check_keys(ctx, session, uid, user)
    if len(keys) >= MAX_KEYS_PER_USER:
        raise TwoKeyLimit(", ".join(k.access_key_id for k in keys))
    marker = check_key_marker_name(uid, user)
    await ctx.store_secret(marker, json.dumps(sorted(k.access_key_id for k in keys)))
    key = await ram.create_access_key(session, user)
    name = operator_key_vault_name if keep else check_key_vault_name
    await ctx.store_secret(name(uid, user, key.access_key_id), key.secret)
    await asyncio.to_thread(ctx.vault.delete, marker)
    return key


def exists(seen: Observation | None) -> bool:
    """The observation found the thing already there (so apply updates, not creates)."""
    found = seen.fact_of(Existence) if seen else None
    return bool(found and found.exists)


async def _as_list(call: Any) -> list[Any]:
    found = await call
    return [found] if found is not None else []


class RoleTrusted(Step):
    def __init__(self, setup: Setup, uids: dict[str, str]) -> None:
        super().__init__(
            id=f"role/{setup.monitoring}/role/{setup.role_name}",
            title=f"role {setup.role_name} trusted by {', '.join(setup.sources)}",
            flow="role",
            account=setup.monitoring,
        )
        self.role = setup.role_name
        self.wanted = trust_policy([uids[s] for s in setup.sources])

    async def observe(self, ctx: FlowContext) -> Observation:
        role = await ram.get_role(ctx.session(self.account), self.role)
        if role is None:
            return Observation(False, f"no role {self.role}", fact=Existence(False))
        have, want = trusted_principals(role.trust_policy), trusted_principals(self.wanted)
        if have != want:
            return Observation(
                False,
                f"role {self.role} trusts {sorted(have) or 'nobody'}, not {sorted(want)}",
                fact=Existence(True),
            )
        return Observation(
            True,
            f"role {self.role} trusts {', '.join(sorted(want))} only",
            fact=Existence(True, role.arn),
        )

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        session = ctx.session(self.account)
        if exists(seen):
            await ram.update_role(session, self.role, self.wanted)
        else:
            await ram.create_role(
                session, self.role, self.wanted, "armstui: ARMS access for source accounts"
            )

    def planned_calls(self, seen: Observation | None) -> list[str]:
        if exists(seen):
            return [f"Ram.UpdateRole ({self.role}: trust only the source accounts)"]
        return [f"Ram.CreateRole ({self.role}, trusted by the source accounts)"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [] if exists(before) else [Managed("ram-role", self.role)]


class LoginProfile(Step):
    """The user can sign in to the console; the generated password is in the vault."""

    def __init__(self, account: str, uid: str, user: str, depends_on: tuple[str, ...]) -> None:
        super().__init__(
            id=f"role/{account}/user/{user}/login",
            title=f"console login for {user}, password in the vault",
            flow="role",
            account=account,
            depends_on=depends_on,
        )
        self.uid = uid
        self.user = user

    async def observe(self, ctx: FlowContext) -> Observation:
        profiles = await attached_or_none(
            _as_list(ram.get_login_profile(ctx.session(self.account), self.user))
        )
        profile = profiles[0] if profiles else None
        held = await ctx.read_secret(password_vault_name(self.uid, self.user))
        if profile is None:
            return Observation(False, f"{self.user} has no console login", fact=Existence(False))
        if not held:
            return Observation(
                False,
                f"{self.user} can log in, but armstui does not hold the password",
                fact=Existence(True),
            )
        return Observation(True, f"{self.user} can log in; the password is in the vault")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        password = generate_password()
        # Keep the password before RAM knows it: a lost answer must not lose it.
        await ctx.store_secret(password_vault_name(self.uid, self.user), password)
        session = ctx.session(self.account)
        if exists(seen):
            await ram.update_login_profile(session, self.user, password)
        else:
            await ram.create_login_profile(session, self.user, password)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        verb = "UpdateLoginProfile" if exists(seen) else "CreateLoginProfile"
        return [f"Ram.{verb} ({self.user}; generated password goes to the vault)"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [] if exists(before) else [Managed("login-profile", self.user)]


class SwitchCheck(Step):
    """Proof: B's operator assumes A's role and lists A's applications."""

    observe_mutates = True  # a short-lived AccessKey for the operator, deleted right after

    # With keep_check_key the key stays for `armstui switch`: its secret goes to the vault
    # before anything else (never a key whose secret armstui dropped), and later checks
    # reuse it instead of making more (RAM allows two keys per user).

    def __init__(
        self, setup: Setup, source: str, uids: dict[str, str], depends_on: tuple[str, ...]
    ) -> None:
        user = setup.operator_user
        super().__init__(
            id=f"role/{source}/switch-check",
            title=f"{user} in {source} switches into {setup.role_name} and lists {setup.monitoring}'s apps",
            flow="role",
            account=source,
            depends_on=depends_on,
        )
        self.user = user
        self.monitoring = setup.monitoring
        self.keep_key = setup.keep_check_key
        self.arn = role_arn(uids[setup.monitoring], setup.role_name)
        self.monitoring_uid = uids[setup.monitoring]
        self.source_uid = uids[source]
        self.role = setup.role_name

    async def _key(self, ctx: FlowContext, session: Any) -> tuple[str, str, bool]:
        """(key ID, secret, made now) of the operator's key for the check."""
        if self.keep_key:
            for kept in await ram.list_access_keys(session, self.user):
                secret = await ctx.read_secret(
                    operator_key_vault_name(self.source_uid, self.user, kept.access_key_id)
                )
                if secret and kept.status == "Active":
                    return kept.access_key_id, secret, False
        key = await new_check_key(ctx, session, self.source_uid, self.user, self.keep_key)
        return key.access_key_id, key.secret, True

    async def _drop(self, ctx: FlowContext, session: Any, key_id: str) -> None:
        """Delete the short-lived key, then its secret; a key RAM still has after the retries
        keeps its vault entry, so the next check removes it."""
        if await delete_with_retries(ctx, session, self.user, key_id):
            await asyncio.to_thread(
                ctx.vault.delete, check_key_vault_name(self.source_uid, self.user, key_id)
            )

    async def observe(self, ctx: FlowContext) -> Observation:
        session = ctx.session(self.account)
        try:
            key_id, secret, made = await self._key(ctx, session)
        except TwoKeyLimit as full:
            return Observation(
                False,
                f"{self.user} already has two AccessKeys ({full}) that armstui did not make",
                needs_you=(
                    f"RAM allows two AccessKeys per user and {self.user} in {self.account} has "
                    f"two that armstui did not make ({full}). Delete one you no longer use "
                    "(RAM console > Users > AccessKey), then run again."
                ),
            )
        try:
            as_user = session.with_credentials(key_id, secret)
            as_role = await as_user.assume(self.arn, "armstui-switch-check")
            who = await sts.get_caller_identity(as_role)
            apps = await arms.list_trace_apps(as_role)
        finally:
            if made and not self.keep_key:
                await asyncio.shield(self._drop(ctx, session, key_id))
        handover = (
            f"console: sign in as {self.user} at {CONSOLE_LOGIN_URL.format(uid=self.source_uid)}, "
            f"then Switch Role ({SWITCH_ROLE_URL}) with account {self.monitoring_uid} and role {self.role}"
        )
        if who.account_id != self.monitoring_uid:
            return Observation(
                False, f"switched into account {who.account_id}, expected {self.monitoring_uid}"
            )
        kept = (
            f" Key {key_id} of {self.user} is kept, its secret in the vault."
            if self.keep_key
            else ""
        )
        return Observation(
            True,
            f"as {who.arn}: {len(apps)} application(s) visible in {self.monitoring}. {handover}.{kept}",
            fact=AppsReporting(tuple(a.app_name for a in apps)),
        )


async def build_steps(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    """The role flow's steps (nothing to list first: ``ctx`` goes unused)."""
    a = setup.monitoring
    role = RoleTrusted(setup, uids)
    steps: list[Step] = [role]
    if setup.role_policy == "custom":
        policy = CustomPolicy(
            "role", a, setup.custom_policy, ARMS_READ_ONLY_POLICY, "armstui: read-only ARMS"
        )
        steps += [
            policy,
            AttachedPolicies(
                "role",
                a,
                "role",
                setup.role_name,
                [("Custom", setup.custom_policy)],
                (role.id, policy.id),
            ),
        ]
    else:
        steps.append(
            AttachedPolicies(
                "role", a, "role", setup.role_name, [("System", "AliyunARMSFullAccess")], (role.id,)
            )
        )
    role_ready = tuple(s.id for s in steps)
    for source in setup.sources:
        user = UserExists("role", source, setup.operator_user, "switches into A's role")
        login = LoginProfile(source, uids[source], setup.operator_user, (user.id,))
        allowed = AttachedPolicies(
            "role",
            source,
            "user",
            setup.operator_user,
            [("System", "AliyunSTSAssumeRoleAccess")],
            (user.id,),
        )
        check = SwitchCheck(setup, source, uids, role_ready + (user.id, login.id, allowed.id))
        steps += [user, login, allowed, check]
    return steps
