"""Cause and effect across accounts, in both directions, through the official SDK clients only.

B's ACK apps report into A only while ack-onepilot >= 3.0.14 runs with an *active* AccessKey of
an A user whose policies allow ARMS and A's uid; take any of that away and A stops receiving
their data, while ARMS keeps them listed in A (as the real console does, "no data"), and they
report into the cluster's own account B again (onepilot falls back when the cross-account
login fails). Older onepilot ignores the cross-account keys and keeps reporting into B. A
change in progress leaves the old config running.

"Listed" (ListTraceApps) and "reporting" (spans in the last five simulated minutes,
SearchTracesByPage) are asserted separately; the simulated clock is moved forward instead of
waiting."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from alibabacloud_arms20190808 import models as arms
from alibabacloud_cs20151215 import models as cs
from alibabacloud_ram20150501 import models as ram
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox

REGION = "cn-hangzhou"
ONEPILOT = "ack-onepilot"
REPORTER = "armstui-reporter"
LABELLED = ["staging-svc1", "staging-svc2"]


def _apps(sandbox: RunningSandbox, alias: str) -> list[str]:
    body = (
        sandbox.client("arms", alias)
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body
    )
    return sorted(a.app_name for a in body.trace_apps or [])


def _live(sandbox: RunningSandbox, alias: str, wait: float = 360, window: float = 300) -> list[str]:
    """The listed apps with spans in the last ``window`` simulated seconds, after ``wait``
    more simulated seconds have passed."""
    sandbox.state.clock.advance(wait)
    client = sandbox.client("arms", alias)
    now = int(time.time() * 1000)
    apps = client.list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION)).body.trace_apps
    live = []
    for app in apps or []:
        page = client.search_traces_by_page(
            arms.SearchTracesByPageRequest(
                region_id=REGION, pid=app.pid, start_time=now - int(window * 1000), end_time=now
            )
        ).body.page_bean
        if page.total:
            live.append(app.app_name)
    return sorted(live)


def _staging(sandbox: RunningSandbox) -> str:
    return sandbox.cluster_id("source", "shop-staging")


def _reporter_key(
    sandbox: RunningSandbox, policy: str = "AliyunARMSFullAccess", name: str = REPORTER
) -> dict[str, str]:
    key = sandbox.user_key("monitoring", name, policy)
    return {
        "accessKey": key["access_key_id"],
        "accessKeySecret": key["access_key_secret"],
        "uid": sandbox.uid("monitoring"),
    }


def _wait_active(client: Any, cluster_id: str) -> Any:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        addon = client.get_cluster_addon_instance(cluster_id, ONEPILOT).body
        if addon.state == "active":
            return addon
        time.sleep(0.005)
    raise AssertionError("onepilot did not settle")


def _configure(
    sandbox: RunningSandbox, cluster_id: str, config: dict[str, Any], *, wait: bool = True
) -> None:
    client = sandbox.client("cs", "source")
    client.modify_cluster_addon(
        cluster_id, ONEPILOT, cs.ModifyClusterAddonRequest(config=json.dumps(config))
    )
    if wait:
        _wait_active(client, cluster_id)


def _upgrade(sandbox: RunningSandbox, cluster_id: str, to: str, *, wait: bool = True) -> None:
    client = sandbox.client("cs", "source")
    current = client.get_cluster_addon_instance(cluster_id, ONEPILOT).body.version
    item = cs.UpgradeClusterAddonsRequestBody(
        component_name=ONEPILOT, version=current, next_version=to
    )
    client.upgrade_cluster_addons(cluster_id, cs.UpgradeClusterAddonsRequest(body=[item]))
    if wait:
        _wait_active(client, cluster_id)


def _fast_clock(sandbox: RunningSandbox) -> None:
    """Addon changes land in a few ms (the admin endpoint; only where no transitional state is watched)."""
    r = requests.post(
        f"http://{sandbox.endpoint}/__sandbox/clock", json={"speed": 100_000}, timeout=5
    )
    assert r.status_code == 200 and sandbox.state.clock.speed == 100_000


@pytest.fixture
def reporting(sandbox: RunningSandbox) -> dict[str, Any]:
    """shop-staging upgraded to 3.0.14 with a valid reporter key of A: B's labelled apps in A."""
    _fast_clock(sandbox)
    cluster = _staging(sandbox)
    config = _reporter_key(sandbox)
    _configure(sandbox, cluster, config)
    _upgrade(sandbox, cluster, "3.0.14")
    assert _apps(sandbox, "monitoring") == LABELLED
    assert _live(sandbox, "monitoring") == LABELLED
    assert _live(sandbox, "source") == []
    assert _apps(sandbox, "source") == LABELLED  # reported into B since seeding: still listed
    return {"cluster": cluster, "config": config}


