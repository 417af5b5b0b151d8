"""Every flow armstui knows, in one place: the CLI, the TUI, teardown and the report read
this registry instead of naming flows themselves.

A flow is one module with an async ``build_steps(setup, ctx, uids)`` and one
:class:`FlowSpec` registered in :data:`ALL_FLOWS`. The spec says what the operator sees
(titles, descriptions, the plan text), which choices of :class:`~armstui.flows.setup.Setup`
the flow reads (its form fields and command-line options), and how its steps are built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from armstui.flows.context import FlowContext
    from armstui.flows.setup import Setup
    from armstui.flows.step import Step

BuildSteps = Callable[["Setup", "FlowContext", dict[str, str]], Awaitable[list["Step"]]]


class Targets(Enum):
    """What the flow covers in the source accounts, if the operator can narrow it down."""

    NONE = "none"
    CLUSTERS = "clusters"  # ACK cluster IDs (--cluster)
    INSTANCES = "instances"  # ECS instance IDs (--instance)


class Field(Enum):
    """A choice of the Setup a flow's form shows (beyond accounts and targets)."""

    REPORTER_USER = "reporter-user"
    REPLACE_ORPHAN_KEY = "replace-orphan-key"
    INSTALL_AGENT = "install-agent"
    ACCESS = "access"  # how people in A get to the data (and the people user)
    ROLE = "role"  # role name, operator user, role policy: always shown


@dataclass(frozen=True)
class FlowSpec:
    name: str  # the --flow value and the journal's flow name
    title: str  # "ACK flow": headings, palette, step list groups
    menu_key: str  # the welcome menu's and the app's key binding
    menu_text: str  # one line in the welcome menu
    palette_text: str  # one line in the command palette
    plan_text: str  # what the flow does, step by step, above its form
    build_steps: BuildSteps
    targets: Targets = Targets.NONE
    fields: frozenset[Field] = frozenset()
    rotates_key: bool = False  # reports with an AccessKey that `armstui rotate` can replace

    @property
    def short(self) -> str:
        """``ACK``: the key binding's label and the palette's verify command."""
        return self.name.upper()


async def _ack(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    from armstui.flows import ack

    return await ack.build_steps(setup, ctx, uids)


async def _ecs(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    from armstui.flows import ecs

    return await ecs.build_steps(setup, ctx, uids)


async def _role(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    from armstui.flows import role

    return role.build_steps(setup, uids)


ACK = FlowSpec(
    name="ack",
    title="ACK flow",
    menu_key="k",
    menu_text="onepilot in B's Kubernetes clusters reports into A",
    palette_text="onepilot in B's clusters reports into A",
    plan_text="ACK: a RAM user in A with ARMS permission and an AccessKey (secret into the "
    "vault); ack-onepilot >= 3.0.14 in each of B's clusters, configured with that key and A's "
    "account ID; then proof that B's apps appear in A.",
    build_steps=_ack,
    targets=Targets.CLUSTERS,
    fields=frozenset({Field.REPORTER_USER, Field.REPLACE_ORPHAN_KEY, Field.ACCESS}),
    rotates_key=True,
)
ECS = FlowSpec(
    name="ecs",
    title="ECS flow",
    menu_key="e",
    menu_text="the ARMS agent on B's ECS instances reports into A",
    palette_text="the ARMS agent on B's instances reports into A",
    plan_text="ECS: A's ARMS license key; the ARMS Java agent on each of B's instances with "
    "that key (through Cloud Assistant, or the exact commands for you to run); then proof "
    "in A.",
    build_steps=_ecs,
    targets=Targets.INSTANCES,
    fields=frozenset({Field.INSTALL_AGENT, Field.ACCESS}),
)
ROLE = FlowSpec(
    name="role",
    title="Role flow",
    menu_key="r",
    menu_text="B's people switch into a role in A to see the data",
    palette_text="B's users switch into a role in A",
    plan_text="Role: a role in A trusted by B, with ARMS permission; a RAM user in B allowed "
    "to switch into it (console login, password into the vault); then a real switch as "
    "proof.",
    build_steps=_role,
)

ALL_FLOWS: tuple[FlowSpec, ...] = (ACK, ECS, ROLE)
FLOW_NAMES: tuple[str, ...] = tuple(spec.name for spec in ALL_FLOWS)

# Runs that are not a flow of their own but appear in the journal and the checklist.
RUN_TITLES: dict[str, str] = {"rotate": "Key rotation", "teardown": "Teardown"}


def flow_spec(name: str) -> FlowSpec:
    """The registered flow called ``name``; LookupError naming the known ones."""
    for spec in ALL_FLOWS:
        if spec.name == name:
            return spec
    raise LookupError(f"flow: must be one of {', '.join(FLOW_NAMES)} (not {name!r})")


def group_title(flow: str) -> str:
    """The heading of a flow's (or a rotation's, a teardown's) steps."""
    if flow in RUN_TITLES:
        return RUN_TITLES[flow]
    for spec in ALL_FLOWS:
        if spec.name == flow:
            return spec.title
    return f"{flow.upper()} flow"
