"""The ACK flow end to end on the sandbox, then checked independently through the SDKs."""

from __future__ import annotations

import json

from alibabacloud_arms20190808 import models as arms_models
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.ack import parse_version, reporter_vault_name
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from armstui.model import short_key_id
from tests.flows.conftest import mutating_calls
from tests.support.sandbox import RunningSandbox, set_reporting_key_status

SETUP = Setup("ack", "monitoring", ("source",))


def _clusters(sandbox: RunningSandbox) -> list:
    cs = sandbox.client("cs", "source")
    return cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters


def _onepilot(sandbox: RunningSandbox, cluster_id: str):
    cs = sandbox.client("cs", "source")
    return cs.get_cluster_addon_instance(cluster_id, "ack-onepilot").body


def test_ack_flow_makes_b_report_into_a(workspace: Workspace, sandbox: RunningSandbox) -> None:
    clusters = _clusters(sandbox)
    assert len(clusters) >= 2
    before = {c.cluster_id: _config_or_none(sandbox, c.cluster_id) for c in clusters}

    result = workspace.run_sync(SETUP, "apply")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]

    ram = sandbox.client("ram", "monitoring")
    policies = ram.list_policies_for_user(
        ram_models.ListPoliciesForUserRequest(user_name="armstui-reporter")
    ).body
    assert {p.policy_name for p in policies.policies.policy} == {
        "AliyunARMSFullAccess",
        "AliyunSTSAssumeRoleAccess",
    }
    keys = ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key
    assert len(keys) == 1 and keys[0].status == "Active"
    key_id = keys[0].access_key_id
    secret = workspace.vault.read(
        reporter_vault_name(sandbox.uid("monitoring"), "armstui-reporter", key_id)
    )
    assert secret
    # The checklist names the key as the rest of armstui does (LTAI…abcd), never whole.
    detail = result.by_id("ack/monitoring/user/armstui-reporter/key").detail
    assert short_key_id(key_id) in detail and key_id not in detail

    for cluster in clusters:
        addon = _onepilot(sandbox, cluster.cluster_id)
        # The newest release the cluster is offered: 5.1.1+ masks the AccessKey pair when
        # read back, so the pair is checked by its effect below; uid reads back as written.
        assert parse_version(addon.version) >= (5, 1, 1)
        config = json.loads(addon.config)
        assert (config["accessKey"], config["accessKeySecret"], config["uid"]) == (
            "******",
            "******",
            sandbox.uid("monitoring"),
        )
        for name, value in (before[cluster.cluster_id] or {}).items():
            if name not in ("accessKey", "accessKeySecret", "uid"):
                assert config[name] == value, f"{name} was lost in {cluster.cluster_id}"
    last_used = ram.get_access_key_last_used(
        ram_models.GetAccessKeyLastUsedRequest(
            user_name="armstui-reporter", user_access_key_id=key_id
        )
    ).body.access_key_last_used.last_used_date
    assert last_used, "onepilot never reported with the key armstui wrote"
    from armstui.sandbox.services.arms.model import reporting_apps

    now_reporting = reporting_apps(
        sandbox.state.store, sandbox.state.clock, sandbox.uid("monitoring"), "cn-hangzhou"
    )
    assert {a["ClusterId"] for a in now_reporting} >= {c.cluster_id for c in clusters}

    arms = sandbox.client("arms", "monitoring")
    apps = arms.list_trace_apps(
        arms_models.ListTraceAppsRequest(region_id="cn-hangzhou")
    ).body.trace_apps
    assert {a.cluster_id for a in apps} >= {c.cluster_id for c in clusters}
    for cluster in clusters:
        assert result.by_id(f"ack/source/{cluster.cluster_id}/reports").outcome is Outcome.OK


def _config_or_none(sandbox: RunningSandbox, cluster_id: str) -> dict | None:
    from Tea.exceptions import TeaException

    try:
        return json.loads(_onepilot(sandbox, cluster_id).config or "{}")
    except TeaException:
        return None


