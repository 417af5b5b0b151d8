"""Rotating the ACK reporting key: no app in A stops reporting at any moment, over several
source accounts and clusters, with and without faults; a stopped rotation is continued."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from alibabacloud_arms20190808 import models as arms_models
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.ack import reporter_vault_name
from armstui.flows.context import FlowContext
from armstui.flows.rotate import NewKeyInUse
from armstui.flows.setup import Setup
from armstui.flows.step import Observation, Outcome
from armstui.flows.workspace import Workspace, WorkspaceError
from tests.flows.conftest import mutating_calls, org_sandbox
from tests.support.sandbox import RunningSandbox

WORLD = "large:sources=3,clusters=2,instances=0"


@pytest.fixture
def org(tmp_path: Path):
    with org_sandbox(tmp_path, WORLD) as (ws, sandbox):
        setup = Setup("ack", "monitoring", tuple(a for a in ws.accounts if a.startswith("source-")))
        result = ws.run_sync(setup, "apply")
        assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
        yield ws, sandbox, setup


class ReportingMonitor:
    """Lists A's apps through the SDK, over and over, while a rotation runs: every answer
    must show every cluster that reported before it began."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.client = sandbox.client("arms", "monitoring")
        self.region = sandbox.state.region
        self.expected = self.clusters()
        self.polls: list[set[str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def clusters(self) -> set[str]:
        apps = self.client.list_trace_apps(
            arms_models.ListTraceAppsRequest(region_id=self.region)
        ).body.trace_apps
        return {a.cluster_id for a in apps if a.cluster_id}

    def _loop(self) -> None:
        # A listing every few milliseconds: far finer than any step of a rotation (a config
        # change lands after 0.1 s here), without starving the sandbox the flows talk to.
        while not self._stop.wait(0.003):
            try:
                self.polls.append(self.clusters())
            except Exception:  # an injected fault on the monitor's own call is no gap
                pass

    def __enter__(self) -> ReportingMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def gaps(self) -> list[set[str]]:
        return [self.expected - seen for seen in self.polls if self.expected - seen]


def _keys(sandbox: RunningSandbox) -> list:
    ram = sandbox.client("ram", "monitoring")
    return ram.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="armstui-reporter")
    ).body.access_keys.access_key


def _configs(sandbox: RunningSandbox, ws: Workspace, setup: Setup) -> dict[str, dict]:
    configs = {}
    for source in setup.sources:
        cs = sandbox.client("cs", source)
        for cluster in cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters:
            configs[cluster.cluster_id] = json.loads(
                cs.get_cluster_addon_instance(cluster.cluster_id, "ack-onepilot").body.config
            )
    return configs


def test_rotation_swaps_the_key_in_every_cluster_without_a_gap(org) -> None:
    ws, sandbox, setup = org
    uid = sandbox.uid("monitoring")
    (old,) = _keys(sandbox)
    before = _configs(sandbox, ws, setup)
    assert len(before) == 6 and {c["accessKey"] for c in before.values()} == {old.access_key_id}

    with ReportingMonitor(sandbox) as monitor:
        result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert len(monitor.expected) == 6
    assert len(monitor.polls) > 20 and monitor.gaps() == []

    (new,) = _keys(sandbox)
    assert new.access_key_id != old.access_key_id and new.status == "Active"
    secret = ws.vault.read(reporter_vault_name(uid, "armstui-reporter", new.access_key_id))
    assert (
        secret
        and ws.vault.read(reporter_vault_name(uid, "armstui-reporter", old.access_key_id)) is None
    )
    after = _configs(sandbox, ws, setup)
    for cluster_id, config in after.items():
        assert (config["accessKey"], config["accessKeySecret"], config["uid"]) == (
            new.access_key_id,
            secret,
            uid,
        )
        assert {k: v for k, v in config.items() if not k.startswith("access")} == {
            k: v for k, v in before[cluster_id].items() if not k.startswith("access")
        }
    assert monitor.clusters() == monitor.expected
    assert ws.journal.open_rotation(setup.key) is None
    # the setup still verifies with the new key, and a second rotation starts afresh
    assert ws.run_sync(setup, "verify").exit_code == 0
    again = ws.run_sync(setup, "apply", action="rotate")
    assert again.exit_code == 0 and _keys(sandbox)[0].access_key_id != new.access_key_id


def test_rotation_under_faults_keeps_reporting_and_changes_each_thing_once(org) -> None:
    ws, sandbox, setup = org
    (old,) = _keys(sandbox)
    sandbox.state.faults.configure({"throttle": 0.2, "5xx": 0.05, "drop": 0.01, "seed": 5})

    def rotate() -> object:
        try:
            return ws.run_sync(setup, "apply", action="rotate")
        except (
            WorkspaceError
        ) as error:  # finding the clusters failed after its retries: nothing changed
            assert error.exit_code == 1 and "Throttling" in str(error)
            return error

    with ReportingMonitor(sandbox) as monitor:
        results = [rotate()]
        while results[-1].exit_code != 0 and len(results) < 5:  # the operator runs it again
            results.append(rotate())
    injected = dict(sandbox.state.faults.stats)
    sandbox.state.faults.configure({})
    assert injected.get("throttle", 0) > 0
    assert results[-1].exit_code == 0, [
        (s.title, s.outcome.value, s.detail) for s in results[-1].states
    ]
    assert monitor.gaps() == [] and len(monitor.polls) > 20
    (new,) = _keys(sandbox)
    assert new.access_key_id != old.access_key_id
    ok_creates = [
        r for r in ws.call_log.records() if r.action == "CreateAccessKey" and r.outcome == "ok"
    ]
    assert len(ok_creates) == 2  # the setup's key, then exactly one for the rotation


