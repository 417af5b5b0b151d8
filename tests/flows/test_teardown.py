"""Teardown: what armstui created is removed newest kind first, what it adopted is kept
unless asked, and a setup can be applied again afterwards (both directions)."""

from __future__ import annotations

import json
from dataclasses import replace

from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.ack import reporter_vault_name
from armstui.flows.role import password_vault_name
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.flows.conftest import mutating_calls
from tests.support.sandbox import RunningSandbox

ACK = Setup("ack", "monitoring", ("source",), access="dedicated-custom")


def _applied(ws: Workspace, setup: Setup) -> None:
    result = ws.run_sync(setup, "apply")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]


def _user(sandbox: RunningSandbox, alias: str, name: str):
    ram = sandbox.client("ram", alias)
    users = ram.list_users(ram_models.ListUsersRequest()).body.users.user or []
    return next((u for u in users if u.user_name == name), None)


def _addons(sandbox: RunningSandbox) -> dict[str, object]:
    cs = sandbox.client("cs", "source")
    found = {}
    for cluster in cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters:
        try:
            found[cluster.cluster_id] = cs.get_cluster_addon_instance(
                cluster.cluster_id, "ack-onepilot"
            ).body
        except Exception as error:  # not installed
            assert "NotFound" in str(error)
            found[cluster.cluster_id] = None
    return found


def _apps_from_b(sandbox: RunningSandbox) -> list:
    """The apps of B that report into A right now, as the emulator knows it (ARMS keeps an
    app listed after it stops, so a listing cannot show that reporting ended)."""
    from armstui.sandbox.services.arms.model import reporting_apps

    state = sandbox.state
    return [
        a
        for a in reporting_apps(state.store, state.clock, sandbox.uid("monitoring"), state.region)
        if a["ClusterId"] or any(label.startswith("instanceId=") for label in a["Labels"])
    ]


