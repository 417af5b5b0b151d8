"""Faults on every call: the flows still converge, change nothing twice, and retry within bounds.

20% throttling + 5% 5xx + 1% dropped connections, fixed seed (CI); ARMSTUI_RELIABILITY=full
tries more seeds. Then a hard outage: the run stops with a clear error and nothing is ok.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from armstui.cloud.session import RetryPolicy
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.reliability.conftest import FULL
from tests.support.sandbox import RunningSandbox

SEEDS = [7, 11, 23, 42] if FULL else [7]
SETUPS = [
    Setup("ack", "monitoring", ("source",)),
    Setup("ecs", "monitoring", ("source",)),
    Setup("role", "monitoring", ("source",)),
]


def _reachable(setup: Setup, sandbox: RunningSandbox) -> Setup:
    """For ECS, only B's instances that run Cloud Assistant: the one without it is needs-you
    by design, which would hide whether the others converged."""
    if setup.flow != "ecs":
        return setup
    ecs = sandbox.client("ecs", "source")
    ids = [
        i.instance_id
        for i in ecs.describe_instances(
            ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou")
        ).body.instances.instance
    ]
    status = ecs.describe_cloud_assistant_status(
        ecs_models.DescribeCloudAssistantStatusRequest(region_id="cn-hangzhou", instance_id=ids)
    ).body.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    running = tuple(s.instance_id for s in status if s.cloud_assistant_status == "true")
    assert len(running) == 3
    return replace(setup, instances=running)


def _successful_changes(ws: Workspace) -> Counter:
    return Counter(
        f"{r.account}:{r.service}.{r.action}"
        for r in ws.call_log.records()
        if r.mutating and r.outcome == "ok"
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("setup", SETUPS, ids=[s.flow for s in SETUPS])
def test_flows_converge_under_faults(
    setup: Setup, seed: int, sandbox: RunningSandbox, workspace: Workspace
) -> None:
    setup = _reachable(setup, sandbox)
    sandbox.state.faults.configure({"throttle": 0.2, "5xx": 0.05, "drop": 0.01, "seed": seed})

    def apply() -> object:
        from armstui.flows.workspace import WorkspaceError

        try:
            return workspace.run_sync(setup, "apply")
        except (
            WorkspaceError
        ) as error:  # listing B's clusters failed after its retries: nothing ran
            assert error.exit_code == 1 and "request ID" in str(error)
            return error

    results = [apply()]
    while results[-1].exit_code != 0 and len(results) < 4:  # an operator's "run it again"
        results.append(apply())
    assert results[-1].exit_code == 0, [
        (s.title, s.outcome.value, s.detail) for s in results[-1].states
    ]
    injected = dict(sandbox.state.faults.stats)
    sandbox.state.faults.configure({})
    assert injected.get("throttle", 0) > 0  # the faults really happened
    assert workspace.run_sync(setup, "verify").exit_code == 0

    changes = _successful_changes(workspace)
    once = {
        "ack": [
            "ram.CreateUser",
            "ram.CreateAccessKey",
            "cs.InstallClusterAddons",
            "cs.UpgradeClusterAddons",
        ],
        "role": ["ram.CreateRole", "ram.CreateLoginProfile"],
        "ecs": [],
    }[setup.flow]
    for change in once:
        made = sum(n for key, n in changes.items() if key.endswith(change))
        assert made <= 1, f"{change} succeeded {made} times"
    if setup.flow == "ecs":
        assert sum(n for key, n in changes.items() if key.endswith("ecs.RunCommand")) == 3
    retries = workspace.call_log.records()
    assert max(r.attempt for r in retries) <= RetryPolicy().max_attempts


def test_a_hard_outage_stops_with_a_clear_error(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    from armstui.flows.workspace import WorkspaceError

    sandbox.state.faults.configure({"5xx": 1.0, "seed": 1})
    with pytest.raises(WorkspaceError) as caught:  # discovering B's clusters already fails
        workspace.run_sync(SETUPS[0], "apply")
    assert caught.value.exit_code == 1
    assert "request ID" in str(caught.value) and "hint:" in str(caught.value)
    assert not [r for r in workspace.call_log.records() if r.mutating]


def test_a_hard_outage_mid_run_marks_nothing_ok(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    # The role flow discovers nothing: every step meets the outage.
    sandbox.state.faults.configure({"5xx": 1.0, "seed": 1})
    result = workspace.run_sync(SETUPS[2], "apply")
    assert result.exit_code == 1
    assert not any(s.outcome in (Outcome.OK, Outcome.ALREADY) for s in result.states)
    failed = [s for s in result.states if s.outcome is Outcome.FAILED]
    assert failed and all(s.error_code in ("ServiceUnavailable", "InternalError") for s in failed)
    assert all(s.hint and s.request_id for s in failed)
    assert {s.outcome for s in result.states} <= {Outcome.FAILED, Outcome.BLOCKED}
