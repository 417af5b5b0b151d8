"""The role flow's short-lived check key never outlives the run: not when the run is killed
around CreateAccessKey/DeleteAccessKey, not when DeleteAccessKey keeps failing, and leftovers
that fill the user's two-key limit are removed instead of blocking the check."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models

from armstui.flows.role import check_key_vault_name
from armstui.flows.setup import Setup
from armstui.flows.step import Outcome
from armstui.flows.workspace import Workspace
from tests.conftest import sandbox_secrets
from tests.reliability.conftest import armstui
from tests.support.sandbox import RunningSandbox

ROLE = Setup("role", "monitoring", ("source",))
OPERATOR = "arms-operator"
ARGS = ["--flow", "role", "--monitoring", "monitoring", "--source", "source"]


def _operator_keys(sandbox: RunningSandbox) -> list[str]:
    ram = sandbox.client("ram", "source")
    found = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name=OPERATOR)).body
    return [k.access_key_id for k in found.access_keys.access_key or []]


def _check_entries(vault: dict[str, str]) -> list[str]:
    return [name for name in vault if name.startswith("switch-check/")]


# The clean apply's mutating calls: CreateRole, AttachPolicyToRole, CreateUser,
# CreateLoginProfile, AttachPolicyToUser, CreateAccessKey (6), DeleteAccessKey (7).
@pytest.mark.parametrize("kill_at", ["after:6", "before:7"])
def test_a_check_key_left_by_a_killed_run_is_removed_by_the_next(
    kill_at: str, state_dir: Path, sandbox: RunningSandbox
) -> None:
    killed = armstui(state_dir, "apply", "--yes", *ARGS, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert len(_operator_keys(sandbox)) == 1  # the kill left the check key behind
    again = armstui(state_dir, "apply", "--yes", *ARGS)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _operator_keys(sandbox) == []
    vault = sandbox_secrets(state_dir)
    assert _check_entries(vault) == []


def test_a_delete_that_keeps_failing_is_finished_by_the_next_run(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    sandbox.state.faults.configure({"5xx": 1.0, "only": "DeleteAccessKey", "seed": 1})
    workspace.run_sync(ROLE, "apply")
    left = _operator_keys(sandbox)
    assert len(left) == 1
    uid = sandbox.uid("source")
    assert workspace.vault.read(check_key_vault_name(uid, OPERATOR, left[0]))  # recognisable
    sandbox.state.faults.configure({})
    assert workspace.run_sync(ROLE, "apply").exit_code == 0
    assert _operator_keys(sandbox) == []
    assert workspace.vault.read(check_key_vault_name(uid, OPERATOR, left[0])) is None


def test_the_delete_is_retried_through_faults(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    sandbox.state.faults.configure({"5xx": 0.75, "only": "DeleteAccessKey", "seed": 1})
    result = workspace.run_sync(ROLE, "apply")
    assert sandbox.state.faults.stats.get("5xx", 0) > 0  # the deletes really failed
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert _operator_keys(sandbox) == []


def _two_keys(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    ram = sandbox.client("ram", "source")
    made = [
        ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name=OPERATOR)).body
        for _ in range(2)
    ]
    return [(k.access_key.access_key_id, k.access_key.access_key_secret) for k in made]


def test_leftovers_filling_the_two_key_limit_are_removed(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    assert workspace.run_sync(ROLE, "apply").exit_code == 0
    uid = sandbox.uid("source")
    for key_id, secret in _two_keys(sandbox):  # as two runs whose deletes failed leave them
        workspace.vault.store(check_key_vault_name(uid, OPERATOR, key_id), secret)
    result = workspace.run_sync(ROLE, "verify")
    assert result.exit_code == 0, [(s.title, s.outcome.value, s.detail) for s in result.states]
    assert _operator_keys(sandbox) == []


def test_two_keys_armstui_did_not_make_are_named_and_kept(
    sandbox: RunningSandbox, workspace: Workspace
) -> None:
    assert workspace.run_sync(ROLE, "apply").exit_code == 0
    theirs = [key_id for key_id, _ in _two_keys(sandbox)]
    result = workspace.run_sync(ROLE, "verify")
    assert result.exit_code == 3
    check = next(s for s in result.states if s.step_id.endswith("/switch-check"))
    assert check.outcome is Outcome.NEEDS_YOU
    assert all(key_id in check.needs_you for key_id in theirs)
    assert sorted(_operator_keys(sandbox)) == sorted(theirs)
