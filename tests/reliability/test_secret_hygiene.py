"""After full runs of every flow (with a failure and a resume), no secret appears anywhere it
should not: config and data dirs, the journal, reports, stdout/stderr, exception texts.
Files the tool writes are 0600 in 0700 directories."""

from __future__ import annotations

import json
import os
from pathlib import Path

from armstui.flows.registry import FLOW_NAMES, flow_spec
from tests.reliability.conftest import armstui
from tests.support.sandbox import RunningSandbox

# The sandbox's own state legitimately holds its fake keys, mode 0600.
SANDBOX_OWN = {"sandbox.json", "sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "vault.json"}


def _secrets(sandbox: RunningSandbox, state_dir: Path) -> set[str]:
    store = sandbox.state.store
    found = {k["AccessKeySecret"] for k in store.list("ram.accesskey")}
    found |= {r["LicenseKey"] for r in store.list("arms.license")}
    vault = state_dir / "vault.json"
    found |= (
        set(json.loads(vault.read_text()).values()) if vault.exists() else set()
    )  # reporting key, password
    return {s for s in found if s}


def test_no_secret_anywhere_after_every_flow(
    sandbox: RunningSandbox, state_dir: Path, isolated_home: Path, tmp_path: Path
) -> None:
    outputs = []
    secrets: set[str] = (
        set()
    )  # every secret that existed at any point (a rotation and a teardown delete some)
    sandbox.state.faults.configure(
        {"apply-then-fail": "CreateAccessKey:1,ModifyClusterAddon:1", "seed": 3}
    )
    for flow in FLOW_NAMES:
        args = ["--flow", flow, "--monitoring", "monitoring", "--source", "source"]
        lifecycle = (
            [["rotate", "--yes", *args], ["report"], ["teardown", "--plan", *args]]
            if flow_spec(flow).rotates_key
            else []
        )
        for command in (
            ["plan", *args],
            ["apply", "--yes", *args],
            ["apply", "--yes", *args],
            ["verify", *args],
            ["report"],
            ["report", "--format", "json"],
            *lifecycle,
        ):
            done = armstui(state_dir, *command)
            outputs.append(done.stdout + done.stderr)
            secrets |= _secrets(sandbox, state_dir)
    for command in (
        ["teardown", "--yes", "--flow", "ack", "--monitoring", "monitoring", "--source", "source"],
        ["report", "--format", "json"],
    ):
        done = armstui(state_dir, *command)
        outputs.append(done.stdout + done.stderr)
    for alias in ("monitoring", "source", "outsider"):
        done = armstui(state_dir, "whoami", "--account", alias)
        outputs.append(done.stdout + done.stderr)
    secrets |= _secrets(sandbox, state_dir)
    # three root keys, two reporting keys (before and after the rotation), the password, the license key
    assert len(secrets) >= 7

    leaks = []
    for text in outputs:
        leaks += [s[:4] for s in secrets if s in text]
    written = [p for p in [*isolated_home.rglob("*"), *state_dir.rglob("*")] if p.is_file()]
    for path in written:
        if path.parent == state_dir and path.name in SANDBOX_OWN:
            continue
        data = path.read_bytes()
        leaks += [f"{path.name}:{s[:4]}" for s in secrets if s.encode() in data]
    assert leaks == []
    assert (state_dir / "journal.db").exists()

    for path in [state_dir / "journal.db", state_dir / "vault.json", state_dir / "sandbox.json"]:
        assert (path.stat().st_mode & 0o777) == 0o600, path
    assert (state_dir.stat().st_mode & 0o777) == 0o700
    assert all("Traceback" not in text for text in outputs)


def test_no_secret_in_process_arguments(state_dir: Path) -> None:
    # The command line never carries a secret: there is no option that takes one.
    done = armstui(state_dir, "accounts", "add", "--help")
    assert "--secret" not in done.stdout and "--access-key-secret" not in done.stdout
    assert os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") is None