def test_a_cluster_that_still_needs_the_old_key_stops_the_rotation_with_the_old_key_active(
    org, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, sandbox, setup = org
    (old,) = _keys(sandbox)
    # someone puts the old key back into one cluster right after armstui wrote the new one
    target_source = setup.sources[0]
    cs = sandbox.client("cs", target_source)
    cluster_id = (
        cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters[0].cluster_id
    )
    original = json.loads(cs.get_cluster_addon_instance(cluster_id, "ack-onepilot").body.config)

    def put_back() -> None:  # blocking SDK calls: run off the event loop
        cs.modify_cluster_addon(
            cluster_id,
            "ack-onepilot",
            cs_models.ModifyClusterAddonRequest(config=json.dumps(original)),
        )
        for _ in range(200):  # until the change has landed (a nominal 20 s, 0.1 s here)
            if cs.get_cluster_addon_instance(cluster_id, "ack-onepilot").body.state == "active":
                return
            time.sleep(0.01)

    # Right after A's RAM first shows the new key in use, before the old key is disabled.
    observe = NewKeyInUse.observe
    put_back_done = False

    async def observe_then_put_back(self: NewKeyInUse, ctx: FlowContext) -> Observation:
        nonlocal put_back_done
        seen = await observe(self, ctx)
        if seen.holds and not put_back_done:
            put_back_done = True
            await asyncio.to_thread(put_back)
        return seen

    monkeypatch.setattr(NewKeyInUse, "observe", observe_then_put_back)
    result = ws.run_sync(setup, "apply", action="rotate")
    monkeypatch.undo()
    assert put_back_done
    assert result.exit_code == 1
    stopped = next(s for s in result.states if s.outcome == Outcome.FAILED)
    assert stopped.error_code == "RotationStopped" and cluster_id in stopped.detail and stopped.hint
    assert [s.outcome for s in result.states if s.step_id.endswith("old-key-deleted")] == [
        Outcome.BLOCKED
    ]
    keys = {k.access_key_id: k.status for k in _keys(sandbox)}
    assert keys[old.access_key_id] == "Active" and len(keys) == 2
    assert ws.journal.open_rotation(setup.key)["old_key"] == old.access_key_id

    # the operator fixes the cluster (armstui writes the new key again) and re-runs: it continues
    result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert [k.access_key_id for k in _keys(sandbox)] == [
        next(k for k in keys if k != old.access_key_id)
    ]
    assert ws.journal.open_rotation(setup.key) is None


def test_an_interrupted_rotation_is_continued_not_restarted(org) -> None:
    ws, sandbox, setup = org
    (old,) = _keys(sandbox)
    steps = ws.run_sync(setup, "plan", action="rotate").states
    disable = next(s.step_id for s in steps if s.step_id.endswith("old-key-disabled"))
    first = ws.run_sync(setup, "apply", action="rotate", skip=[disable])  # stops before disabling
    assert first.exit_code == 3
    new = next(k.access_key_id for k in _keys(sandbox) if k.access_key_id != old.access_key_id)
    second = ws.run_sync(setup, "apply", action="rotate")
    assert second.exit_code == 0
    assert [k.access_key_id for k in _keys(sandbox)] == [new]
    assert (
        mutating_calls(ws).count("ram.CreateAccessKey") == 1 + 1
    )  # apply's key, then one rotation key


def test_a_stale_second_key_is_reported_and_replaced_only_when_asked(org) -> None:
    ws, sandbox, setup = org
    ram = sandbox.client("ram", "monitoring")
    stale = ram.create_access_key(
        ram_models.CreateAccessKeyRequest(user_name="armstui-reporter")
    ).body.access_key
    result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 3
    (new_key,) = [s for s in result.states if s.step_id.endswith("/new-key")]
    assert new_key.outcome == Outcome.NEEDS_YOU and stale.access_key_id in new_key.needs_you
    assert "--replace-stale-key" in new_key.needs_you
    assert len(_keys(sandbox)) == 2  # nothing was deleted
    from dataclasses import replace

    result = ws.run_sync(replace(setup, replace_stale_key=True), "apply", action="rotate")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert stale.access_key_id not in {k.access_key_id for k in _keys(sandbox)}


def test_nothing_to_rotate_before_the_flow_ran(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError) as caught:
        workspace.run_sync(Setup("ack", "monitoring", ("source",)), "apply", action="rotate")
    assert "nothing to rotate" in str(caught.value) and caught.value.exit_code == 3


def test_the_plan_of_a_rotation_changes_nothing(org) -> None:
    ws, sandbox, setup = org
    before = [(k.access_key_id, k.status) for k in _keys(sandbox)]
    calls = len(mutating_calls(ws))
    plan = ws.run_sync(setup, "plan", action="rotate")
    assert [(k.access_key_id, k.status) for k in _keys(sandbox)] == before
    assert len(mutating_calls(ws)) == calls and ws.journal.open_rotation(setup.key) is None
    assert any("CreateAccessKey" in call for s in plan.states for call in s.planned)


def test_the_plan_does_not_claim_what_only_the_rotation_can_show(org) -> None:
    ws, _sandbox, setup = org
    plan = ws.run_sync(setup, "plan", action="rotate")
    still = next(s for s in plan.states if s.step_id.endswith("still-reporting"))
    assert still.outcome is Outcome.PLANNED and still.detail.startswith("will check")
