"""The doctor, end to end on the sandbox through the official SDKs: it changes nothing, and
each broken world gets the finding that names it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram_models
from click.testing import CliRunner

from armstui.cli import main
from armstui.survey.doctor import DoctorReport, Finding, Role, Status, run_doctor
from tests.support.sandbox import RunningSandbox
from tests.survey.support import actions, mutating_calls, session

REPORTER = "armstui-reporter"


def doctor(
    sandbox: RunningSandbox,
    *,
    root: bool = False,
    source_key: tuple[str, str] | None = None,
    now: Callable[[], float] = time.time,
    held: frozenset[str] = frozenset(),
) -> DoctorReport:
    roles = [
        Role(session(sandbox, "monitoring", root=root), monitoring=True),
        Role(session(sandbox, "source", root=root, key=source_key), monitoring=False),
    ]
    return asyncio.run(
        run_doctor(roles, reporter_user=REPORTER, vault_has=lambda k: k in held, now=now)
    )


def found(report: DoctorReport, account: str, check: str) -> list[Finding]:
    return [f for f in report.findings if f.account == account and f.check == check]


def test_default_world_warns_about_onepilot_and_cloud_assistant_and_changes_nothing(
    sandbox: RunningSandbox,
) -> None:
    report = doctor(sandbox)
    assert mutating_calls(sandbox) == []
    assert {"GetCallerIdentity", "DescribeClustersV1", "DescribeCloudAssistantStatus"} <= set(
        actions(sandbox)
    )
    onepilot = found(report, "source", "ack-onepilot")
    assert [f.status for f in onepilot] == [Status.WARN, Status.WARN]
    assert any("3.0.12 is older than 3.0.14" in f.detail for f in onepilot)
    assert all(f.step.startswith("ack/source/") for f in onepilot)
    (assistant,) = found(report, "source", "Cloud Assistant")
    assert assistant.status is Status.WARN and "legacy-reports-4" in assistant.detail
    assert found(report, "monitoring", "ARMS activated")[0].status is Status.OK
    assert found(report, "monitoring", "identity")[0].status is Status.OK
    assert report.exit_code == 0 and report.ok


def test_root_keys_are_flagged(sandbox: RunningSandbox) -> None:
    report = doctor(sandbox, root=True)
    for alias in ("monitoring", "source"):
        (identity,) = found(report, alias, "identity")
        assert identity.status is Status.WARN and "root key" in identity.detail
    assert mutating_calls(sandbox) == []


def test_arms_not_activated_in_the_region_fails(sandbox: RunningSandbox) -> None:
    uid, region = sandbox.uid("monitoring"), sandbox.state.region
    # ARMS answers an empty license key where it is not activated.
    sandbox.state.store.put(
        "arms.license",
        f"{uid}/{region}",
        {"LicenseKey": "", "AccountId": uid, "RegionId": region},
    )
    report = doctor(sandbox)
    (activated,) = found(report, "monitoring", "ARMS activated")
    assert activated.status is Status.FAIL and region in activated.detail
    assert "arms.console.aliyun.com" in activated.fix
    assert report.exit_code == 3


@pytest.mark.parametrize("version", ["2.9.1", "3.0.13"])
def test_old_onepilot_is_named_with_its_version(sandbox: RunningSandbox, version: str) -> None:
    staging = next(c for c in sandbox.state.store.list("cs.cluster") if c["name"] == "shop-staging")
    key = f"{staging['cluster_id']}/ack-onepilot"
    addon = sandbox.state.store.get("cs.addon", key)
    assert addon is not None
    sandbox.state.store.put("cs.addon", key, {**addon, "version": version})
    report = doctor(sandbox)
    old = [f for f in found(report, "source", "ack-onepilot") if "shop-staging" in f.detail]
    assert len(old) == 1 and old[0].status is Status.WARN
    assert f"{version} is older than 3.0.14" in old[0].detail
    assert old[0].step == f"ack/source/{staging['cluster_id']}/onepilot"


def test_a_reporting_user_with_two_keys_is_at_the_limit(sandbox: RunningSandbox) -> None:
    admin = sandbox.client(
        "ram",
        access_key_id=sandbox.accounts["monitoring"]["users"]["admin"]["access_key_id"],
        access_key_secret=sandbox.accounts["monitoring"]["users"]["admin"]["access_key_secret"],
    )
    admin.create_user(ram_models.CreateUserRequest(user_name=REPORTER))
    keys = [
        admin.create_access_key(
            ram_models.CreateAccessKeyRequest(user_name=REPORTER)
        ).body.access_key.access_key_id
        for _ in range(2)
    ]
    none_held = found(doctor(sandbox), "monitoring", "reporting keys")[0]
    assert none_held.status is Status.FAIL and "has 2 keys, the limit" in none_held.detail
    assert none_held.detail.count("0 days old, last used never") == 2
    one_held = found(doctor(sandbox, held=frozenset(keys[:1])), "monitoring", "reporting keys")[0]
    assert one_held.status is Status.WARN and "(in the vault)" in one_held.detail


def test_a_custom_policy_missing_install_cluster_addons_is_named(
    sandbox: RunningSandbox,
) -> None:
    admin = sandbox.accounts["source"]["users"]["admin"]
    ram = sandbox.client(
        "ram", access_key_id=admin["access_key_id"], access_key_secret=admin["access_key_secret"]
    )
    allowed = [
        "cs:DescribeClustersV1",
        "cs:GetClusterAddonInstance",
        "cs:DescribeAddon",
        "cs:ModifyClusterAddon",
        "cs:UpgradeClusterAddons",
        "ecs:*",
        "ram:ListPoliciesForUser",
        "ram:GetPolicy",
    ]
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": allowed, "Resource": "*"}],
    }
    ram.create_policy(
        ram_models.CreatePolicyRequest(policy_name="ops", policy_document=json.dumps(document))
    )
    ram.create_user(ram_models.CreateUserRequest(user_name="ops"))
    ram.attach_policy_to_user(
        ram_models.AttachPolicyToUserRequest(
            user_name="ops", policy_type="Custom", policy_name="ops"
        )
    )
    key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="ops")).body
    before = len(mutating_calls(sandbox))
    report = doctor(
        sandbox, source_key=(key.access_key.access_key_id, key.access_key.access_key_secret)
    )
    assert len(mutating_calls(sandbox)) == before
    (ack,) = found(report, "source", "permissions (ack)")
    assert ack.status is Status.FAIL
    assert ack.detail.endswith("may not: cs:InstallClusterAddons")
    assert "cs:InstallClusterAddons" in ack.fix
    (ecs,) = found(report, "source", "permissions (ecs)")
    assert ecs.status is Status.OK
    assert report.exit_code == 3


@pytest.mark.parametrize(
    ("offset", "status", "code"), [(5 * 60, Status.WARN, 0), (20 * 60, Status.FAIL, 3)]
)
def test_a_clock_off_by_minutes(
    sandbox: RunningSandbox, offset: int, status: Status, code: int
) -> None:
    report = doctor(sandbox, now=lambda: time.time() + offset)
    (clock,) = [f for f in report.findings if f.check == "clock"]
    assert clock.status is status
    skew = float(clock.detail.rsplit(" is ", 1)[1].split(" s")[0])
    assert offset - 5 <= skew <= offset + 5
    assert report.exit_code == code


def test_cli_doctor_json_on_the_default_world(state_dir: Path, sandbox: RunningSandbox) -> None:
    result = CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), "doctor", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["ok"] is True
    assert set(out["findings"][0]) >= {"account", "check", "status", "detail", "fix"}
    checks = {(f["account"], f["check"], f["status"]) for f in out["findings"]}
    assert ("source", "ack-onepilot", "warn") in checks
    assert ("source", "Cloud Assistant", "warn") in checks
    assert ("local", "vault", "ok") in checks
    assert mutating_calls(sandbox) == []


def test_cli_doctor_text_and_bad_alias(state_dir: Path) -> None:
    result = CliRunner().invoke(main, ["--sandbox", "--sandbox-state", str(state_dir), "doctor"])
    assert result.exit_code == 0, result.output
    assert "Cloud Assistant" in result.output and "fix:" in result.output
    bad = CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), "doctor", "--source", "nobody"]
    )
    assert bad.exit_code == 2 and "--source" in bad.output


def test_checks_run_concurrently(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: how many calls were in flight at once."""
    from armstui.cloud.session import CloudSession

    attempt = CloudSession._attempt
    in_flight, most = [0], [0]

    async def counted(self: CloudSession, *args: Any, **kw: Any) -> Any:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            return await attempt(self, *args, **kw)
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(CloudSession, "_attempt", counted)
    report = doctor(sandbox)
    assert report.exit_code == 0
    # identity, permissions and the account's own checks of both accounts start together
    assert most[0] >= 6
