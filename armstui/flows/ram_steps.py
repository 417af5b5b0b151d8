"""RAM steps every flow shares: a user, its policies, a custom policy, a role's policies."""

from __future__ import annotations

import json
from typing import Any

from armstui.cloud import ram
from armstui.cloud.errors import CloudError
from armstui.flows.context import FlowContext
from armstui.flows.step import Observation, Step

# Read-only ARMS: what a person needs to look at A's applications, and nothing more.
ARMS_READ_ONLY_POLICY: dict[str, Any] = {
    "Version": "1",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["arms:Get*", "arms:List*", "arms:Describe*", "arms:Search*", "arms:Query*"],
        "Resource": "*",
    }],
}


async def attached_or_none(call: Any) -> list[Any]:
    """A listing of what hangs off a user or role, empty while the user or role does not
    exist yet (a plan observes steps before their dependencies are applied)."""
    try:
        return await call
    except CloudError as error:
        if error.code in ("EntityNotExist.User", "EntityNotExist.Role"):
            return []
        raise


class UserExists(Step):
    def __init__(self, flow: str, account: str, user: str, purpose: str, depends_on: tuple[str, ...] = ()) -> None:
        self.flow, self.account, self.user = flow, account, user
        self.id = f"{flow}/{account}/user/{user}"
        self.title = f"RAM user {user} ({purpose})"
        self.depends_on = depends_on

    async def observe(self, ctx: FlowContext) -> Observation:
        user = await ram.get_user(ctx.session(self.account), self.user)
        if user is None:
            return Observation(False, f"no RAM user {self.user}")
        return Observation(True, f"RAM user {self.user} exists", facts={"user_id": user.user_id})

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.create_user(ctx.session(self.account), self.user)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.CreateUser ({self.user} in {self.account})"]


class UserPolicies(Step):
    """The user has these policies attached (others it has are left alone)."""

    def __init__(self, flow: str, account: str, user: str, policies: list[tuple[str, str]], depends_on: tuple[str, ...]) -> None:
        self.flow, self.account, self.user, self.policies = flow, account, user, policies
        self.id = f"{flow}/{account}/user/{user}/policies"
        self.title = f"{user} has {', '.join(name for _, name in policies)}"
        self.depends_on = depends_on

    async def _missing(self, ctx: FlowContext) -> list[tuple[str, str]]:
        attached = await attached_or_none(ram.list_policies_for_user(ctx.session(self.account), self.user))
        have = {(p.policy_type, p.policy_name) for p in attached}
        return [p for p in self.policies if p not in have]

    async def observe(self, ctx: FlowContext) -> Observation:
        missing = await self._missing(ctx)
        if missing:
            return Observation(False, "missing: " + ", ".join(name for _, name in missing), facts={"missing": missing})
        return Observation(True, "attached: " + ", ".join(name for _, name in self.policies))

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        for policy_type, name in seen.facts["missing"]:
            await ram.attach_policy_to_user(ctx.session(self.account), self.user, name, policy_type)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        missing = seen.facts.get("missing", self.policies) if seen else self.policies
        return [f"Ram.AttachPolicyToUser ({name} to {self.user})" for _, name in missing]


class CustomPolicy(Step):
    """A custom policy with exactly this document exists."""

    def __init__(self, flow: str, account: str, name: str, document: dict[str, Any], description: str) -> None:
        self.flow, self.account, self.name, self.document, self.description = flow, account, name, document, description
        self.id = f"{flow}/{account}/policy/{name}"
        self.title = f"custom policy {name}"

    async def observe(self, ctx: FlowContext) -> Observation:
        policy = await ram.get_policy(ctx.session(self.account), self.name, "Custom")
        if policy is None:
            return Observation(False, f"no custom policy {self.name}")
        if policy.document != self.document:
            return Observation(False, f"custom policy {self.name} exists with another document",
                               needs_you=f"Review custom policy {self.name} in {self.account}: its document differs from "
                                         f"the one armstui generates ({json.dumps(self.document)}). Delete or rename it, then run again.")
        return Observation(True, f"custom policy {self.name} is in place")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        await ram.create_policy(ctx.session(self.account), self.name, self.document, self.description)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [f"Ram.CreatePolicy ({self.name}: {json.dumps(self.document)})"]


class RolePolicies(Step):
    def __init__(self, flow: str, account: str, role: str, policies: list[tuple[str, str]], depends_on: tuple[str, ...]) -> None:
        self.flow, self.account, self.role, self.policies = flow, account, role, policies
        self.id = f"{flow}/{account}/role/{role}/policies"
        self.title = f"role {role} has {', '.join(name for _, name in policies)}"
        self.depends_on = depends_on

    async def _missing(self, ctx: FlowContext) -> list[tuple[str, str]]:
        attached = await attached_or_none(ram.list_policies_for_role(ctx.session(self.account), self.role))
        have = {(p.policy_type, p.policy_name) for p in attached}
        return [p for p in self.policies if p not in have]

    async def observe(self, ctx: FlowContext) -> Observation:
        missing = await self._missing(ctx)
        if missing:
            return Observation(False, "missing: " + ", ".join(n for _, n in missing), facts={"missing": missing})
        return Observation(True, "attached: " + ", ".join(n for _, n in self.policies))

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        for policy_type, name in seen.facts["missing"]:
            await ram.attach_policy_to_role(ctx.session(self.account), self.role, name, policy_type)

    def planned_calls(self, seen: Observation | None) -> list[str]:
        missing = seen.facts.get("missing", self.policies) if seen else self.policies
        return [f"Ram.AttachPolicyToRole ({name} to {self.role})" for _, name in missing]


def access_steps(flow: str, setup: Any) -> list[Step]:
    """The seed's access approach for people in A, after the reporting is proven."""
    a = setup.monitoring
    if setup.access == "dedicated-full":
        user = UserExists(flow, a, setup.people_user, "people, full ARMS")
        return [user, UserPolicies(flow, a, setup.people_user, [("System", "AliyunARMSFullAccess")], (user.id,))]
    if setup.access == "dedicated-custom":
        policy = CustomPolicy(flow, a, setup.custom_policy, ARMS_READ_ONLY_POLICY, "armstui: read-only ARMS")
        user = UserExists(flow, a, setup.people_user, "people, read-only ARMS")
        attach = UserPolicies(flow, a, setup.people_user, [("Custom", setup.custom_policy)], (user.id, policy.id))
        return [policy, user, attach]
    return []
