"""One screen per flow (ACK, ECS, role): the choices it needs with their defaults, then a
plan preview (PlanScreen), confirm, run.

Fields map one to one onto :class:`armstui.flows.setup.Setup`; names and access
approaches come from there (``ACCESS_APPROACHES``, ``DEFAULT_*``), the custom policy
preview from :data:`armstui.flows.ram_steps.ARMS_READ_ONLY_POLICY`.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from armstui.flows.setup import ACCESS_APPROACHES, Setup
from armstui.model import InvalidInput, validate_cluster_id, validate_instance_id
from armstui.secrets.redaction import redact
from armstui.tui.screens.base import ArmsScreen
from armstui.tui.widgets.account_picker import AccountPicker

ABOUT = {
    "ack": "ACK: a RAM user in A with ARMS permission and an AccessKey (secret into the vault); "
    "ack-onepilot >= 3.0.14 in each of B's clusters, configured with that key and A's account ID; "
    "then proof that B's apps appear in A.",
    "ecs": "ECS: A's ARMS license key; the ARMS Java agent on each of B's instances with that key "
    "(through Cloud Assistant, or the exact commands for you to run); then proof in A.",
    "role": "Role: a role in A trusted by B, with ARMS permission; a RAM user in B allowed to "
    "switch into it (console login, password into the vault); then a real switch as proof.",
}
ROLE_POLICIES = {
    "full": "AliyunARMSFullAccess (system policy)",
    "custom": "read-only ARMS (a generated custom policy)",
}


def policy_preview() -> str:
    from armstui.flows.ram_steps import ARMS_READ_ONLY_POLICY

    return json.dumps(ARMS_READ_ONLY_POLICY, indent=1)


def split_ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.replace(" ", ",").split(",") if p.strip()))


class FlowScreen(ArmsScreen):
    BINDINGS = [
        Binding("p", "plan", "Plan", id="plan"),
        Binding("v", "verify", "Verify", id="flow-verify"),
    ]

    def __init__(self, flow: str) -> None:
        super().__init__()
        self.flow = flow
        self.name_id = flow

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        last = state.setups.get(self.flow)
        setup = last or Setup(self.flow, state.monitoring or "", tuple(state.sources))  # type: ignore[arg-type]
        with VerticalScroll(id="form", classes="form"):
            yield Static(ABOUT[self.flow], id="about", markup=False)
            yield AccountPicker(state.accounts, state.monitoring, state.sources, id="picker")
            if self.flow == "ack":
                yield Label(
                    "Clusters (IDs, comma-separated; empty = all of B's in the region)",
                    classes="field-label",
                )
                yield Input(
                    ",".join(setup.clusters), placeholder="all clusters", id="targets", compact=True
                )
                yield Label("Reporting RAM user in A", classes="field-label")
                yield Input(setup.reporter_user, id="reporter-user", compact=True)
                yield Checkbox(
                    "Replace a reporting key whose secret armstui lacks",
                    setup.replace_orphan_key,
                    id="replace-orphan-key",
                    compact=True,
                )
            if self.flow == "ecs":
                yield Label(
                    "Instances (IDs, comma-separated; empty = all running)", classes="field-label"
                )
                yield Input(
                    ",".join(setup.instances),
                    placeholder="all running instances",
                    id="targets",
                    compact=True,
                )
                yield Checkbox(
                    "Install the agent through Cloud Assistant (else: the commands to run)",
                    setup.install_agent,
                    id="install-agent",
                    compact=True,
                )
            if self.flow != "role":
                yield Label("How people in A get to the data", classes="field-label")
                with RadioSet(id="access", compact=True):
                    for key, text in ACCESS_APPROACHES.items():
                        yield RadioButton(text, value=key == setup.access, name=key)
                yield Label("RAM user for people in A", classes="field-label people")
                yield Input(setup.people_user, id="people-user", classes="people", compact=True)
            yield Label("Role in A", classes="field-label role")
            yield Input(setup.role_name, id="role-name", classes="role", compact=True)
            yield Label("RAM user in B who switches into it", classes="field-label role")
            yield Input(setup.operator_user, id="operator-user", classes="role", compact=True)
            yield Label("The role's permission", classes="field-label role")
            with RadioSet(id="role-policy", classes="role", compact=True):
                for key, text in ROLE_POLICIES.items():
                    yield RadioButton(text, value=key == setup.role_policy, name=key)
            yield Label(
                "Custom policy (read-only ARMS), created in A:", classes="field-label policy"
            )
            yield Static(policy_preview(), id="policy-preview", classes="policy", markup=False)
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("Plan…", variant="primary", id="plan", compact=True)
                yield Button("Verify", id="verify", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.flow.upper()} flow"
        self._sync_visibility()

    def _radio(self, selector: str, default: str) -> str:
        try:
            pressed = self.query_one(selector, RadioSet).pressed_button
        except Exception:
            return default
        return pressed.name if pressed is not None and pressed.name else default

    def _sync_visibility(self) -> None:
        access = self._radio("#access", "role" if self.flow == "role" else "keep")
        role = self.flow == "role" or access == "role"
        policy = access == "dedicated-custom" or (
            role and self._radio("#role-policy", "full") == "custom"
        )
        for widget in self.query(".role"):
            widget.display = role
        for widget in self.query(".people"):
            widget.display = access in ("dedicated-full", "dedicated-custom")
        for widget in self.query(".policy"):
            widget.display = policy

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._sync_visibility()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan":
            self.action_plan()
        elif event.button.id == "verify":
            self.action_verify()

    def setup(self) -> Setup:
        """The Setup the form describes; InvalidInput naming the field when it breaks a rule."""
        picker = self.query_one(AccountPicker)
        if not picker.monitoring:
            raise InvalidInput("monitoring account", "choose one")
        if not picker.sources:
            raise InvalidInput("source accounts", "choose at least one (space toggles)")

        def value(selector: str, default: str) -> str:
            found = self.query(selector)
            return found.first(Input).value.strip() if found else default

        base = Setup(self.flow, picker.monitoring, tuple(picker.sources))  # type: ignore[arg-type]
        targets = split_ids(value("#targets", ""))
        for target in targets:  # checked here: Workspace.validate does not look at them
            if self.flow == "ack":
                validate_cluster_id(target, "clusters")
            elif self.flow == "ecs":
                validate_instance_id(target, "instances")
        checks = {c.id: c.value for c in self.query(Checkbox)}
        return Setup(
            self.flow,
            picker.monitoring,
            tuple(picker.sources),  # type: ignore[arg-type]
            clusters=targets if self.flow == "ack" else (),
            instances=targets if self.flow == "ecs" else (),
            reporter_user=value("#reporter-user", base.reporter_user),
            access=self._radio("#access", "keep") if self.flow != "role" else "keep",
            people_user=value("#people-user", base.people_user),
            role_name=value("#role-name", base.role_name),
            role_policy=self._radio("#role-policy", "full"),  # type: ignore[arg-type]
            operator_user=value("#operator-user", base.operator_user),
            install_agent=checks.get("install-agent", True),
            replace_orphan_key=checks.get("replace-orphan-key", False),
        )

    def _checked_setup(self) -> Setup | None:
        error = self.query_one("#form-error", Static)
        try:
            setup = self.setup()
            self.app.state.workspace.validate(setup)
        except Exception as exc:  # InvalidInput or WorkspaceError: both name the field
            error.update(Text(redact(str(exc))))  # plain text: a message may hold "[...]"
            self.notify(redact(str(exc)), title="Check the form", severity="error")
            return None
        error.update("")
        state = self.app.state
        state.monitoring, state.sources = setup.monitoring, list(setup.sources)
        self.app.changed.publish("accounts")
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

    def on_app_changed(self, what: str) -> None:
        if what == "run":
            running = self.app.state.running
            for button in self.query(Button):
                button.disabled = running is not None