def test_old_onepilot_with_cross_account_config_keeps_reporting_into_b(
    sandbox: RunningSandbox,
) -> None:
    _fast_clock(sandbox)
    cluster = _staging(sandbox)
    _configure(sandbox, cluster, _reporter_key(sandbox))
    version = (
        sandbox.client("cs", "source").get_cluster_addon_instance(cluster, ONEPILOT).body.version
    )
    assert version == "3.0.12"
    assert _apps(sandbox, "monitoring") == []
    assert _live(sandbox, "source") == LABELLED


@pytest.mark.parametrize("version", ["3.0.14", "3.2.0", "5.1.2"])
def test_new_onepilot_with_a_valid_key_reports_into_a(
    sandbox: RunningSandbox, version: str
) -> None:
    _fast_clock(sandbox)
    cluster = _staging(sandbox)
    _configure(sandbox, cluster, _reporter_key(sandbox))
    _upgrade(sandbox, cluster, version)
    assert _live(sandbox, "monitoring") == LABELLED  # only labelled workloads, never staging-batch1
    assert _live(sandbox, "source") == []
    assert _apps(sandbox, "outsider") == []


def test_just_below_the_threshold_is_not_enough(sandbox: RunningSandbox) -> None:
    _fast_clock(sandbox)
    cluster = _staging(sandbox)
    _configure(sandbox, cluster, _reporter_key(sandbox))
    _upgrade(sandbox, cluster, "3.0.13")
    assert _apps(sandbox, "monitoring") == []
    assert _live(sandbox, "source") == LABELLED


def test_a_fresh_install_with_the_key_reports_into_a(sandbox: RunningSandbox) -> None:
    _fast_clock(sandbox)
    client = sandbox.client("cs", "source")
    prod = sandbox.cluster_id("source", "shop-prod")
    item = cs.InstallClusterAddonsRequestBody(
        name=ONEPILOT, version="5.2.1", config=json.dumps(_reporter_key(sandbox))
    )
    client.install_cluster_addons(prod, cs.InstallClusterAddonsRequest(body=[item]))
    _wait_active(client, prod)
    assert _live(sandbox, "monitoring") == [
        "shop-svc1",
        "shop-svc2",
        "shop-svc3",
    ]  # never shop-batch1
    assert (
        _live(sandbox, "source") == LABELLED
    )  # staging still reports into B with its old onepilot


def _disable_key(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    sandbox.client("ram", "monitoring").update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name=REPORTER, user_access_key_id=setup["config"]["accessKey"], status="Inactive"
        )
    )