def test_a_second_apply_makes_no_mutating_call(workspace: Workspace) -> None:
    workspace.run_sync(SETUP, "apply")
    before = len(mutating_calls(workspace))
    again = workspace.run_sync(SETUP, "apply")
    assert again.exit_code == 0
    assert mutating_calls(workspace)[before:] == []
    assert {s.outcome for s in again.states if not s.step_id.endswith("/reports")} == {
        Outcome.ALREADY
    }
    assert {s.outcome for s in again.states if s.step_id.endswith("/reports")} == {Outcome.OK}


def test_plan_changes_nothing_and_lists_the_calls(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    result = workspace.run_sync(SETUP, "plan")
    assert mutating_calls(workspace) == []
    planned = [c for s in result.states for c in s.planned]
    assert any(c.startswith("Ram.CreateUser") for c in planned)
    assert any(c.startswith("CS.InstallClusterAddons") for c in planned)
    assert any(c.startswith("CS.UpgradeClusterAddons") for c in planned)
    ram = sandbox.client("ram", "monitoring")
    users = ram.list_users(ram_models.ListUsersRequest()).body.users.user
    assert [u.user_name for u in users] == ["admin"]  # the seeded user only
    # The install names the release it installs: the newest DescribeAddon offers.
    assert any(c.startswith("CS.InstallClusterAddons (ack-onepilot 5.2.1") for c in planned)


def test_verify_names_each_cluster_that_stopped_and_recovers_once_the_key_is_back(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    assert workspace.run_sync(SETUP, "apply").exit_code == 0
    clusters = _clusters(sandbox)
    set_reporting_key_status(sandbox, "Inactive")

    # Right after, the data of the last minutes is still there: the proofs still hold.
    early = workspace.run_sync(SETUP, "verify")
    assert all(
        early.by_id(f"ack/source/{c.cluster_id}/reports").outcome is Outcome.OK for c in clusters
    )

    sandbox.state.clock.advance((SETUP.data_window_minutes + 1) * 60)  # the window empties
    result = workspace.run_sync(SETUP, "verify")
    assert result.exit_code == 3
    assert result.by_id("ack/monitoring/user/armstui-reporter/key").outcome is Outcome.DRIFT
    for cluster in clusters:
        reports = result.by_id(f"ack/source/{cluster.cluster_id}/reports")
        assert reports.outcome is Outcome.NEEDS_YOU, reports.detail
        assert "stopped" in reports.detail and "last data" in reports.detail
        assert cluster.cluster_id in (reports.needs_you or "")

    set_reporting_key_status(sandbox, "Active")
    sandbox.state.clock.advance(30)  # a report or two with the key back
    again = workspace.run_sync(SETUP, "verify")
    assert again.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in again.states]


def test_a_source_without_clusters_gets_a_skipped_row_naming_the_region(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    result = workspace.run_sync(Setup("ack", "monitoring", ("source", "monitoring")), "plan")
    row = result.by_id("ack/monitoring/no-clusters")
    assert row.outcome is Outcome.SKIPPED
    assert "no ACK cluster in monitoring, region cn-hangzhou" in row.detail


def test_the_secret_never_reaches_the_journal_or_the_report(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    from armstui.flows.report import to_json, to_markdown

    workspace.run_sync(SETUP, "apply")
    ram = sandbox.client("ram", "monitoring")
    key_id = (
        ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name="armstui-reporter"))
        .body.access_keys.access_key[0]
        .access_key_id
    )
    secret = workspace.vault.read(
        reporter_vault_name(sandbox.uid("monitoring"), "armstui-reporter", key_id)
    )
    run = workspace.last_run("ack")
    assert secret not in to_json(run) and secret not in to_markdown(run)
    assert secret.encode() not in workspace.journal.path.read_bytes()


def test_a_cluster_the_sources_do_not_have_is_named_not_ignored(workspace: Workspace) -> None:
    import pytest

    from armstui.flows.workspace import WorkspaceError

    missing = "c" + "0" * 32
    with pytest.raises(WorkspaceError) as caught:
        workspace.run_sync(Setup("ack", "monitoring", ("source",), clusters=(missing,)), "plan")
    assert caught.value.exit_code == 2 and f"--cluster {missing}: not found in source" in str(
        caught.value
    )
    assert mutating_calls(workspace) == []


def test_unknown_accounts_and_malformed_ids_name_their_flag(workspace: Workspace) -> None:
    import pytest

    from armstui.flows.workspace import WorkspaceError
    from armstui.model import InvalidInput

    with pytest.raises(WorkspaceError, match="--monitoring 'nobody': not a configured account"):
        workspace.validate(Setup("ack", "nobody", ("source",)))
    with pytest.raises(WorkspaceError, match="--source 'nobody'"):
        workspace.validate(Setup("ack", "monitoring", ("nobody",)))
    with pytest.raises(InvalidInput, match="--cluster"):
        workspace.validate(Setup("ack", "monitoring", ("source",), clusters=("not-a-cluster",)))
    with pytest.raises(InvalidInput, match="--instance"):
        workspace.validate(Setup("ecs", "monitoring", ("source",), instances=("i-",)))


def test_an_operator_chosen_onepilot_release_is_installed_and_its_config_read_back(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    """--onepilot-version 3.0.20: installed and upgraded to exactly that release, which
    shows the AccessKey pair when read back, so the config is compared as read."""
    setup = Setup("ack", "monitoring", ("source",), onepilot_version="3.0.20")
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    installs = [
        r
        for r in workspace.call_log.records()
        if r.action in ("InstallClusterAddons", "UpgradeClusterAddons")
    ]
    assert len(installs) == 2
    for cluster in _clusters(sandbox):
        addon = _onepilot(sandbox, cluster.cluster_id)
        assert addon.version == "3.0.20"
        config = json.loads(addon.config)
        assert config["accessKey"].startswith("LTAI") and config["accessKeySecret"] != "******"
    before = len(mutating_calls(workspace))
    assert workspace.run_sync(setup, "apply").exit_code == 0
    assert mutating_calls(workspace)[before:] == []


def test_a_release_not_offered_is_needs_you_and_nothing_is_installed(
    workspace: Workspace,
) -> None:
    setup = Setup("ack", "monitoring", ("source",), onepilot_version="3.0.12")
    result = workspace.run_sync(setup, "apply")
    assert result.exit_code == 3
    rows = [s for s in result.states if s.step_id.endswith("/onepilot")]
    assert rows and all(s.outcome is Outcome.NEEDS_YOU for s in rows)
    assert all("--onepilot-version" in (s.needs_you or "") for s in rows)
    assert not any(
        c in ("cs.InstallClusterAddons", "cs.UpgradeClusterAddons")
        for c in mutating_calls(workspace)
    )


def test_a_schema_without_the_cross_account_keys_blocks_the_config_step(
    workspace: Workspace, sandbox: RunningSandbox, monkeypatch
) -> None:
    """A release whose config_schema (DescribeAddon) has no accessKey/accessKeySecret/uid:
    nothing is written, and the step shows the keys the schema has."""
    from armstui.sandbox.services.cs import model

    schema = model.ADDON_CONFIG_SCHEMA["ack-onepilot"]
    renamed = {
        **schema,
        "properties": {
            k: v
            for k, v in schema["properties"].items()
            if k not in ("accessKey", "accessKeySecret", "uid")
        },
    }
    monkeypatch.setitem(model.ADDON_CONFIG_SCHEMA, "ack-onepilot", renamed)
    result = workspace.run_sync(SETUP, "apply")
    assert result.exit_code == 3
    rows = [s for s in result.states if s.step_id.endswith("/onepilot-config")]
    assert rows and all(s.outcome is Outcome.NEEDS_YOU for s in rows)
    assert all("logLevel" in (s.needs_you or "") and "accessKey" in s.detail for s in rows)
    assert "cs.ModifyClusterAddon" not in mutating_calls(workspace)
