"""Several source accounts with several clusters and instances: one setup covers them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.sandbox.services.arms.model import reporting_apps
from tests.flows.conftest import mutating_calls, org_sandbox


@pytest.fixture
def org(tmp_path: Path):
    with org_sandbox(tmp_path, "large:sources=3,clusters=2,instances=6") as (ws, sandbox):
        yield ws, sandbox.state


def test_ack_and_ecs_across_three_source_accounts(org) -> None:
    ws, state = org
    sources = tuple(a for a in ws.accounts if a.startswith("source-"))
    assert len(sources) == 3
    monitoring_uid = ws.accounts["monitoring"].uid
    for flow in ("ack", "ecs"):
        result = ws.run_sync(Setup(flow, "monitoring", sources), "apply")
        assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    apps = reporting_apps(state.store, state.clock, monitoring_uid, state.region)
    clusters = {a["ClusterId"] for a in apps if a["Source"] == "ACK"}
    hosts = {label for a in apps if a["Source"] == "ECS" for label in a["Labels"]}
    assert len(clusters) == 3 * 2 and len(hosts) == 6
    # one reporting user and key in A serve every source account
    assert sum(1 for c in mutating_calls(ws) if c == "ram.CreateAccessKey") == 1
    again = ws.run_sync(Setup("ack", "monitoring", sources), "verify")
    assert {s.outcome for s in again.states} == {Outcome.OK}
