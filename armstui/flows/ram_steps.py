"""RAM steps every flow shares: a user, its policies, a custom policy, a role's policies."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from armstui.cloud import ram
from armstui.cloud.errors import CloudError
from armstui.flows.context import FlowContext
from armstui.flows.facts import PoliciesMissing, StillInCloud, UserFound
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation, Step

# Read-only ARMS: what a person needs to look at A's applications, and nothing more.
ARMS_READ_ONLY_POLICY: dict[str, Any] = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["arms:Get*", "arms:List*", "arms:Describe*", "arms:Search*", "arms:Query*"],
            "Resource": "*",
        }
    ],
}


async def attached_or_none(call: Any) -> list[Any]:
    """A listing of what hangs off a user or role, empty while the user or role does not
    exist yet (a plan observes steps before their dependencies are applied)."""
    try:
        found: list[Any] = await call
        return found
    except CloudError as error:
        if error.code in ("EntityNotExist.User", "EntityNotExist.Role"):
            return []
        raise


async def key_and_secret_gone(
    ctx: FlowContext, account: str, user: str, key_id: str, vault_name: str
) -> Observation:
    """Holds when RAM no longer has the key and the vault no longer holds its secret."""
    keys = await attached_or_none(ram.list_access_keys(ctx.session(account), user))
    if any(k.access_key_id == key_id for k in keys):
        return Observation(False, f"key {key_id} exists", fact=StillInCloud())
    if await ctx.read_secret(vault_name):
        return Observation(False, f"key {key_id} is deleted; its vault entry is not yet")
    return Observation(True, f"key {key_id} and its vault entry are gone")


async def delete_key_then_secret(
    ctx: FlowContext, account: str, user: str, key_id: str, vault_name: str, in_cloud: bool = True
) -> None:
    """Delete a key in RAM and, once RAM no longer lists it, its secret in the vault — never
    the other way round: a key whose secret armstui dropped could not be used or removed by it."""
    session = ctx.session(account)
    if in_cloud:
        await ram.delete_access_key(session, user, key_id)
        if any(k.access_key_id == key_id for k in await ram.list_access_keys(session, user)):
            return  # not gone yet: the runner observes again; the secret stays
    await asyncio.to_thread(ctx.vault.delete, vault_name)


class UserExists(Step):
    def __init__(
        self, flow: str, account: str, user: str, purpose: str, depends_on: tuple[str, ...] = ()
    ) -> None:
        super().__init__(
            id=f"{flow}/{account}/user/{user}",
            title=f"RAM user {user} ({purpose})",
            flow=flow,
            account=account,
            depends_on=depends_on,
        )
        self.user = user

    async def observe(self, ctx: FlowContext) -> Observation:
        user = await ram.get_user(ctx.session(self.account), self.user)
        if user is None:
            return Observation(False, f"no RAM user {self.user}")
        return Observation(True, f"RAM user {self.user} exists", fact=UserFound(user.user_id))

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.create_user(ctx.session(self.account), self.user)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.CreateUser ({self.user} in {self.account})"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [Managed("ram-user", self.user)]


HolderKind = Literal["user", "role"]


class AttachedPolicies(Step):
    """A user or a role has these policies attached (others it has are left alone)."""

    _calls = {
        "user": (ram.list_policies_for_user, ram.attach_policy_to_user, "Ram.AttachPolicyToUser"),
        "role": (ram.list_policies_for_role, ram.attach_policy_to_role, "Ram.AttachPolicyToRole"),
    }

    def __init__(
        self,
        flow: str,
        account: str,
        holder_kind: HolderKind,
        holder: str,
        policies: list[tuple[str, str]],
        depends_on: tuple[str, ...],
    ) -> None:
        names = ", ".join(name for _, name in policies)
        super().__init__(
            id=f"{flow}/{account}/{holder_kind}/{holder}/policies",
            title=f"{holder} has {names}"
            if holder_kind == "user"
            else f"role {holder} has {names}",
            flow=flow,
            account=account,
            depends_on=depends_on,
        )
        self.holder_kind = holder_kind
        self.holder = holder
        self.policies = tuple(policies)

    async def observe(self, ctx: FlowContext) -> Observation:
        list_policies = self._calls[self.holder_kind][0]
        attached = await attached_or_none(list_policies(ctx.session(self.account), self.holder))
        have = {(p.policy_type, p.policy_name) for p in attached}
        missing = tuple(p for p in self.policies if p not in have)
        if missing:
            return Observation(
                False,
                "missing: " + ", ".join(name for _, name in missing),
                fact=PoliciesMissing(missing),
            )
        return Observation(True, "attached: " + ", ".join(name for _, name in self.policies))

    def _missing(self, seen: Observation | None) -> tuple[tuple[str, str], ...]:
        if seen is None:
            return self.policies
        fact = seen.fact_of(PoliciesMissing)
        return fact.policies if fact else ()

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        attach = self._calls[self.holder_kind][1]
        for policy_type, name in self._missing(seen):
            await attach(ctx.session(self.account), self.holder, name, policy_type)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        fact = seen.fact_of(PoliciesMissing) if seen else None
        missing = fact.policies if fact else self.policies
        return [
            f"{self._calls[self.holder_kind][2]} ({name} to {self.holder})" for _, name in missing
        ]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [
            Managed(f"{self.holder_kind}-policy", f"{self.holder}:{kind}:{name}")
            for kind, name in self._missing(before)
        ]


class CustomPolicy(Step):
    """A custom policy with exactly this document exists."""

    def __init__(
        self, flow: str, account: str, name: str, document: dict[str, Any], description: str
    ) -> None:
        super().__init__(
            id=f"{flow}/{account}/policy/{name}",
            title=f"custom policy {name}",
            flow=flow,
            account=account,
        )
        self.name = name
        self.document = document
        self.description = description

    async def observe(self, ctx: FlowContext) -> Observation:
        policy = await ram.get_policy(ctx.session(self.account), self.name, "Custom")
        if policy is None:
            return Observation(False, f"no custom policy {self.name}")
        if policy.document != self.document:
            return Observation(
                False,
                f"custom policy {self.name} exists with another document",
                needs_you=f"Review custom policy {self.name} in {self.account}: its document differs from "
                f"the one armstui generates ({json.dumps(self.document)}). Delete or rename it, then run again.",
            )
        return Observation(True, f"custom policy {self.name} is in place")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.create_policy(
            ctx.session(self.account), self.name, self.document, self.description
        )

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.CreatePolicy ({self.name}: {json.dumps(self.document)})"]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [Managed("custom-policy", self.name)]


def access_steps(flow: str, setup: Setup) -> list[Step]:
    """The chosen access approach for people in A, after the reporting is proven."""
    a = setup.monitoring
    if setup.access == "dedicated-full":
        user = UserExists(flow, a, setup.people_user, "people, full ARMS")
        return [
            user,
            AttachedPolicies(
                flow, a, "user", setup.people_user, [("System", "AliyunARMSFullAccess")], (user.id,)
            ),
        ]
    if setup.access == "dedicated-custom":
        policy = CustomPolicy(
            flow, a, setup.custom_policy, ARMS_READ_ONLY_POLICY, "armstui: read-only ARMS"
        )
        user = UserExists(flow, a, setup.people_user, "people, read-only ARMS")
        attach = AttachedPolicies(
            flow,
            a,
            "user",
            setup.people_user,
            [("Custom", setup.custom_policy)],
            (user.id, policy.id),
        )
        return [policy, user, attach]
    return []
