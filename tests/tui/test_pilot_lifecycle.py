"""Rotate and teardown from the checklist, on the sandbox: o and d show the plan, confirm,
and every step lands live in a checklist group of its own; the cloud is checked after."""

from __future__ import annotations

from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.tui.screens.checklist import ChecklistScreen
from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.plan import PlanScreen
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import applied, ram_users, run_done, running, wait_for

ACK = Setup("ack", "monitoring", ("source",))


def _keys(sandbox: RunningSandbox) -> list:
    ram = sandbox.client("ram", "monitoring")
    return ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key


async def _plan_then_confirm(pilot, key: str, title: str) -> PlanScreen:
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what=f"the {title} plan")
    plan = app.screen
    assert str(plan.query_one("#dialog-title").render()).startswith(title)
    return plan


async def test_rotate_then_tear_down_from_the_checklist(make_app, sandbox: RunningSandbox) -> None:
    app = make_app()
    async with applied(app, ACK, size=(100, 30)) as pilot:
        (old,) = _keys(sandbox)

        plan = await _plan_then_confirm(pilot, "o", "Rotate the ACK reporting key")
        assert any("Ram.CreateAccessKey" in call for s in plan.states for call in s.planned)
        assert [k.access_key_id for k in _keys(sandbox)] == [
            old.access_key_id
        ]  # the plan changed nothing
        await pilot.press("enter")
        await wait_for(pilot, lambda: run_done(app, "rotate"), timeout=30, what="the rotation")
        assert isinstance(app.screen, ChecklistScreen)
        rotation = [s for f, _a, ss in app.state.checklist.groups() if f == "rotate" for s in ss]
        assert rotation and {s.outcome for s in rotation} <= {Outcome.OK, Outcome.ALREADY}
        assert all(
            s.outcome.succeeded for s in app.state.checklist.groups()[0][2]
        )  # the ACK group is still there
        (new,) = _keys(sandbox)
        assert new.access_key_id != old.access_key_id

        plan = await _plan_then_confirm(pilot, "d", "Tear down: ACK flow")
        assert any("created" in call and "(run " in call for s in plan.states for call in s.planned)
        await pilot.press("enter")
        await wait_for(pilot, lambda: run_done(app, "teardown"), timeout=30, what="the teardown")
        teardown = [s for f, _a, ss in app.state.checklist.groups() if f == "teardown" for s in ss]
        assert teardown and all(
            s.outcome in (Outcome.OK, Outcome.ALREADY, Outcome.SKIPPED) for s in teardown
        )
    assert "armstui-reporter" not in ram_users(sandbox)


async def test_a_stale_second_key_is_asked_about_in_the_app(
    make_app, sandbox: RunningSandbox
) -> None:
    app = make_app()
    async with applied(app, ACK, size=(100, 30)) as pilot:
        ram = sandbox.client("ram", "monitoring")
        stale = ram.create_access_key(
            ram_models.CreateAccessKeyRequest(user_name="armstui-reporter")
        ).body.access_key
        await _plan_then_confirm(pilot, "o", "Rotate the ACK reporting key")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen),
            timeout=30,
            what="the stale-key question",
        )
        assert stale.access_key_id in app.screen.text and "Delete it" in app.screen.text
        await pilot.press("enter")  # "Delete and rotate" has the focus
        await wait_for(
            pilot,
            lambda: run_done(app, "rotate") and not isinstance(app.screen, ConfirmScreen),
            timeout=30,
            what="the rotation after deleting the stale key",
        )
    keys = [k.access_key_id for k in _keys(sandbox)]
    assert len(keys) == 1 and stale.access_key_id not in keys


async def test_rotate_before_any_ack_setup_says_what_to_do(make_app) -> None:
    app = make_app()
    async with running(app, size=(100, 30), notifications=True) as pilot:
        app.action_show("checklist")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert any("run the ACK flow first" in n.message for n in app._notifications)  # noqa: SLF001
        assert app.state.running is None


async def test_teardown_options_are_planned_again_when_flipped(
    make_app, sandbox: RunningSandbox
) -> None:
    ram = sandbox.client("ram", "monitoring")
    ram.create_user(
        ram_models.CreateUserRequest(user_name="armstui-reporter")
    )  # made by hand earlier: adopted
    app = make_app()
    async with applied(app, ACK, size=(100, 30)) as pilot:
        plan = await _plan_then_confirm(pilot, "d", "Tear down: ACK flow")
        kept = [
            s for s in plan.states if s.outcome is Outcome.SKIPPED and "armstui-reporter" in s.title
        ]
        assert kept and "[ ] a: also remove" in str(plan.query_one("#plan-options").render())
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, PlanScreen) and app.screen is not plan,
            what="the new plan",
        )
        plan = app.screen
        assert plan.setup.include_adopted and "[x] a: also remove" in str(
            plan.query_one("#plan-options").render()
        )
        assert not [
            s for s in plan.states if s.outcome is Outcome.SKIPPED and "armstui-reporter" in s.title
        ]
        await pilot.press("escape")  # cancel: nothing is removed
        await pilot.pause()
        assert app.state.running is None
    users = ram.list_users(ram_models.ListUsersRequest()).body.users.user
    assert "armstui-reporter" in {u.user_name for u in users}
