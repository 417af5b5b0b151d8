"""After full runs of every flow (with a failure and a resume), no secret appears anywhere it
should not: config and data dirs, the journal, reports, stdout/stderr, exception texts.
Files the tool writes are 0600 in 0700 directories."""

from __future__ import annotations

import os
from pathlib import Path

from armstui.flows.ack import reporter_vault_name
from armstui.flows.registry import FLOW_NAMES, flow_spec
from armstui.flows.role import password_vault_name
from tests.conftest import sandbox_secrets
from tests.reliability.conftest import armstui
from tests.support.cli import sandbox_cli
from tests.support.sandbox import RunningSandbox

# The emulated cloud's own state legitimately holds its keys (sandbox.json: the seeded ones).
SANDBOX_OWN = {"sandbox.json", "sandbox.db", "sandbox.db-wal", "sandbox.db-shm"}


def _secrets(sandbox: RunningSandbox, state_dir: Path) -> set[str]:
    store = sandbox.state.store
    found = {k["AccessKeySecret"] for k in store.list("ram.accesskey")}
    found |= {r["LicenseKey"] for r in store.list("arms.license")}
    found |= set(sandbox_secrets(state_dir).values())  # reporting key, password
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

    for path in [state_dir / "journal.db", state_dir / "vault.enc", state_dir / "sandbox.json"]:
        assert (path.stat().st_mode & 0o777) == 0o600, path
    assert (state_dir.stat().st_mode & 0o777) == 0o700
    assert all("Traceback" not in text for text in outputs)


def test_the_secrets_a_sandbox_run_creates_rest_only_in_its_vault(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    """After an ACK and a role apply on the sandbox, no file in its state dir holds a secret
    they created in clear: the reporting key and the console password are in the encrypted
    vault only (the seeded keys stay in sandbox.json)."""
    for flow in ("ack", "role"):
        applied = sandbox_cli(
            state_dir, "apply", "--yes", "--flow", flow,
            "--monitoring", "monitoring", "--source", "source",
        )  # fmt: skip
        assert applied.exit_code == 0, applied.output
    a, b = sandbox.uid("monitoring"), sandbox.uid("source")
    store = sandbox.state.store
    (reporter,) = [k for k in store.list("ram.accesskey") if k["UserName"] == "armstui-reporter"]
    held = sandbox_secrets(state_dir)
    created = {
        held[reporter_vault_name(a, "armstui-reporter", reporter["AccessKeyId"])],
        held[password_vault_name(b, "arms-operator")],
    }
    assert reporter["AccessKeySecret"] in created
    files = [p for p in state_dir.rglob("*") if p.is_file()]
    assert {"vault.enc", "journal.db", "sandbox.json"} <= {p.name for p in files}
    assert not (state_dir / "vault.json").exists()
    in_clear = [
        f"{p.name}: {s[:4]}" for p in files for s in created if s.encode() in p.read_bytes()
    ]
    assert in_clear == []


def test_no_secret_in_process_arguments(state_dir: Path) -> None:
    # The command line never carries a secret: there is no option that takes one.
    done = armstui(state_dir, "accounts", "add", "--help")
    assert "--secret" not in done.stdout and "--access-key-secret" not in done.stdout
    assert os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") is None