def _delete_key(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    sandbox.client("ram", "monitoring").delete_access_key(
        ram.DeleteAccessKeyRequest(
            user_name=REPORTER, user_access_key_id=setup["config"]["accessKey"]
        )
    )


def _detach_policy(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    sandbox.client("ram", "monitoring").detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(
            user_name=REPORTER, policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )


def _change_uid(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    _configure(sandbox, setup["cluster"], {**setup["config"], "uid": sandbox.uid("outsider")})


def _wrong_secret(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    _configure(sandbox, setup["cluster"], {**setup["config"], "accessKeySecret": "W" * 30})


def _read_only_user(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    _configure(
        sandbox, setup["cluster"], _reporter_key(sandbox, "AliyunARMSReadOnlyAccess", "arms-viewer")
    )


def _key_of_b(sandbox: RunningSandbox, setup: dict[str, Any]) -> None:
    """A valid ARMS key, but of B's user, with A's uid."""
    key = sandbox.user_key("source", "b-reporter", "AliyunARMSFullAccess")
    _configure(
        sandbox,
        setup["cluster"],
        {
            **setup["config"],
            "accessKey": key["access_key_id"],
            "accessKeySecret": key["access_key_secret"],
        },
    )


@pytest.mark.parametrize(
    "cause",
    [
        _disable_key,
        _delete_key,
        _detach_policy,
        _change_uid,
        _wrong_secret,
        _read_only_user,
        _key_of_b,
    ],
)
def test_taking_a_cause_away_stops_the_data_but_the_apps_stay_listed_in_a(
    sandbox: RunningSandbox,
    reporting: dict[str, Any],
    cause: Callable[[RunningSandbox, dict[str, Any]], None],
) -> None:
    cause(sandbox, reporting)
    assert _live(sandbox, "monitoring") == []
    assert _apps(sandbox, "monitoring") == LABELLED  # listed with "no data", as ARMS does
    pid = (
        sandbox.client("arms", "monitoring")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps[0]
        .pid
    )
    app = (
        sandbox.client("arms", "monitoring")
        .get_trace_app(arms.GetTraceAppRequest(pid=pid, region_id=REGION))
        .body.trace_app
    )
    assert app.update_time <= int(time.time() * 1000) - 300_000  # its last report, long ago
    # an invalid cross-account config falls back to the cluster's own account, never the wrong uid
    assert _live(sandbox, "source") == LABELLED
    assert _apps(sandbox, "outsider") == []


def test_a_key_onepilot_reports_with_shows_as_used_in_a(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    sandbox.state.clock.speed = 1  # only advance() moves simulated time on noticeably
    client = sandbox.client("ram", "monitoring")

    def last_used(key_id: str) -> str | None:
        return client.get_access_key_last_used(
            ram.GetAccessKeyLastUsedRequest(user_name=REPORTER, user_access_key_id=key_id)
        ).body.access_key_last_used.last_used_date

    def ago(date: str) -> float:
        return time.time() - calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%SZ"))

    used = reporting["config"]["accessKey"]
    spare = client.create_access_key(ram.CreateAccessKeyRequest(user_name=REPORTER)).body.access_key
    sandbox.state.clock.advance(600)
    seen = last_used(used)
    assert seen and ago(seen) < 5  # onepilot reports with it: used just now
    assert last_used(spare.access_key_id) == ""  # nothing signed with it, nothing reports with it
    _disable_key(sandbox, reporting)
    sandbox.state.clock.advance(600)
    assert 595 <= ago(last_used(used)) < 610  # its last report, when it was disabled
    sandbox.client(
        "sts", access_key_id=spare.access_key_id, access_key_secret=spare.access_key_secret
    ).get_caller_identity()
    assert ago(last_used(spare.access_key_id)) < 5  # signing a call is use too
    assert _live(sandbox, "monitoring") == [] and _apps(sandbox, "monitoring") == LABELLED


def test_an_account_root_key_also_reports(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    """A's root AccessKey authenticates and may do anything in A, so the agent reports with it
    (as it would in the real cloud; armstui never writes a root key into onepilot)."""
    account = sandbox.accounts["monitoring"]
    _delete_key(sandbox, reporting)
    assert _live(sandbox, "monitoring") == []
    _configure(
        sandbox,
        reporting["cluster"],
        {
            **reporting["config"],
            "accessKey": account["access_key_id"],
            "accessKeySecret": account["access_key_secret"],
        },
    )
    assert _live(sandbox, "monitoring") == LABELLED


def test_restoring_the_cause_brings_the_apps_back(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    pids = {
        a.pid
        for a in sandbox.client("arms", "monitoring")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
    }
    _disable_key(sandbox, reporting)
    assert _live(sandbox, "monitoring") == []
    sandbox.client("ram", "monitoring").update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name=REPORTER, user_access_key_id=reporting["config"]["accessKey"], status="Active"
        )
    )
    back = (
        sandbox.client("arms", "monitoring")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
    )
    assert {a.pid for a in back} == pids  # the same applications, not new ones
    assert _live(sandbox, "monitoring") == LABELLED

    _detach_policy(sandbox, reporting)
    assert _live(sandbox, "monitoring") == []
    sandbox.client("ram", "monitoring").attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            user_name=REPORTER, policy_type="System", policy_name="AliyunARMSFullAccess"
        )
    )
    assert _live(sandbox, "monitoring") == LABELLED


def test_removing_the_cross_account_keys_reports_into_b_again(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    _configure(sandbox, reporting["cluster"], {"logLevel": "info"})
    assert _live(sandbox, "monitoring") == []
    assert _live(sandbox, "source") == LABELLED


def test_uninstalling_onepilot_stops_all_reporting(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    client = sandbox.client("cs", "source")
    request = cs.UnInstallClusterAddonsRequest(
        addons=[cs.UnInstallClusterAddonsRequestAddons(name=ONEPILOT)]
    )
    client.un_install_cluster_addons(reporting["cluster"], request)
    deadline = time.monotonic() + 5
    while (
        client.list_cluster_addon_instances(reporting["cluster"]).body.addons
        and time.monotonic() < deadline
    ):
        time.sleep(0.02)
    assert _live(sandbox, "monitoring") == [] and _live(sandbox, "source") == []
    assert _apps(sandbox, "monitoring") == LABELLED == _apps(sandbox, "source")  # still listed


# --- while a change runs, the old config keeps reporting ----------------------------------------------------


def _state(sandbox: RunningSandbox, cluster: str) -> str:
    return sandbox.client("cs", "source").get_cluster_addon_instance(cluster, ONEPILOT).body.state


def test_during_an_upgrade_the_old_release_keeps_reporting(sandbox: RunningSandbox) -> None:
    sandbox.state.clock.speed = 1  # only advance() moves simulated time on noticeably
    cluster = _staging(sandbox)
    _configure(sandbox, cluster, _reporter_key(sandbox), wait=False)
    sandbox.state.clock.advance(25)  # the 20 s config change lands
    assert _state(sandbox, cluster) == "active"
    _upgrade(sandbox, cluster, "3.0.14", wait=False)
    assert _state(sandbox, cluster) == "upgrading"
    # 60 of the upgrade's 90 simulated seconds later, the old release still reports into B
    assert _live(sandbox, "source", wait=60, window=45) == LABELLED
    assert _state(sandbox, cluster) == "upgrading" and _apps(sandbox, "monitoring") == []
    sandbox.state.clock.advance(35)
    assert _state(sandbox, cluster) == "active"
    assert _live(sandbox, "monitoring") == LABELLED and _live(sandbox, "source") == []


def test_during_a_config_change_the_old_config_keeps_reporting(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    sandbox.state.clock.speed = 1  # only advance() moves simulated time on noticeably
    _configure(
        sandbox,
        reporting["cluster"],
        {**reporting["config"], "uid": sandbox.uid("source")},
        wait=False,
    )
    assert _state(sandbox, reporting["cluster"]) == "updating"
    # 17 of the change's 20 simulated seconds later, the old config still reports into A
    assert _live(sandbox, "monitoring", wait=17, window=15) == LABELLED
    assert _state(sandbox, reporting["cluster"]) == "updating"
    sandbox.state.clock.advance(5)
    assert _state(sandbox, reporting["cluster"]) == "active"
    assert _live(sandbox, "monitoring") == []


def test_the_license_key_does_not_change_with_reporting(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    client = sandbox.client("arms", "monitoring")
    key = client.describe_trace_license_key(
        arms.DescribeTraceLicenseKeyRequest(region_id=REGION)
    ).body.license_key
    _disable_key(sandbox, reporting)
    assert (
        client.describe_trace_license_key(
            arms.DescribeTraceLicenseKeyRequest(region_id=REGION)
        ).body.license_key
        == key
    )


def test_a_reporting_app_is_readable_in_a_only(
    sandbox: RunningSandbox, reporting: dict[str, Any]
) -> None:
    app = (
        sandbox.client("arms", "monitoring")
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps[0]
    )
    assert app.user_id == sandbox.uid("monitoring") and app.cluster_id == reporting["cluster"]
    got = (
        sandbox.client("arms", "monitoring")
        .get_trace_app(arms.GetTraceAppRequest(pid=app.pid, region_id=REGION))
        .body.trace_app
    )
    assert got.app_name == app.app_name
    with pytest.raises(TeaException) as info:
        sandbox.client("arms", "source").get_trace_app(
            arms.GetTraceAppRequest(pid=app.pid, region_id=REGION)
        )
    assert info.value.code == "AppNotFound"


# --- the causes one by one, from nothing ----------------------------------------------------------------------


def test_without_onepilot_labelled_workloads_report_nowhere(sandbox: RunningSandbox) -> None:
    """shop-prod has no onepilot: none of its workloads shows up in any account; shop-staging's
    unlabelled batch workload never does, whatever runs."""
    everywhere = (
        _apps(sandbox, "monitoring") + _apps(sandbox, "source") + _apps(sandbox, "outsider")
    )
    assert everywhere == LABELLED
    assert not any(name.startswith("shop-") for name in everywhere)


def test_an_install_still_in_progress_reports_nowhere_yet(sandbox: RunningSandbox) -> None:
    sandbox.state.clock.speed = 20  # the 60 s install lasts 3 s
    client = sandbox.client("cs", "source")
    prod = sandbox.cluster_id("source", "shop-prod")
    client.install_cluster_addons(
        prod,
        cs.InstallClusterAddonsRequest(
            body=[cs.InstallClusterAddonsRequestBody(name=ONEPILOT, version="5.2.1")]
        ),
    )
    assert client.get_cluster_addon_instance(prod, ONEPILOT).body.state == "updating"
    assert _apps(sandbox, "source") == LABELLED  # only staging's, not yet prod's
    sandbox.state.clock.speed = 100_000
    _wait_active(client, prod)
    assert _live(sandbox, "source") == sorted(LABELLED + ["shop-svc1", "shop-svc2", "shop-svc3"])


def test_an_ecs_app_reports_while_its_jvm_runs_with_the_agent(sandbox: RunningSandbox) -> None:
    """Both directions on ECS: restarted with A's license key it reports into A; restarted
    without the agent flags its data stops, and it stays listed."""
    from alibabacloud_ecs20140526 import models as ecs

    from tests.sandbox.test_ecs import install_script

    sandbox.state.clock.speed = 100_000
    client = sandbox.client("ecs", "source")
    instance = client.describe_instances(
        ecs.DescribeInstancesRequest(region_id=REGION)
    ).body.instances.instance[0]
    key = (
        sandbox.client("arms", "monitoring")
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id=REGION))
        .body.license_key
    )
    service = next(t.tag_value for t in instance.tags.tag if t.tag_key == "service")

    def run(script: str) -> None:
        invoke_id = client.run_command(
            ecs.RunCommandRequest(
                region_id=REGION,
                type="RunShellScript",
                command_content=script,
                instance_id=[instance.instance_id],
            )
        ).body.invoke_id
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            result = client.describe_invocation_results(
                ecs.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=invoke_id)
            ).body.invocation.invocation_results.invocation_result[0]
            if result.invocation_status == "Success":
                return
            assert result.invocation_status in ("Pending", "Running")
            time.sleep(0.005)
        raise AssertionError("the script did not finish")

    assert _apps(sandbox, "monitoring") == []
    run(install_script(key, f"{service}-vm", service))
    assert _live(sandbox, "monitoring") == [f"{service}-vm"]
    run(f"systemctl restart {service}")  # no agent flags any more
    assert _live(sandbox, "monitoring") == []
    assert _apps(sandbox, "monitoring") == [f"{service}-vm"]
