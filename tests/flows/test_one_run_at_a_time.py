"""One mutating run per setup at a time: a second apply, rotation or teardown of the same
setup is refused at once, naming the run that holds it; verify and plan still work."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from armstui.accounts import open_sandbox_workspace
from armstui.cli import main
from armstui.flows.setup import Setup
from armstui.flows.workspace import Workspace, WorkspaceError
from armstui.run_lock import hold
from tests.support.sandbox import RunningSandbox

ACK = Setup("ack", "monitoring", ("source",))


def test_a_held_setup_refuses_apply_before_any_call(
    workspace: Workspace, sandbox: RunningSandbox
) -> None:
    with hold(workspace.journal.path.parent, ACK.key):
        before = sandbox.server.app.request_count
        with pytest.raises(WorkspaceError) as busy:
            workspace.run_sync(ACK, "apply")
        assert busy.value.exit_code == 1
        assert f"another armstui run (pid {os.getpid()}, since" in str(busy.value)
        assert sandbox.server.app.request_count == before
        assert workspace.run_sync(ACK, "verify").exit_code in (0, 3)  # reads need no lock


def test_two_applies_at_once_make_one_key(state_dir: Path, sandbox: RunningSandbox) -> None:
    """Each apply in its own workspace, as two processes would: one runs, the other is
    refused; the reporting user gets exactly one AccessKey."""
    outcomes: list[object] = []
    started = threading.Barrier(2)

    def apply() -> None:
        with open_sandbox_workspace(state_dir / "sandbox.json") as ws:
            started.wait()
            try:
                outcomes.append(ws.run_sync(ACK, "apply").exit_code)
            except WorkspaceError as error:
                outcomes.append(error)

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    refused = [o for o in outcomes if isinstance(o, WorkspaceError)]
    assert len(outcomes) == 2 and len(refused) == 1 and 0 in outcomes, outcomes
    keys = [
        k for k in sandbox.state.store.list("ram.accesskey") if k["UserName"] == "armstui-reporter"
    ]
    assert len(keys) == 1


def test_a_rotation_waits_for_no_teardown(state_dir: Path, workspace: Workspace) -> None:
    """While a teardown holds the setup, a rotation is refused (they once raced and left a
    deleted key's secret in the clusters' configs)."""
    assert workspace.run_sync(ACK, "apply").exit_code == 0
    args = ["--sandbox", "--sandbox-state", str(state_dir)]
    flags = ["--flow", "ack", "--monitoring", "monitoring", "--source", "source", "--yes"]
    with hold(workspace.journal.path.parent, ACK.key):
        rotated = CliRunner().invoke(main, [*args, "rotate", *flags])
    assert rotated.exit_code == 1
    assert "another armstui run" in rotated.stderr
