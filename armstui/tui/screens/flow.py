"""One screen per registered flow: the choices it needs with their defaults, then a plan
preview (PlanScreen), confirm, run.

Which fields a flow shows comes from its FlowSpec (armstui.flows.registry); they map one
to one onto :class:`armstui.flows.setup.Setup`; names and access
approaches come from there (``ACCESS_APPROACHES``, ``DEFAULT_*``), the custom policy
preview from :data:`armstui.flows.ram_steps.ARMS_READ_ONLY_POLICY`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, RadioSet, Static

from armstui.flows.registry import Field, Targets, flow_spec
from armstui.flows.setup import ACCESS_APPROACHES, Setup
from armstui.model import validate_cluster_id, validate_instance_id
from armstui.secrets.redaction import redact
from armstui.tui.messages import AppChange
from armstui.tui.screens.base import ArmsScreen
from armstui.tui.widgets.account_picker import AccountPicker
from armstui.tui.widgets.directory_tree import DirectorySources
from armstui.tui.widgets.form_errors import collect, field_error, show_errors, text_field
from armstui.tui.widgets.toggles import MarkedCheckbox, MarkedRadioButton

ROLE_POLICIES = {
    "full": "AliyunARMSFullAccess (system policy)",
    "custom": "read-only ARMS (a generated custom policy)",
}


def policy_preview() -> str:
    from armstui.flows.ram_steps import ARMS_READ_ONLY_POLICY

    return json.dumps(ARMS_READ_ONLY_POLICY, indent=1)


# The targets field's label and placeholder, by what the flow covers.
TARGET_FIELDS = {
    Targets.CLUSTERS: (
        "Clusters (IDs, comma-separated; empty = all of B's in the region)",
        "all clusters",
    ),
    Targets.INSTANCES: (
        "Instances (IDs, comma-separated; empty = all running)",
        "all running instances",
    ),
}

# What the form calls each field in its messages (the CLI names its flags instead).
FIELD_NAMES = {
    "targets": "IDs",
    "reporter-user": "reporting user",
    "people-user": "user for people",
    "role-name": "role",
    "operator-user": "user in B",
    "regions": "regions",
}


def split_ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.replace(" ", ",").split(",") if p.strip()))


class FlowScreen(ArmsScreen):
    BINDINGS = [
        Binding("p", "plan", "Plan", id="plan"),
        Binding("v", "verify", "Verify", id="flow-verify"),
    ]

    def __init__(self, flow: str) -> None:
        super().__init__(name=flow)
        self.flow = flow
        self.spec = flow_spec(flow)

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        last = state.setups.get(self.flow)
        setup = last or Setup(self.flow, state.monitoring or "", tuple(state.sources))
        fields = self.spec.fields
        # Directory members runs expanded rd:… into are in the tree, not in the plain list.
        members: frozenset[str] = getattr(state.workspace, "directory_members", frozenset())
        accounts = {a: x for a, x in state.accounts.items() if a not in members}
        with VerticalScroll(id="form", classes="form"):
            yield Static(self.spec.plan_text, id="about", markup=False)
            yield AccountPicker(accounts, state.monitoring, state.sources, id="picker")
            yield DirectorySources(accounts, setup.sources, setup.exclude, id="directory-sources")
            yield field_error("picker")
            if self.spec.targets is not Targets.NONE:
                yield from self._compose_regions(setup)
            yield from self._targets(Targets.CLUSTERS, setup.clusters)
            if Field.REPORTER_USER in fields:
                yield from text_field(
                    "Reporting RAM user in A", "reporter-user", setup.reporter_user
                )
            yield from self._checkbox(
                Field.REPLACE_ORPHAN_KEY,
                "Replace a reporting key whose secret armstui lacks",
                setup.replace_orphan_key,
            )
            yield from self._targets(Targets.INSTANCES, setup.instances)
            yield from self._checkbox(
                Field.INSTALL_AGENT,
                "Install the agent through Cloud Assistant (else: the commands to run)",
                setup.install_agent,
            )
            if Field.ACCESS in fields:
                yield Label("How people in A get to the data", classes="field-label")
                with RadioSet(id="access", compact=True):
                    for key, text in ACCESS_APPROACHES.items():
                        yield MarkedRadioButton(text, value=key == setup.access, name=key)
                yield from text_field(
                    "RAM user for people in A", "people-user", setup.people_user, "people"
                )
            yield from text_field("Role in A", "role-name", setup.role_name, "role")
            yield from text_field(
                "RAM user in B who switches into it", "operator-user", setup.operator_user, "role"
            )
            yield Label("The role's permission", classes="field-label role")
            with RadioSet(id="role-policy", classes="role", compact=True):
                for key, text in ROLE_POLICIES.items():
                    yield MarkedRadioButton(text, value=key == setup.role_policy, name=key)
            yield Label(
                "Custom policy (read-only ARMS), created in A:", classes="field-label policy"
            )
            yield Static(policy_preview(), id="policy-preview", classes="policy", markup=False)
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(
                    "Plan…", variant="primary", id="plan", compact=True, action="screen.plan"
                )
                yield Button("Verify", id="verify", compact=True, action="screen.verify")

    def _targets(self, targets: Targets, ids: tuple[str, ...]) -> ComposeResult:
        """The field of the IDs the flow covers, if they are ``targets``."""
        if self.spec.targets is targets:
            label, placeholder = TARGET_FIELDS[targets]
            yield from text_field(label, "targets", ",".join(ids), placeholder=placeholder)

    def _checkbox(self, field: Field, label: str, value: bool) -> ComposeResult:
        """The field's checkbox (its id the field's), if this flow offers the field."""
        if field in self.spec.fields:
            yield MarkedCheckbox(label, value, id=field.value, compact=True)

    def _compose_regions(self, setup: Setup) -> ComposeResult:
        """Where to look for B's clusters or instances."""
        yield from text_field(
            "Regions to look in (comma-separated; empty = each source's own)",
            "regions",
            ",".join(setup.regions),
            placeholder="its own",
        )
        yield MarkedCheckbox(
            "Every region each source can use", setup.all_regions, id="all-regions", compact=True
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.spec.short} flow"
        self._sync_visibility()

    def _radio(self, selector: str, default: str) -> str:
        try:
            pressed = self.query_one(selector, RadioSet).pressed_button
        except Exception:
            return default
        return pressed.name if pressed is not None and pressed.name else default

    def _sync_visibility(self) -> None:
        offers_access = Field.ACCESS in self.spec.fields
        access = self._radio("#access", "keep" if offers_access else "role")
        role = not offers_access or access == "role"
        policy = access == "dedicated-custom" or (
            role and self._radio("#role-policy", "full") == "custom"
        )
        people = access in ("dedicated-full", "dedicated-custom")
        for widget in self.query(".role, .people"):
            if not widget.has_class("field-error"):
                widget.display = role if widget.has_class("role") else people
        for error in self.query(".field-error"):  # a hidden field's error goes with it
            error.display = error.display and self._shown(error.id or "")
        for widget in self.query(".policy"):
            widget.display = policy

    @on(RadioSet.Changed)
    def _choice_changed(self) -> None:
        self._sync_visibility()

    def _shown(self, error_id: str) -> bool:
        """Whether the field an error belongs to is on the form now."""
        found = self.query(f"#{error_id.removesuffix('-error')}")
        return bool(found) and found.first().display

    def _value(self, selector: str, default: str) -> str:
        found = self.query(selector)
        return found.first(Input).value.strip() if found else default

    def form_errors(self) -> dict[str, str]:
        """Every field that breaks a rule, by the field's id, each message in the form's
        own words: the form shows them all at once, each under its field."""
        from armstui.model import validate_region, validate_role_name, validate_user_name

        errors: dict[str, str] = {}
        picker = self.query_one(AccountPicker)
        if not picker.accounts:
            errors["picker"] = "Add an account first (a: Accounts), or use the sandbox."
        elif not picker.monitoring:
            errors["picker"] = "Choose the monitoring account (A)."
        elif not (picker.sources or self.query_one(DirectorySources).sources):
            errors["picker"] = "Tick at least one source account (B): space ticks the row."
        regions = split_ids(self._value("#regions", ""))
        if regions and self.query("#all-regions").first(Checkbox).value:
            errors["regions"] = "Name regions or tick every region, not both."
        check_target = (
            validate_cluster_id if self.spec.targets is Targets.CLUSTERS else validate_instance_id
        )
        checks: list[tuple[str, str, Callable[[], object]]] = [
            (
                "targets",
                FIELD_NAMES["targets"],
                lambda: [check_target(t, "ID") for t in split_ids(self._value("#targets", ""))],
            ),
            *(
                (
                    field,
                    FIELD_NAMES[field],
                    functools.partial(validate_user_name, self._value(f"#{field}", "x")),
                )
                for field in ("reporter-user", "people-user", "operator-user")
            ),
            (
                "role-name",
                FIELD_NAMES["role-name"],
                lambda: validate_role_name(self._value("#role-name", "x")),
            ),
            (
                "regions",
                FIELD_NAMES["regions"],
                lambda: [validate_region(r, "region") for r in regions],
            ),
        ]
        errors.update(collect(c for c in checks if self._shown(f"{c[0]}-error")))
        return errors

    def setup(self) -> Setup:
        """The Setup the form describes (check :meth:`form_errors` first)."""
        picker = self.query_one(AccountPicker)
        directory = self.query_one(DirectorySources)
        sources = (*picker.sources, *directory.sources)
        base = Setup(self.flow, picker.monitoring or "", sources)
        targets = split_ids(self._value("#targets", ""))
        checks = {c.id: c.value for c in self.query(Checkbox)}
        return Setup(
            self.flow,
            picker.monitoring or "",
            sources,
            exclude=directory.exclude,
            regions=split_ids(self._value("#regions", "")),
            all_regions=checks.get("all-regions", False),
            clusters=targets if self.spec.targets is Targets.CLUSTERS else (),
            instances=targets if self.spec.targets is Targets.INSTANCES else (),
            reporter_user=self._value("#reporter-user", base.reporter_user),
            access=self._radio("#access", "keep"),
            people_user=self._value("#people-user", base.people_user),
            role_name=self._value("#role-name", base.role_name),
            role_policy=self._radio("#role-policy", "full"),  # type: ignore[arg-type]
            operator_user=self._value("#operator-user", base.operator_user),
            install_agent=checks.get("install-agent", True),
            replace_orphan_key=checks.get("replace-orphan-key", False),
        )

    def _checked_setup(self) -> Setup | None:
        errors = self.form_errors()
        show_errors(self, errors)
        general = self.query_one("#form-error", Static)
        if errors:
            general.update(Text(f"Check the form: {len(errors)} field(s) to fix, marked below."))
            first = next(iter(errors))
            self.query_one(f"#{first}").scroll_visible(animate=False)
            return None
        setup = self.setup()
        try:
            self.app.state.workspace.validate(setup)
        except Exception as exc:  # the accounts changed under the form: say so, plainly
            general.update(Text(redact(str(exc))))
            return None
        general.update("")
        state = self.app.state
        state.monitoring, state.sources = setup.monitoring, list(setup.sources)
        self.app.changed.publish(AppChange.ACCOUNTS)
        return setup

    def action_plan(self) -> None:
        setup = self._checked_setup()
        if setup is not None and self.app.start_run(setup, "plan"):
            self.notify(
                "Looking at the cloud: nothing is changed while planning.", title="Planning"
            )

    def action_verify(self) -> None:
        setup = self._checked_setup()
        if setup is not None and self.app.start_run(setup, "verify"):
            self.app.action_show("checklist")

    def on_app_changed(self, what: AppChange) -> None:
        if what == AppChange.RUN:
            running = self.app.state.running
            for button in self.query(Button):
                button.disabled = running is not None
