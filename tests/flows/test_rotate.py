"""Rotating the ACK reporting key: no app in A stops reporting at any moment, over several
source accounts and clusters, with and without faults; a stopped rotation is continued."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
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
    """Asks the emulator, over and over while a rotation runs, which clusters report into A
    at that moment (its ground truth: ARMS keeps apps listed after they stop, so a listing
    would show no gap): every answer must show every cluster that reported before."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.state = sandbox.state
        self.uid = sandbox.uid("monitoring")
        self.expected = self.clusters()
        self.polls: list[set[str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def clusters(self) -> set[str]:
        from armstui.sandbox.services.arms.model import reporters

        now = reporters(self.state.store, self.state.clock, self.state.clock.sim_now())
        return {r["ClusterId"] for r in now.values() if r["UserId"] == self.uid and r["ClusterId"]}

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
    """Each cluster's onepilot config as it runs: onepilot masks the AccessKey pair when read
    back through the API, so the values come from the emulator's own record; the uid read
    back through the API must agree with it."""
    configs = {}
    for source in setup.sources:
        cs = sandbox.client("cs", source)
        for cluster in cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters:
            read_back = json.loads(
                cs.get_cluster_addon_instance(cluster.cluster_id, "ack-onepilot").body.config
            )
            record = sandbox.state.store.get("cs.addon", f"{cluster.cluster_id}/ack-onepilot")
            config = json.loads(record["config"])
            assert read_back["uid"] == config["uid"] and read_back["accessKey"] == "******"
            configs[cluster.cluster_id] = config
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


def _rotate_with_a_put_back(
    org: Any, monkeypatch: pytest.MonkeyPatch, config: str
) -> tuple[Any, Any, str]:
    """A rotation during which someone writes ``config`` ("old": the old key, as it ran;
    "read-back": what the API shows, masked) into one cluster right after A's RAM first shows
    the new key in use. The run's result, the old key and that cluster's ID."""
    ws, sandbox, setup = org
    (old,) = _keys(sandbox)
    cs = sandbox.client("cs", setup.sources[0])
    cluster_id = (
        cs.describe_clusters_v1(cs_models.DescribeClustersV1Request()).body.clusters[0].cluster_id
    )
    if config == "old":
        original = sandbox.state.store.get("cs.addon", f"{cluster_id}/ack-onepilot")["config"]
    else:
        original = cs.get_cluster_addon_instance(cluster_id, "ack-onepilot").body.config

    def put_back() -> None:  # blocking SDK calls: run off the event loop
        cs.modify_cluster_addon(
            cluster_id, "ack-onepilot", cs_models.ModifyClusterAddonRequest(config=original)
        )
        for _ in range(200):  # until the change has landed (a nominal 20 s, 0.1 s here)
            if cs.get_cluster_addon_instance(cluster_id, "ack-onepilot").body.state == "active":
                return
            time.sleep(0.01)

    observe = NewKeyInUse.observe
    done: list[bool] = []

    async def observe_then_put_back(self: NewKeyInUse, ctx: FlowContext) -> Observation:
        seen = await observe(self, ctx)
        if seen.holds and not done:
            done.append(True)
            await asyncio.to_thread(put_back)
        return seen

    monkeypatch.setattr(NewKeyInUse, "observe", observe_then_put_back)
    result = ws.run_sync(setup, "apply", action="rotate")
    monkeypatch.undo()
    assert done
    return result, old, cluster_id


def test_a_cluster_broken_after_the_switch_is_named_and_the_old_key_enabled_again(
    org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The masked read-back written back is no valid key: the cluster falls silent, which
    only disabling the old key shows; it is enabled again at once and the cluster named."""
    ws, sandbox, setup = org
    result, old, cluster_id = _rotate_with_a_put_back(org, monkeypatch, "read-back")
    assert result.exit_code == 1
    stopped = next(s for s in result.states if s.outcome == Outcome.FAILED)
    assert stopped.error_code == "RotationStopped" and cluster_id in stopped.detail and stopped.hint
    assert [s.outcome for s in result.states if s.step_id.endswith("old-key-deleted")] == [
        Outcome.BLOCKED
    ]
    keys = {k.access_key_id: k.status for k in _keys(sandbox)}
    assert keys[old.access_key_id] == "Active" and len(keys) == 2
    result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert old.access_key_id not in {k.access_key_id for k in _keys(sandbox)}


def test_a_cluster_that_still_needs_the_old_key_stops_the_rotation_with_the_old_key_active(
    org, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, sandbox, setup = org
    result, old, cluster_id = _rotate_with_a_put_back(org, monkeypatch, "old")
    # RAM shows the old key still in use after the switch: the rotation stops before it
    # disables or deletes anything, so that cluster is never cut off.
    assert result.exit_code == 3, [
        (s.title, s.outcome.value, s.detail) for s in result.states if not s.outcome.succeeded
    ]
    unused = next(s for s in result.states if s.step_id.endswith("old-key-unused"))
    assert unused.outcome is Outcome.NEEDS_YOU and old.access_key_id in (unused.needs_you or "")
    assert "--force" in (unused.needs_you or "")
    assert [s.outcome for s in result.states if s.step_id.endswith("old-key-deleted")] == [
        Outcome.BLOCKED
    ]
    assert not any(r.action == "UpdateAccessKey" for r in ws.call_log.records() if r.mutating), (
        "the old key was never disabled"
    )
    keys = {k.access_key_id: k.status for k in _keys(sandbox)}
    assert keys[old.access_key_id] == "Active" and len(keys) == 2
    assert ws.journal.open_rotation(setup.key)["old_key"] == old.access_key_id

    # the operator re-runs: every config is written again, and the rotation finishes
    result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert [k.access_key_id for k in _keys(sandbox)] == [
        next(k for k in keys if k != old.access_key_id)
    ]
    assert ws.journal.open_rotation(setup.key) is None
    assert (
        json.loads(sandbox.state.store.get("cs.addon", f"{cluster_id}/ack-onepilot")["config"])[
            "accessKey"
        ]
        != old.access_key_id
    )


def _silence(sandbox: RunningSandbox, source: str) -> tuple[str, str]:
    """Takes the ARMS labels off every workload of one cluster of ``source``: its apps stay
    listed in A and send nothing more. Returns (cluster ID, name)."""
    uid = sandbox.uid(source)
    cluster = sandbox.state.store.list("cs.cluster", f"{uid}/")[0]
    for workload in cluster["workloads"]:
        workload["labels"] = {}
    sandbox.state.store.put("cs.cluster", f"{uid}/{cluster['cluster_id']}", cluster)
    return cluster["cluster_id"], cluster["name"]


def test_a_silent_cluster_stops_the_rotation_before_the_delete_unless_forced(org) -> None:
    from dataclasses import replace

    ws, sandbox, setup = org
    (old,) = _keys(sandbox)
    cluster_id, name = _silence(sandbox, setup.sources[1])

    waiting: list[str] = []

    def listen(state) -> None:
        if state.step_id.endswith(f"{cluster_id}/reports"):
            waiting.append(state.detail)

    stopped = ws.run_sync(setup, "apply", action="rotate", listener=listen)
    assert stopped.exit_code == 3
    # while its first data after the change could still come, the step said so, with a deadline
    assert any("waiting" in d and "(until " in d and "UTC)" in d for d in waiting), waiting
    silent = next(s for s in stopped.states if s.step_id.endswith(f"{cluster_id}/reports"))
    assert silent.outcome is Outcome.NEEDS_YOU and cluster_id in (silent.needs_you or "")
    assert name in silent.title and "last data" in silent.detail
    assert old.access_key_id in {k.access_key_id for k in _keys(sandbox)}
    assert {k.status for k in _keys(sandbox)} == {"Active"}

    forced = ws.run_sync(replace(setup, force=True), "apply", action="rotate")
    assert forced.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in forced.states]
    risk = next(s for s in forced.states if s.step_id.endswith(f"{cluster_id}/reports"))
    assert "FORCED" in risk.detail and "cuts it off" in risk.detail
    assert old.access_key_id not in {k.access_key_id for k in _keys(sandbox)}


def test_the_two_key_window_is_measured(org) -> None:
    ws, sandbox, setup = org
    result = ws.run_sync(setup, "apply", action="rotate")
    assert result.exit_code == 0
    rotation = ws.journal.last_rotation(setup.key)
    assert rotation["new_key_at"] <= rotation["old_key_gone_at"] <= rotation["finished_at"]
    deleted = next(s for s in result.states if s.step_id.endswith("old-key-deleted"))
    assert "two-key window opened" in deleted.detail and "closed" in deleted.detail


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
