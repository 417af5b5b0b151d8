"""`armstui status` end to end on the sandbox: reporting is read from A's data, so disabling
the reporting key shows the clusters as not reporting (with their last data time) once the
window has passed, and re-enabling it brings them back. Set up through the official SDKs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from alibabacloud_cs20151215 import models as cs
from alibabacloud_ram20150501 import models as ram
from click.testing import CliRunner

from armstui.cli import main
from armstui.flows.setup import Setup
from armstui.flows.workspace import Workspace
from tests.support.sandbox import RunningSandbox
from tests.survey.support import mutating_calls

ONEPILOT = "ack-onepilot"
REPORTER = "armstui-reporter"


def _as_admin(sandbox: RunningSandbox, service: str, alias: str) -> Any:
    admin = sandbox.accounts[alias]["users"]["admin"]
    return sandbox.client(
        service,
        access_key_id=admin["access_key_id"],
        access_key_secret=admin["access_key_secret"],
    )


def _advance(sandbox: RunningSandbox, seconds: float) -> None:
    requests.post(
        f"http://{sandbox.endpoint}/__sandbox/clock", json={"advance": seconds}, timeout=5
    ).raise_for_status()


def _settle(client: Any, cluster_id: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.get_cluster_addon_instance(cluster_id, ONEPILOT).body.state == "active":
            return
        time.sleep(0.01)
    raise AssertionError("onepilot did not settle")


@pytest.fixture
def reporting(sandbox: RunningSandbox) -> str:
    """Every cluster of B runs ack-onepilot 3.0.14 with a key of A's reporting user (what the
    ACK flow sets up); returns that key's ID."""
    requests.post(
        f"http://{sandbox.endpoint}/__sandbox/clock", json={"speed": 100_000}, timeout=5
    ).raise_for_status()
    a = _as_admin(sandbox, "ram", "monitoring")
    a.create_user(ram.CreateUserRequest(user_name=REPORTER))
    a.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            user_name=REPORTER, policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )
    key = a.create_access_key(ram.CreateAccessKeyRequest(user_name=REPORTER)).body.access_key
    config = json.dumps(
        {
            "accessKey": key.access_key_id,
            "accessKeySecret": key.access_key_secret,
            "uid": sandbox.uid("monitoring"),
        }
    )
    b = _as_admin(sandbox, "cs", "source")
    for cluster in b.describe_clusters_v1(cs.DescribeClustersV1Request()).body.clusters:
        installed = {
            a.name for a in b.list_cluster_addon_instances(cluster.cluster_id).body.addons or []
        }
        if ONEPILOT in installed:
            current = b.get_cluster_addon_instance(cluster.cluster_id, ONEPILOT).body.version
            b.upgrade_cluster_addons(
                cluster.cluster_id,
                cs.UpgradeClusterAddonsRequest(
                    body=[
                        cs.UpgradeClusterAddonsRequestBody(
                            component_name=ONEPILOT, version=current, next_version="3.0.14"
                        )
                    ]
                ),
            )
            _settle(b, cluster.cluster_id)
            b.modify_cluster_addon(
                cluster.cluster_id, ONEPILOT, cs.ModifyClusterAddonRequest(config=config)
            )
        else:
            b.install_cluster_addons(
                cluster.cluster_id,
                cs.InstallClusterAddonsRequest(
                    body=[
                        cs.InstallClusterAddonsRequestBody(
                            name=ONEPILOT, version="3.0.14", config=config
                        )
                    ]
                ),
            )
        _settle(b, cluster.cluster_id)
    _advance(sandbox, 360)
    return str(key.access_key_id)


def status(state_dir: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        main,
        [
            "--sandbox",
            "--sandbox-state",
            str(state_dir),
            "status",
            "--monitoring",
            "monitoring",
            "--source",
            "source",
            "--format",
            "json",
            *extra,
        ],
    )
    assert result.exit_code in (0, 3), result.output
    return result.exit_code, json.loads(result.output)


def _set_key(sandbox: RunningSandbox, key_id: str, state: str) -> None:
    _as_admin(sandbox, "ram", "monitoring").update_access_key(
        ram.UpdateAccessKeyRequest(user_name=REPORTER, user_access_key_id=key_id, status=state)
    )


def test_status_follows_the_reporting_key(
    sandbox: RunningSandbox, state_dir: Path, workspace: Workspace, reporting: str
) -> None:
    ecs = workspace.run_sync(Setup("ecs", "monitoring", ("source",)), "apply")
    # legacy-reports-4 has no Cloud Assistant: the agent cannot be installed there
    assert [s.outcome.value for s in ecs.states].count("ok") == 4, ecs.states
    _advance(sandbox, 360)
    code, out = status(state_dir)
    (source,) = out["sources"]
    clusters = source["clusters"]
    assert code == 0, out["todo"]
    assert len(clusters) == 2 and all(c["reporting_now"] for c in clusters)
    assert all(c["onepilot_version"] == "3.0.14" and c["drift"] == [] for c in clusters)
    assert {"cluster_id", "region", "onepilot_newest", "last_data_at"} <= set(clusters[0])
    instances = {i["app_name"]: i for i in source["instances"]}
    assert {a for a, i in instances.items() if i["monitored"] and i["reporting_now"]} == {
        "orders",
        "billing",
        "catalog",
    }
    assert not instances["reports"]["monitored"] and not instances["reports"]["cloud_assistant"]
    (key,) = out["keys"]
    assert key["key_id"] == reporting and key["user"] == REPORTER
    assert key["age_days"] == 0 and key["in_vault"] is False
    assert out["monitoring"]["account"] == "monitoring"

    before = len(mutating_calls(sandbox))
    _set_key(sandbox, reporting, "Inactive")
    _advance(sandbox, 600)
    code, out = status(state_dir)
    assert code == 3
    stopped = out["sources"][0]["clusters"]
    assert all(not c["reporting_now"] and c["last_data_at"] for c in stopped)
    # the instances report with A's license key, not the disabled AccessKey
    assert sum(i["reporting_now"] for i in out["sources"][0]["instances"]) == 3
    assert any("not reporting now (last data" in t for t in out["todo"])

    _set_key(sandbox, reporting, "Active")
    _advance(sandbox, 360)
    code, out = status(state_dir)
    assert code == 0 and all(c["reporting_now"] for c in out["sources"][0]["clusters"])
    # status itself changed nothing: the only changes are the two UpdateAccessKey calls
    assert mutating_calls(sandbox)[before:] == ["UpdateAccessKey", "UpdateAccessKey"]


def test_watch_prints_a_fresh_table_each_round(state_dir: Path) -> None:
    from armstui.cli.common import SandboxOptions
    from armstui.cli.status import watch_status

    slept: list[float] = []
    runner = CliRunner()
    with runner.isolation() as (out, _err, *_):
        code = watch_status(
            SandboxOptions(True, state_dir),
            "monitoring",
            ("source",),
            fmt="text",
            reporter_user=REPORTER,
            window_minutes=5,
            every=30.0,
            rounds=3,
            sleep=slept.append,
        )
        text = out.getvalue().decode()
    assert code == 3 and slept == [30.0, 30.0]
    assert text.count("monitoring monitoring (") == 3
    assert text.count("to do: source/shop-prod: ack-onepilot is not installed") == 3


def test_status_needs_a_known_account(state_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), "status", "--monitoring", "nope"]
    )
    assert result.exit_code == 2 and "--monitoring" in result.output
