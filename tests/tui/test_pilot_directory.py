"""The flow form offers a Resource Directory as a tree of checkboxes, listed by the saved
account that manages it, on the org world served by the test sandbox: what is ticked is
what the plan covers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select
from textual.widgets._footer import FooterKey
from textual.widgets.tree import TreeNode

from armstui.accounts import open_sandbox_workspace
from armstui.cli.common import SandboxOptions
from armstui.flows.directory import FolderNode
from armstui.tui.app import ArmsTui
from armstui.tui.screens.flow import FlowScreen
from armstui.tui.screens.plan import PlanScreen
from armstui.tui.widgets.account_picker import AccountPicker
from armstui.tui.widgets.directory_choice import folders_under
from armstui.tui.widgets.directory_tree import CheckTree, DirectorySources
from tests.support.org import running_org, signing_as_admin
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import opened, wait_for

MEMBERS = 12  # staging: member-001, -005 and -009


@pytest.fixture
def org() -> Iterator[RunningSandbox]:
    with running_org(MEMBERS) as sandbox:
        yield sandbox


@asynccontextmanager
async def the_ack_form(
    org: RunningSandbox, tmp_path: Path, size: tuple[int, int], key: dict[str, str] | None = None
) -> AsyncIterator[tuple[Pilot, FlowScreen]]:
    """The app on the org world with the ACK form shown, nothing ticked in the plain list."""
    description = signing_as_admin(org, tmp_path, key)
    app = ArmsTui(
        SandboxOptions(True, tmp_path / "sandbox-state"),
        workspace_factory=lambda: open_sandbox_workspace(description, vault_kind="memory"),
    )
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        app.state.sources = []  # the directory alone
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen.name == "ack")
        assert isinstance(app.screen, FlowScreen)
        yield pilot, app.screen


async def the_tree(pilot: Pilot) -> CheckTree:
    """The directory tree once listed, with the focus."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.query(CheckTree), what="the directory tree")
    tree = screen.query_one(CheckTree)
    tree.focus()
    return tree


def folder(tree: CheckTree, name: str) -> FolderNode:
    return next(f for f in folders_under(tree.choice.root) if f.name == name)


def node_of(tree: CheckTree, data: object) -> TreeNode:
    nodes = [tree.root]
    while nodes[0].data is not data:
        nodes = [*nodes[1:], *nodes[0].children]
    return nodes[0]


def shown(tree: CheckTree, data: object) -> str:
    """The row of ``data`` as the tree draws it now."""
    node = node_of(tree, data)
    tree.scroll_to_node(node, animate=False)
    return tree.render_line(node.line - round(tree.scroll_offset.y)).text


async def test_a_ticked_folder_less_one_member_is_what_the_plan_covers(
    org: RunningSandbox, tmp_path: Path
) -> None:
    async with the_ack_form(org, tmp_path, (120, 40)) as (pilot, _form):
        app = pilot.app
        tree = await the_tree(pilot)
        staging = folder(tree, "staging")
        names = {m.display_name: m.account_id for m in staging.members}
        assert set(names) == {"member-001", "member-005", "member-009"}
        tree.move_cursor(node_of(tree, staging))
        await pilot.press("space")
        assert "☑ ▼ staging/" in shown(tree, staging)
        left_out = next(m for m in staging.members if m.display_name == "member-005")
        tree.move_cursor(node_of(tree, left_out))
        await pilot.press("enter")
        await pilot.pause()
        assert "▣ ▼ staging/" in shown(tree, staging)
        assert "☐ member-005" in shown(tree, left_out)
        assert shown(tree, tree.choice.root).startswith("▣ ▼ Whole directory")

        setup = app.screen.setup()
        assert setup.sources == (f"rd:folder/{staging.folder_id}",)
        assert setup.exclude == (left_out.account_id,)

        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")
        covered = {s.account for s in app.screen.states} - {"monitoring"}
        assert covered == {"member-001", "member-009"}
        assert app.state.setups["ack"].exclude == (left_out.account_id,)

        await pilot.press("escape")  # no apply: back to the form, then open it again
        await wait_for(pilot, lambda: not isinstance(app.screen, PlanScreen))
        app.action_show("welcome")
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen.name == "ack")
        assert set(app.screen.query_one(AccountPicker).accounts) == {
            "management",
            "monitoring",
            "outsider",
        }, "the members the plan expanded into are in the tree, not in the plain list"
        tree = await the_tree(pilot)
        assert app.screen.setup().sources == (f"rd:folder/{staging.folder_id}",)
        assert app.screen.setup().exclude == (left_out.account_id,)


