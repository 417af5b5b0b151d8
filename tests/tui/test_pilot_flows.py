"""The three flows and the identity switch driven through the screens, keyboard only, on
the test sandbox at 80x24; the cloud is then checked through the official SDK clients."""

from __future__ import annotations

import json
from pathlib import Path

from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_ram20150501 import models as ram_models
from textual.widgets import Select

from armstui.credentials import SandboxKey
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from armstui.model import Account
from armstui.tui.screens.checklist import ChecklistScreen
from armstui.tui.screens.plan import PlanScreen
from tests.support.sandbox import RunningSandbox, add_admin_account, apps_in_a, reporter_policies
from tests.tui.conftest import ram_users, run_done, running, wait_for


async def _plan_and_apply(pilot, key: str, flow: str) -> None:
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: app.screen.name == flow, what=f"the {flow} screen")
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan preview")
    await pilot.press("enter")  # Apply has the focus
    await wait_for(pilot, lambda: run_done(app, flow), timeout=30, what=f"the {flow} apply")
    assert isinstance(app.screen, ChecklistScreen)


async def test_ack_flow_from_the_screens(make_app, sandbox: RunningSandbox) -> None:
    app = make_app()
    async with running(app) as pilot:
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen.name == "ack")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan preview")
        plan = {s.step_id: s for s in app.screen.states}
        assert plan["ack/monitoring/user/armstui-reporter"].planned == [
            "Ram.CreateUser (armstui-reporter in monitoring)"
        ]
        assert "change(s) in monitoring, source" in str(
            app.screen.query_one("#plan-summary").render()
        )
        assert "armstui-reporter" not in ram_users(sandbox), "planning changed the cloud"
        await pilot.press("enter")
        await wait_for(pilot, lambda: run_done(app, "ack"), timeout=30, what="the ACK apply")
        outcomes = {s.outcome for _f, _a, ss in app.state.checklist.groups() for s in ss}
        assert outcomes == {Outcome.OK}

    assert reporter_policies(sandbox) == {"AliyunARMSFullAccess", "AliyunSTSAssumeRoleAccess"}
    cs = sandbox.client("cs", "source")
    clusters = cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters
    for cluster in clusters:
        config = json.loads(
            cs.get_cluster_addon_instance(cluster.cluster_id, "ack-onepilot").body.config
        )
        assert config["uid"] == sandbox.uid("monitoring")
    assert {"shop-svc1", "staging-svc1"} <= apps_in_a(sandbox)


async def test_ecs_and_role_flows_then_the_identity_switch(
    make_app, sandbox: RunningSandbox, workspace: Workspace, state_dir: Path
) -> None:
    # B's RAM user admin switches: roles may not be assumed with an account's root key
    admin = add_admin_account(sandbox, state_dir, "source")
    workspace.accounts[admin] = Account(
        admin,
        sandbox.uid("source"),
        sandbox.state.region,
        SandboxKey(
            sandbox.accounts["source"]["users"]["admin"]["access_key_id"],
            state_dir / "sandbox.json",
        ),
    )
    app = make_app()
    before = apps_in_a(sandbox)
    async with running(app) as pilot:
        await _plan_and_apply(pilot, "e", "ecs")
        assert {"orders", "billing", "catalog"} <= apps_in_a(sandbox) - before
        await _plan_and_apply(pilot, "r", "role")
        role = (
            sandbox.client("ram", "monitoring")
            .get_role(ram_models.GetRoleRequest(role_name="arms-admin"))
            .body.role
        )
        trust = json.loads(role.assume_role_policy_document)
        assert f"acs:ram::{sandbox.uid('source')}:root" in json.dumps(trust)
        operator = sandbox.client("ram", "source").get_user(
            ram_models.GetUserRequest(user_name="arms-operator")
        )
        assert operator.body.user.user_name == "arms-operator"

        # The quick identity-switch check: three keystrokes.
        await pilot.press("i", "s")
        app.screen.query_one("#switch-from", Select).value = admin
        await pilot.press("enter")
        result = app.screen.query_one("#switch-result")
        await wait_for(pilot, lambda: "visible" in str(result.render()), what="the switch result")
        shown = str(result.render())
        assert f"acs:ram::{sandbox.uid('monitoring')}:assumed-role/arms-admin/" in shown
        for name in apps_in_a(sandbox):
            assert name in shown
        table = app.screen.query_one("#identities")
        assert str(table.get_row("source")[3]) == f"acs:ram::{sandbox.uid('source')}:root"
