"""Every flow armstui knows, in one place: the CLI, the TUI, teardown and the report read
this registry instead of naming flows themselves.

A flow is one module with an async ``build_steps(setup, ctx, uids)`` and one
:class:`FlowSpec` registered in :data:`ALL_FLOWS`. The spec says what the operator sees
(titles, descriptions, the plan text), which choices of :class:`~armstui.flows.setup.Setup`
the flow reads (its command-line options, and the form fields they show as), and how its
steps are built. Adding an option to a flow is one :class:`FlowOption` in its spec.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armstui.flows.context import FlowContext
    from armstui.flows.setup import Setup
    from armstui.flows.step import Step

BuildSteps = Callable[["Setup", "FlowContext", dict[str, str]], Awaitable[list["Step"]]]


# How people in the monitoring account get to the data (the ACK and ECS flows' --access).
ACCESS_APPROACHES = {
    "keep": "keep the reporting user only",
    "dedicated-full": "a dedicated RAM user for people, with AliyunARMSFullAccess",
    "dedicated-custom": "a dedicated RAM user for people, with a generated least-privilege policy (read-only ARMS)",
    "role": "the role flow: B's users switch into a role in A",
}


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


class OptionKind(Enum):
    FLAG = "flag"  # given: the field takes the opposite of its default
    TEXT = "text"
    CHOICE = "choice"  # one of ``choices``
    REPEATED = "repeated"  # given once per value; the field holds them all, in order


@dataclass(frozen=True)
class FlowOption:
    """A command-line option a flow reads: ``flag`` sets the Setup field ``field`` (by
    default the flag's name: ``--role-name`` sets ``role_name``), whose default is its own."""

    flag: str
    kind: OptionKind
    help: str
    field: str = ""
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    form: Field | None = None  # the flow screen's field that shows the same choice

    def __post_init__(self) -> None:
        if not self.field:
            object.__setattr__(self, "field", self.dest)
        if (self.kind is OptionKind.CHOICE) != bool(self.choices):
            raise ValueError(f"{self.flag}: choices go with a choice, and only there")

    @property
    def dest(self) -> str:
        """The parameter's name on the command line's side: ``--no-install-agent`` →
        ``no_install_agent``."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def default(self) -> Any:
        """The Setup field's default (the setup module loads here, not with the registry: the
        app's first frame reads flow names and titles only)."""
        from armstui.flows.setup import Setup

        found = {f.name: f.default for f in fields(Setup) if f.default is not MISSING}
        if self.field not in found:
            raise LookupError(f"{self.flag}: Setup has no field {self.field!r} with a default")
        return found[self.field]

    def value(self, given: Any) -> Any:
        """The field's value for what the command line parsed."""
        if self.kind is OptionKind.FLAG:
            return (not self.default) if given else self.default
        if self.kind is OptionKind.REPEATED:
            return tuple(given)
        return given


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
    options: tuple[FlowOption, ...] = ()  # the command-line options only this flow reads
    rotates_key: bool = False  # reports with an AccessKey that `armstui rotate` can replace

    @property
    def short(self) -> str:
        """``ACK``: the key binding's label and the palette's verify command."""
        return self.name.upper()

    @property
    def fields(self) -> frozenset[Field]:
        """The choices the flow's form shows (beyond accounts, targets and the role)."""
        return frozenset(o.form for o in self.options if o.form is not None)


FLAG, TEXT, CHOICE, REPEATED = OptionKind
# How people in A get to the data: the ACK and ECS flows offer it.
ACCESS_OPTIONS = (
    FlowOption(
        "--access",
        CHOICE,
        "How people in A get to the data.",
        form=Field.ACCESS,
        choices=tuple(ACCESS_APPROACHES),
    ),
    FlowOption("--people-user", TEXT, "Dedicated RAM user for people in A."),
)


def _steps_of(module: str) -> BuildSteps:
    """``armstui.flows.<module>.build_steps``, imported when the flow first runs: the app's
    first frame does not pay for the flows' imports."""

    async def build(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
        flow = importlib.import_module(f"armstui.flows.{module}")
        steps: list[Step] = await flow.build_steps(setup, ctx, uids)
        return steps

    return build


ACK = FlowSpec(
    name="ack",
    title="ACK flow",
    menu_key="k",
    menu_text="onepilot in B's Kubernetes clusters reports into A",
    palette_text="onepilot in B's clusters reports into A",
    plan_text="ACK: a RAM user in A with ARMS permission and an AccessKey (secret into the "
    "vault); ack-onepilot >= 3.0.14 in each of B's clusters, configured with that key and A's "
    "account ID; then proof that B's apps appear in A.",
    build_steps=_steps_of("ack"),
    targets=Targets.CLUSTERS,
    options=(
        FlowOption(
            "--cluster", REPEATED, "Only these clusters (default: all).", "clusters", metavar="ID"
        ),
        FlowOption(
            "--reporter-user", TEXT, "RAM user in A whose key reports.", form=Field.REPORTER_USER
        ),
        FlowOption(
            "--replace-orphan-key",
            FLAG,
            "When the reporting user has two orphan keys (secrets armstui never stored), "
            "delete the older to make room for a new one.",
            form=Field.REPLACE_ORPHAN_KEY,
        ),
        FlowOption(
            "--onepilot-version",
            TEXT,
            "Install or upgrade ack-onepilot to this release (default: the newest).",
            metavar="VERSION",
        ),
        *ACCESS_OPTIONS,
    ),
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
    build_steps=_steps_of("ecs"),
    targets=Targets.INSTANCES,
    options=(
        FlowOption(
            "--instance",
            REPEATED,
            "Only these instances (default: all running).",
            "instances",
            metavar="ID",
        ),
        FlowOption(
            "--no-install-agent",
            FLAG,
            "Print the install commands instead of running them.",
            "install_agent",
            form=Field.INSTALL_AGENT,
        ),
        FlowOption(
            "--vpc",
            FLAG,
            "Download the agent from the region's internal OSS host (no public egress).",
        ),
        *ACCESS_OPTIONS,
    ),
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
    build_steps=_steps_of("role"),
    options=(
        FlowOption("--role-name", TEXT, "The role in A."),
        FlowOption(
            "--role-policy",
            CHOICE,
            "AliyunARMSFullAccess or a generated read-only policy.",
            choices=("full", "custom"),
        ),
        FlowOption("--operator-user", TEXT, "The RAM user in B."),
        FlowOption("--keep-check-key", FLAG, "Keep the AccessKey used for the switch check."),
    ),
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


def flows_run(flow: str, access: str = "keep") -> tuple[FlowSpec, ...]:
    """The flows whose steps a setup runs: its own, and the role flow's with ``--access role``
    (B's users switch into a role in A to see the data)."""
    spec = flow_spec(flow)
    return (spec, ROLE) if access == "role" and spec is not ROLE else (spec,)


def option_scope(option: FlowOption) -> str:
    """Which ``--flow`` values read ``option``: ``ack, ecs``; ``role, or --access role``."""
    names = ", ".join(spec.name for spec in ALL_FLOWS if option in spec.options)
    return f"{names}, or --access role" if option in ROLE.options else names


def every_option() -> tuple[FlowOption, ...]:
    """Every flow's options once each, grouped by flow in registry order."""
    return tuple(dict.fromkeys(o for spec in ALL_FLOWS for o in spec.options))


def with_options(setup: Setup, given: Mapping[str, Any]) -> Setup:
    """``setup`` with the fields that the flow options ``given`` (flag → parsed value) set.

    An option that none of the flows the setup runs reads is refused (InvalidInput naming
    it and the flows it belongs to) rather than silently ignored."""
    from dataclasses import replace

    from armstui.model import InvalidInput

    access = given.get("--access", setup.access)
    read = {o.flag: o for spec in flows_run(setup.flow, access) for o in spec.options}
    for flag in given:
        if flag not in read:
            option = next(o for o in every_option() if o.flag == flag)
            raise InvalidInput(
                flag, f"not read by --flow {setup.flow} (only by --flow {option_scope(option)})"
            )
    return replace(setup, **{read[flag].field: read[flag].value(v) for flag, v in given.items()})


def group_title(flow: str) -> str:
    """The heading of a flow's (or a rotation's, a teardown's) steps."""
    if flow in RUN_TITLES:
        return RUN_TITLES[flow]
    for spec in ALL_FLOWS:
        if spec.name == flow:
            return spec.title
    return f"{flow.upper()} flow"
