"""Kill a rotation or a teardown (SIGKILL) right after each of its changes, then run it again.

At every kill point no key whose secret the vault dropped may remain in RAM, every key a
cluster reports with must be active and held by the vault, and the re-run must finish the
job. CI kills right after the changes to keys and users (the dangerous side: the change
landed, the process did not see it through); ARMSTUI_RELIABILITY=full kills right before
and right after every change.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from armstui.cli import main
from armstui.flows.ack import reporter_vault_name
from armstui.flows.journal import Journal
from armstui.sandbox.services.arms.model import reporting_apps
from tests.conftest import sandbox_secrets
from tests.reliability.conftest import FULL, armstui
from tests.support.sandbox import RunningSandbox

ACK = ["--flow", "ack", "--monitoring", "monitoring", "--source", "source"]
CHANGES = {
    # action -> mutating calls it makes after a clean ACK apply on the default world
    "rotate": 5,  # CreateAccessKey, 2x ModifyClusterAddon, UpdateAccessKey (Inactive), DeleteAccessKey
    "teardown": 6,  # 2x ModifyClusterAddon, DeleteAccessKey, 2x DetachPolicyFromUser, DeleteUser
}
# CI: right after each change to a key (created, disabled, deleted) and to the user; the
# config writes in between behave alike. Full: before and after every change.
CI_POINTS = {"rotate": (1, 4, 5), "teardown": (1, 3, 6)}
KILL_POINTS = [
    (action, when, n)
    for action, count in CHANGES.items()
    for n in range(1, count + 1)
    for when in ("before", "after")
    if FULL or (when == "after" and n in CI_POINTS[action])
]


def _apply(state_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), "apply", "--yes", *ACK]
    )
    assert result.exit_code == 0, result.output


def _keys_and_vault(state_dir: Path, sandbox: RunningSandbox) -> tuple[list[dict], dict]:
    keys = [
        k
        for k in sandbox.state.store.list("ram.accesskey")
        if k.get("UserName") == "armstui-reporter"
    ]
    return keys, sandbox_secrets(state_dir)


@pytest.mark.parametrize("action", sorted(CHANGES))
def test_the_change_counts_are_right(action: str, state_dir: Path, sandbox: RunningSandbox) -> None:
    _apply(state_dir)
    done = armstui(state_dir, action, "--yes", *ACK)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Journal(state_dir / "journal.db").last_run(modes=(action,))
    assert sum(1 for s in run["steps"] for c in s["calls"] if c["mutating"]) == CHANGES[action]


@pytest.mark.parametrize(
    ("action", "when", "number"), KILL_POINTS, ids=[f"{a}-{w}-{n}" for a, w, n in KILL_POINTS]
)
def test_killed_then_run_again(
    action: str, when: str, number: int, state_dir: Path, sandbox: RunningSandbox
) -> None:
    _apply(state_dir)
    a = sandbox.uid("monitoring")
    killed = armstui(state_dir, action, "--yes", *ACK, kill_at=f"{when}:{number}")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert Journal(state_dir / "journal.db").last_run(modes=(action,))["finished_at"] is None

    keys, vault = _keys_and_vault(state_dir, sandbox)
    orphans = [
        k["AccessKeyId"]
        for k in keys
        if reporter_vault_name(a, "armstui-reporter", k["AccessKeyId"]) not in vault
    ]
    # Only a key whose answer never reached the vault (killed right after CreateAccessKey)
    # may lack its secret; no step drops a secret while RAM still has the key.
    assert not orphans or (action, number) == ("rotate", 1), (
        "a key left in RAM whose secret the vault dropped"
    )
    if action == "rotate":  # a killed rotation still reports, with a key the vault holds
        assert {
            x["ClusterId"]
            for x in reporting_apps(
                sandbox.state.store, sandbox.state.clock, a, sandbox.state.region
            )
            if x["Source"] == "ACK"
        } == {c["cluster_id"] for c in sandbox.state.store.list("cs.cluster")}

    again = armstui(state_dir, action, "--yes", *ACK)
    if orphans:  # reported by name, and replaced once the operator says so
        assert (
            again.returncode == 3
            and orphans[0] in again.stdout
            and "--replace-stale-key" in again.stdout
        )
        again = armstui(state_dir, action, "--yes", "--replace-stale-key", *ACK)
    assert again.returncode == 0, again.stdout + again.stderr
    keys, vault = _keys_and_vault(state_dir, sandbox)
    if action == "rotate":
        assert (
            len(keys) == 1
            and reporter_vault_name(a, "armstui-reporter", keys[0]["AccessKeyId"]) in vault
        )
        assert armstui(state_dir, "verify", *ACK).returncode == 0
    else:
        assert keys == [] and not [name for name in vault if name.startswith("reporter/")]
        users = sandbox.state.store.list("ram.user", f"{a}/")
        assert [u["UserName"] for u in users] == ["admin"]  # the seeded user only