async def test_the_root_ticks_everything_and_a_click_unticks_a_folder_at_80x24(
    org: RunningSandbox, tmp_path: Path
) -> None:
    async with the_ack_form(org, tmp_path, (80, 24)) as (pilot, screen):
        tree = await the_tree(pilot)
        await wait_for(
            pilot,
            lambda: "Tick" in {k.description for k in screen.query(FooterKey)},
            what="the footer naming the tick key",
        )
        tree.move_cursor(tree.root)
        await pilot.press("space")
        assert screen.query_one(DirectorySources).sources == ("rd:all",)
        dev = folder(tree, "dev")
        line = node_of(tree, dev).line
        tree.scroll_to_line(line, animate=False)
        await pilot.pause()
        await pilot.click(CheckTree, offset=(8, line - round(tree.scroll_offset.y)))
        setup = screen.setup()
        assert setup.sources == ("rd:all",)
        assert setup.exclude == (dev.folder_id,)
        screen.query_one("#all-regions", Checkbox).value = True
        assert screen.setup().all_regions is True


async def test_the_management_account_as_a_lists_and_plans_every_member(
    org: RunningSandbox, tmp_path: Path
) -> None:
    async with the_ack_form(org, tmp_path, (120, 40)) as (pilot, screen):
        screen.query_one("#monitoring", Select).value = "management"
        tree = await the_tree(pilot)
        tree.move_cursor(tree.root)
        await pilot.press("space")
        assert screen.setup().monitoring == "management"
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PlanScreen), what="the plan")
        covered = {s.account for s in pilot.app.screen.states}
        assert covered == {"management", *(f"member-{n:03d}" for n in range(1, MEMBERS + 1))}


async def test_a_directory_that_cannot_be_listed_says_why_and_the_accounts_still_work(
    org: RunningSandbox, tmp_path: Path
) -> None:
    ram = org.client("ram", "management")
    only_get = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "resourcemanager:GetResourceDirectory", "Resource": "*"}
        ],
    }
    ram.create_policy(
        ram_models.CreatePolicyRequest(policy_name="rd-get", policy_document=json.dumps(only_get))
    )
    key = org.user_key("management", "looker", ("Custom", "rd-get"))
    async with the_ack_form(org, tmp_path, (120, 40), key) as (pilot, screen):
        status = screen.query_one("#directory-status")
        await wait_for(pilot, lambda: status.has_class("directory-error"), what="the error")
        text = str(status.render())
        assert "could not be listed" in text and "NoPermission" in text
        assert "request ID" in text and "hint:" in text
        assert not screen.query(CheckTree)
        screen.query_one("#sources").select("outsider")
        assert screen.setup().sources == ("outsider",)


async def test_regions_named_and_every_region_are_one_or_the_other(
    org: RunningSandbox, tmp_path: Path
) -> None:
    async with the_ack_form(org, tmp_path, (120, 40)) as (pilot, screen):
        screen.query_one("#regions", Input).value = "cn-shanghai, cn-beijing"
        assert screen.setup().regions == ("cn-shanghai", "cn-beijing")
        screen.query_one("#all-regions", Checkbox).value = True
        assert "regions" in screen.form_errors()
        screen.query_one("#regions", Input).value = "not a region!"
        screen.query_one("#all-regions", Checkbox).value = False
        assert "regions" in screen.form_errors()
