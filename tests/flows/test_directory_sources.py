"""Sources from a Resource Directory (``--source rd:all``, ``rd:folder/<name>``): every member
is covered through its access role, with no member key saved; a member that joins later is
enrolled by the next run and named as new."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alibabacloud_resourcemanager20200331 import models as rm

from armstui.accounts import open_sandbox_workspace
from armstui.flows.setup import Setup
from armstui.flows.workspace import Workspace, WorkspaceError
from tests.support.org import running_org
from tests.support.sandbox import RunningSandbox

MEMBERS = 6


@pytest.fixture
def org(tmp_path: Path) -> Iterator[tuple[Workspace, RunningSandbox]]:
    """The org world, and a workspace whose ``management`` account signs as its RAM user
    ``admin`` (an account's root key cannot assume the members' roles)."""
    from armstui.sandbox.describe import FILE_NAME, write_description

    with running_org(MEMBERS) as sandbox:
        path = write_description(tmp_path / FILE_NAME, sandbox.state, sandbox.endpoint)
        described = json.loads(path.read_text())
        management = described["accounts"]["management"]
        admin = management["users"]["admin"]
        management["access_key_id"] = admin["access_key_id"]
        management["access_key_secret"] = admin["access_key_secret"]
        path.write_text(json.dumps(described))
        with open_sandbox_workspace(path, vault_kind="memory") as ws:
            yield ws, sandbox


def _members(sandbox: RunningSandbox) -> dict[str, str]:
    client = sandbox.client("resourcemanager", "management")
    listed = client.list_accounts(rm.ListAccountsRequest(page_size=100)).body.accounts.account
    return {m.display_name: m.account_id for m in listed}


async def test_rd_all_covers_every_member_through_its_access_role(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    ws, sandbox = org
    setup = Setup(flow="ack", monitoring="monitoring", sources=("rd:all",))
    ws.validate(setup)
    result = await ws.run(setup, "plan")
    covered = {s.account for s in result.states} - {"monitoring"}
    assert covered == set(_members(sandbox))
    assert ws.enrolment is not None and ws.enrolment.management == "management"
    session = await ws.session("member-001")
    assert session.uid == _members(sandbox)["member-001"]
    assert session.role_arn.endswith(":role/resourcedirectoryaccountaccessrole")


async def test_a_member_that_joins_is_enrolled_by_the_next_run(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    ws, sandbox = org
    setup = Setup(flow="ack", monitoring="monitoring", sources=("rd:all",))
    await ws.run(setup, "verify")
    assert ws.enrolment is not None and ws.enrolment.new == []
    sandbox.client("resourcemanager", "management").create_resource_account(
        rm.CreateResourceAccountRequest(display_name="newcomer", account_name_prefix="newcomer")
    )
    again = await ws.run(setup, "verify")
    assert ws.enrolment.new == ["newcomer"]
    assert "newcomer" in {s.account for s in again.states}
    assert "new since the last run: newcomer" in ws.enrolment.summary()


async def test_a_folder_and_an_exclusion_narrow_the_members(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    ws, sandbox = org
    prod = Setup(flow="ack", monitoring="monitoring", sources=("rd:folder/prod",))
    result = await ws.run(prod, "plan")
    in_prod = {s.account for s in result.states} - {"monitoring"}
    records = {m["AccountId"]: m for m in sandbox.state.store.list("rm.member")}
    by_name = _members(sandbox)
    assert in_prod and all("prod" in json.dumps(records[by_name[a]]) or a for a in in_prod)
    everyone = await ws.run(Setup(flow="ack", monitoring="monitoring", sources=("rd:all",)), "plan")
    assert in_prod < {s.account for s in everyone.states}
    left_out = sorted(in_prod)[0]
    narrowed = await ws.run(
        Setup(
            flow="ack",
            monitoring="monitoring",
            sources=("rd:folder/prod",),
            exclude=(by_name[left_out],),
        ),
        "plan",
    )
    assert {s.account for s in narrowed.states} - {"monitoring"} == in_prod - {left_out}


async def test_the_workspace_knows_every_member_any_run_expanded_into(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    """What the app keeps out of its plain account list: members of every run so far, not
    only of the last one."""
    ws, _sandbox = org
    covered = set()
    for folder in ("prod", "staging"):
        setup = Setup(flow="ack", monitoring="monitoring", sources=(f"rd:folder/{folder}",))
        covered |= {s.account for s in (await ws.run(setup, "plan")).states} - {"monitoring"}
    assert covered and ws.directory_members == covered
    assert ws.directory_members.isdisjoint({"monitoring", "source", "management"})


def test_a_malformed_directory_source_is_refused_before_anything_is_sent(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    from armstui.model import InvalidInput

    ws, _ = org
    with pytest.raises(InvalidInput) as refused:
        ws.validate(Setup(flow="ack", monitoring="monitoring", sources=("rd:everything",)))
    assert "rd:all or rd:folder/" in str(refused.value)


async def test_an_unknown_folder_is_named(org: tuple[Workspace, RunningSandbox]) -> None:
    ws, _ = org
    with pytest.raises(WorkspaceError) as refused:
        await ws.run(
            Setup(flow="ack", monitoring="monitoring", sources=("rd:folder/nope",)), "plan"
        )
    assert "rd:folder/nope: no such folder" in str(refused.value)


async def test_every_region_finds_each_members_cluster_where_it_runs(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    ws, sandbox = org
    setup = Setup(flow="ack", monitoring="monitoring", sources=("rd:all",), all_regions=True)
    result = await ws.run(setup, "plan")
    where = {
        c["cluster_id"]: c["region_id"]
        for c in sandbox.state.store.list("cs.cluster")
        if c["account_id"] in set(_members(sandbox).values())
    }
    planned = {s.step_id for s in result.states}
    for cluster_id in where:
        assert any(cluster_id in step_id for step_id in planned), cluster_id
    regions_acted_in = {s.account.partition("@")[2] or "cn-hangzhou" for s in result.states}
    assert regions_acted_in == set(where.values()) | {"cn-hangzhou"}


async def test_a_cluster_outside_as_region_is_told_how_to_report_there(
    org: tuple[Workspace, RunningSandbox],
) -> None:
    """Clusters in A's ARMS region report; one elsewhere gets its keys and uid, then needs the
    operator: ARMS_REPORT_REGION is an environment variable of onepilot's own Deployment, not
    an addon setting the API writes (so nothing of that name is written into the config)."""
    ws, sandbox = org
    setup = Setup(flow="ack", monitoring="monitoring", sources=("rd:all",), all_regions=True)
    result = await ws.run(setup, "apply")
    store = sandbox.state.store
    members = set(_members(sandbox).values())
    for cluster in store.list("cs.cluster"):
        if cluster["account_id"] not in members:
            continue
        addon = store.get("cs.addon", f"{cluster['cluster_id']}/ack-onepilot")
        assert addon is not None
        config = json.loads(addon["config"])
        assert config["uid"] == sandbox.uid("monitoring") and "ARMS_REPORT_REGION" not in config
        (row,) = [
            s
            for s in result.states
            if s.step_id.endswith(f"{cluster['cluster_id']}/onepilot-config")
        ]
        if cluster["region_id"] == "cn-hangzhou":
            assert row.outcome.value == "ok", row.detail
        else:
            assert row.outcome.value == "needs-you", row.detail
            assert "ARMS_REPORT_REGION=cn-hangzhou" in (row.needs_you or "")
            assert "ack-onepilot-ack-onepilot" in (row.needs_you or "")
    assert result.exit_code == 3