def test_ack_teardown_removes_what_armstui_created_and_a_new_apply_works(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    before = {
        cid: (json.loads(a.config or "{}") if a else None) for cid, a in _addons(sandbox).items()
    }
    _applied(workspace, ACK)
    assert _apps_from_b(sandbox)
    created = {(r["kind"], r["name"].split(":")[0]) for r in workspace.journal.created(ACK.key)}
    assert {
        ("ram-user", "armstui-reporter"),
        ("access-key", "armstui-reporter"),
        ("onepilot-config", next(iter(before))),
        ("custom-policy", "armstui-arms-readonly"),
        ("ram-user", "armstui-viewer"),
    } <= created
    assert all(r["actor"] and r["run_id"] for r in workspace.journal.created(ACK.key))

    ram = sandbox.client("ram", "monitoring")
    (key,) = ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key
    vault_entry = reporter_vault_name(
        sandbox.uid("monitoring"), "armstui-reporter", key.access_key_id
    )
    assert workspace.vault.read(vault_entry)
    changes = len(mutating_calls(workspace))
    plan = workspace.run_sync(ACK, "plan", action="teardown")
    assert len(mutating_calls(workspace)) == changes  # a plan changes nothing
    planned = [call for s in plan.states for call in s.planned]
    assert any(
        "Ram.DeleteUser (armstui-reporter" in c and "created" in c and "(run " in c for c in planned
    )

    result = workspace.run_sync(ACK, "apply", action="teardown")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert (
        _user(sandbox, "monitoring", "armstui-reporter") is None
        and _user(sandbox, "monitoring", "armstui-viewer") is None
    )
    custom = (
        ram.list_policies(ram_models.ListPoliciesRequest(policy_type="Custom")).body.policies.policy
        or []
    )
    assert "armstui-arms-readonly" not in {p.policy_name for p in custom}
    for cluster_id, addon in _addons(sandbox).items():
        assert addon is not None  # ack-onepilot stays unless asked
        config = json.loads(addon.config or "{}")
        # cleared explicitly, with empty values
        assert {k: config.get(k) for k in ("accessKey", "accessKeySecret", "uid")} == dict.fromkeys(
            ("accessKey", "accessKeySecret", "uid"), ""
        )
        for name, value in (before[cluster_id] or {}).items():
            if name not in ("accessKey", "accessKeySecret", "uid"):
                assert config[name] == value
    assert _apps_from_b(sandbox) == []  # nothing reports from B into A any more
    assert workspace.vault.read(vault_entry) is None
    # only the addons armstui installed and was not asked to uninstall are still on record
    assert {r["kind"] for r in workspace.journal.created(ACK.key)} == {"onepilot-addon"}

    # newest kind first: configs before the key, the key before its user, users before the policy
    order = [f"{r.service}.{r.action}" for r in workspace.call_log.records() if r.mutating][
        changes:
    ]
    assert (
        order.index("cs.ModifyClusterAddon")
        < order.index("ram.DeleteAccessKey")
        < order.index("ram.DeleteUser")
    )
    assert max(i for i, c in enumerate(order) if c == "ram.DeleteUser") < order.index(
        "ram.DeletePolicy"
    )

    assert (
        workspace.run_sync(ACK, "apply", action="teardown").exit_code == 0
    )  # again: nothing left to do
    assert len([r for r in workspace.call_log.records() if r.mutating]) == changes + len(order)
    _applied(workspace, ACK)  # and the other direction: set up again from scratch
    assert _apps_from_b(sandbox)


def test_adopted_resources_are_kept_unless_asked(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    ram = sandbox.client("ram", "monitoring")
    ram.create_user(
        ram_models.CreateUserRequest(user_name="armstui-reporter")
    )  # the operator made it earlier
    setup = Setup("ack", "monitoring", ("source",))
    _applied(workspace, setup)

    result = workspace.run_sync(setup, "apply", action="teardown")
    assert result.exit_code == 0
    kept = [s for s in result.states if s.outcome == Outcome.SKIPPED]
    assert any("armstui-reporter" in s.title and "adopted" in s.detail for s in kept)
    assert _user(sandbox, "monitoring", "armstui-reporter") is not None
    keys = ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key
    attached = ram.list_policies_for_user(
        ram_models.ListPoliciesForUserRequest(user_name="armstui-reporter")
    ).body
    assert not keys and not attached.policies.policy  # what armstui added to it is gone

    result = workspace.run_sync(replace(setup, include_adopted=True), "apply", action="teardown")
    assert result.exit_code == 0 and _user(sandbox, "monitoring", "armstui-reporter") is None


def test_onepilot_is_uninstalled_only_where_armstui_installed_it_and_only_when_asked(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    before = _addons(sandbox)
    missing = [cid for cid, a in before.items() if a is None]
    assert missing and len(missing) < len(before)
    setup = Setup("ack", "monitoring", ("source",))
    _applied(workspace, setup)
    result = workspace.run_sync(replace(setup, uninstall_addon=True), "apply", action="teardown")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    after = _addons(sandbox)
    assert [
        cid for cid, a in after.items() if a is None
    ] == missing  # the ones armstui installed, and only those


def test_role_teardown_removes_role_users_logins_and_passwords(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    setup = Setup("role", "monitoring", ("source",), role_policy="custom")
    _applied(workspace, setup)
    password = password_vault_name(sandbox.uid("source"), "arms-operator")
    assert workspace.vault.read(password)
    result = workspace.run_sync(setup, "apply", action="teardown")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    ram_a = sandbox.client("ram", "monitoring")
    roles = ram_a.list_roles(ram_models.ListRolesRequest()).body.roles.role or []
    assert "arms-admin" not in {r.role_name for r in roles}
    assert _user(sandbox, "source", "arms-operator") is None
    assert workspace.vault.read(password) is None
    _applied(workspace, setup)  # and back


def test_an_orphan_key_is_named_an_orphan_and_its_fate_is_said(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    """A run killed right after CreateAccessKey leaves a key whose secret was never stored:
    the apply's checklist, the teardown plan and the teardown itself call it an orphan and
    say what happens to it (deleted with the user armstui created), never "adopted"."""
    assert workspace.run_sync(ACK, "apply").exit_code == 0
    ram = sandbox.client("ram", "monitoring")
    orphan = ram.create_access_key(
        ram_models.CreateAccessKeyRequest(user_name="armstui-reporter")
    ).body.access_key.access_key_id

    again = workspace.run_sync(ACK, "apply")
    key_row = again.by_id("ack/monitoring/user/armstui-reporter/key")
    assert "orphan key(s)" in key_row.detail and orphan in key_row.detail

    plan = workspace.run_sync(ACK, "plan", action="teardown")
    (row,) = [s for s in plan.states if s.step_id.endswith(orphan)]
    assert row.title.startswith("delete orphan AccessKey")
    assert row.outcome is Outcome.PLANNED, (row.outcome, row.detail)
    assert any("orphan" in c and "goes too" in c for c in row.planned)
    assert not any("adopted" in c for c in row.planned) and "adopted" not in row.detail

    done = workspace.run_sync(ACK, "apply", action="teardown")
    assert done.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in done.states]
    assert orphan not in {k["AccessKeyId"] for k in sandbox.state.store.list("ram.accesskey")}
