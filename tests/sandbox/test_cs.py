"""CS / ACK 2015-12-15 in the sandbox, through the official ROA client: clusters per account,
ack-onepilot's release history, asynchronous install/upgrade/modify/uninstall with the
documented states and tasks, ErrorAddonInProgress, config validation, the version an install
must name, the AccessKey pair masked from 5.1.1. The fixture's clock runs at speed 200, so a
90 s nominal upgrade lasts 0.45 s."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_cs20151215 import models as cs
from Tea.exceptions import TeaException

from armstui.sandbox.services.cs.model import ADDON_RELEASES, NOMINAL_SECONDS
from tests.support.sandbox import RunningSandbox

ONEPILOT = "ack-onepilot"
RELEASES = ADDON_RELEASES[ONEPILOT]
# GetClusterAddonInstance's states (the API reference; ``initial`` only on the deprecated
# DescribeClusterAddonInstance page)
DOCUMENTED_STATES = {"active", "unhealthy", "upgrading", "updating", "deleting", "deleted"}


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def _v(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@pytest.fixture
def client(sandbox: RunningSandbox) -> Any:
    return sandbox.client("cs", "source")


def _clusters(client: Any) -> dict[str, str]:
    """name -> cluster_id"""
    body = client.describe_clusters_v1(cs.DescribeClustersV1Request(region_id="cn-hangzhou")).body
    return {c.name: c.cluster_id for c in body.clusters}


def _addon(client: Any, cluster_id: str) -> Any:
    return client.get_cluster_addon_instance(cluster_id, ONEPILOT).body


def _install(
    client: Any, cluster_id: str, version: str | None = RELEASES[-1], config: dict | None = None
) -> str:
    item = cs.InstallClusterAddonsRequestBody(
        name=ONEPILOT, version=version, config=json.dumps(config) if config is not None else None
    )
    return client.install_cluster_addons(
        cluster_id, cs.InstallClusterAddonsRequest(body=[item])
    ).body.task_id


def _upgrade(client: Any, cluster_id: str, next_version: str, version: str | None = None) -> str:
    """UpgradeClusterAddons for onepilot, from ``version`` to ``next_version``; the task id."""
    item = cs.UpgradeClusterAddonsRequestBody(
        component_name=ONEPILOT, version=version, next_version=next_version
    )
    return client.upgrade_cluster_addons(
        cluster_id, cs.UpgradeClusterAddonsRequest(body=[item])
    ).body.task_id


def _wait_active(client: Any, cluster_id: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            addon = _addon(client, cluster_id)
        except TeaException as err:
            if err.code == "AddonNotFound":
                return None
            raise
        if addon.state == "active":
            return addon
        time.sleep(0.005)
    raise AssertionError("the addon did not settle")


def test_default_world_clusters(client: Any) -> None:
    body = client.describe_clusters_v1(cs.DescribeClustersV1Request(region_id="cn-hangzhou")).body
    assert sorted(c.name for c in body.clusters) == ["shop-prod", "shop-staging"]
    assert body.page_info.total_count == 2
    assert all(
        c.region_id == "cn-hangzhou" and c.state == "running" and c.cluster_id
        for c in body.clusters
    )
    page = client.describe_clusters_v1(
        cs.DescribeClustersV1Request(page_size=1, page_number=2)
    ).body
    assert len(page.clusters) == 1 and page.page_info.total_count == 2
    named = client.describe_clusters_v1(cs.DescribeClustersV1Request(name="prod")).body
    assert [c.name for c in named.clusters] == ["shop-prod"]
    ids = _clusters(client)
    detail = client.describe_cluster_detail(ids["shop-prod"]).body
    assert (detail.cluster_id, detail.name) == (ids["shop-prod"], "shop-prod")


def test_clusters_are_scoped_per_account(sandbox: RunningSandbox, client: Any) -> None:
    ids = _clusters(client)
    other = sandbox.client("cs", "monitoring")
    assert other.describe_clusters_v1(cs.DescribeClustersV1Request()).body.clusters == []
    for call in (
        lambda: other.describe_cluster_detail(ids["shop-staging"]),
        lambda: other.get_cluster_addon_instance(ids["shop-staging"], ONEPILOT),
        lambda: other.list_cluster_addon_instances(ids["shop-staging"]),
        lambda: _install(other, ids["shop-prod"]),
    ):
        err = _error(call)
        assert (err.status_code, err.code) == (404, "ErrorClusterNotFound")
    assert _error(lambda: _addon(client, "c" + "0" * 32)).code == "ErrorClusterNotFound"


def test_the_old_onepilot_and_the_bare_cluster(client: Any) -> None:
    ids = _clusters(client)
    old = _addon(client, ids["shop-staging"])
    assert old.state == "active" and _v(old.version) < (3, 0, 14)
    assert json.loads(old.config) == {"logLevel": "info"}
    listed = client.list_cluster_addon_instances(ids["shop-staging"]).body.addons
    assert [(a.name, a.version, a.state) for a in listed] == [(ONEPILOT, old.version, "active")]
    assert client.list_cluster_addon_instances(ids["shop-prod"]).body.addons == []
    err = _error(lambda: _addon(client, ids["shop-prod"]))
    assert (err.status_code, err.code) == (404, "AddonNotFound")


def test_an_install_without_a_version_is_refused(client: Any) -> None:
    """The API reference and the SDK model mark ``version`` required for each addon."""
    cluster = _clusters(client)["shop-prod"]
    err = _error(lambda: _install(client, cluster, version=None))
    assert (err.status_code, err.code) == (400, "MissingParameter.Version")
    assert "version" in err.message and ONEPILOT in err.message
    empty = _error(lambda: _install(client, cluster, version=""))
    assert empty.code == "MissingParameter.Version"
    assert client.list_cluster_addon_instances(cluster).body.addons == []


def test_install_passes_through_a_documented_state(client: Any) -> None:
    cluster = _clusters(client)["shop-prod"]
    task_id = _install(client, cluster)
    during = _addon(client, cluster)
    assert (during.state, during.version) == ("updating", RELEASES[-1])
    listed = client.list_cluster_addon_instances(cluster).body.addons
    assert [a.state for a in listed] == ["updating"]
    task = client.describe_task_info(task_id).body
    assert (task.task_id, task.state, task.cluster_id) == (task_id, "running", cluster)
    assert task.task_type == "cluster_addon_install"
    again = _error(lambda: _install(client, cluster))
    assert (again.status_code, again.code) == (409, "ErrorAddonInProgress")
    settled = _wait_active(client, cluster)
    assert settled.version == RELEASES[-1]
    assert client.describe_task_info(task_id).body.state == "success"
    assert _error(lambda: _install(client, cluster)).code == "ErrorAddonAlreadyInstalled"


def test_install_a_named_old_version_then_upgrade(client: Any) -> None:
    cluster = _clusters(client)["shop-prod"]
    _install(client, cluster, version="3.0.10", config={"logLevel": "debug"})
    assert _wait_active(client, cluster).version == "3.0.10"
    versions = client.describe_cluster_addons_version(cluster).body
    assert versions[ONEPILOT]["version"] == "3.0.10"
    assert (
        versions[ONEPILOT]["next_version"] == RELEASES[-1]
        and versions[ONEPILOT]["can_upgrade"] is True
    )

    started = time.monotonic()
    task_id = _upgrade(client, cluster, "3.0.14", version="3.0.10")
    during = _addon(client, cluster)
    assert (during.state, during.version) == (
        "upgrading",
        "3.0.10",
    )  # the old release runs until it lands
    modify = cs.ModifyClusterAddonRequest(config=json.dumps({"logLevel": "warn"}))
    err = _error(lambda: client.modify_cluster_addon(cluster, ONEPILOT, modify))
    assert (err.status_code, err.code) == (409, "ErrorAddonInProgress")
    upgraded = _wait_active(client, cluster)
    took = time.monotonic() - started
    assert upgraded.version == "3.0.14" and json.loads(upgraded.config) == {
        "logLevel": "debug"
    }  # config kept
    assert took >= NOMINAL_SECONDS["upgrade"] / 200 * 0.8
    assert client.describe_task_info(task_id).body.state == "success"

    newest = client.describe_cluster_addons_version(cluster).body[ONEPILOT]
    assert newest["next_version"] == RELEASES[-1]
    down = _error(lambda: _upgrade(client, cluster, "3.0.13", version="3.0.14"))
    assert down.code == "InvalidParameter.NextVersion"
    stale = _error(lambda: _upgrade(client, cluster, RELEASES[-1], version="3.0.10"))
    assert stale.code == "InvalidParameter.Version"


def test_the_newest_release_has_nothing_to_upgrade_to(sandbox: RunningSandbox, client: Any) -> None:
    sandbox.state.clock.speed = 100_000  # no transitional state watched here
    cluster = _clusters(client)["shop-prod"]
    _install(client, cluster)
    _wait_active(client, cluster)
    info = client.describe_cluster_addons_version(cluster).body[ONEPILOT]
    assert (info["next_version"], info["can_upgrade"]) == ("", False)


def test_unknown_releases_and_addons_are_refused(client: Any) -> None:
    cluster = _clusters(client)["shop-prod"]
    err = _error(lambda: _install(client, cluster, version="9.9.9"))
    assert (err.status_code, err.code) == (400, "InvalidParameter.Version")
    assert "9.9.9" in err.message
    item = cs.InstallClusterAddonsRequestBody(name="no-such-addon")
    unknown = _error(
        lambda: client.install_cluster_addons(cluster, cs.InstallClusterAddonsRequest(body=[item]))
    )
    assert unknown.code == "InvalidParameter.Addon"
    assert client.list_cluster_addon_instances(cluster).body.addons == []


def test_modify_config_with_updating_state(client: Any) -> None:
    cluster = _clusters(client)["shop-staging"]
    config = {
        "accessKey": "LTAI" + "k" * 20,
        "accessKeySecret": "s" * 30,
        "uid": "1234567890123456",
        "logLevel": "info",
        "replicaCount": 2,
    }
    client.modify_cluster_addon(
        cluster, ONEPILOT, cs.ModifyClusterAddonRequest(config=json.dumps(config))
    )
    during = _addon(client, cluster)
    assert during.state == "updating" and json.loads(during.config) == {
        "logLevel": "info"
    }  # old config still runs
    assert json.loads(_wait_active(client, cluster).config) == config


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"accessKey": "x", "bogusKey": "y"}, "bogusKey"),
        ({"logLevel": {"nested": True}}, "logLevel"),
        ({"logLevel": "loud"}, "logLevel"),
        ({"uid": "not-a-number"}, "uid"),
        ({"uid": 1234567890123456}, "uid"),  # Helm would keep a string; the schema says string
        ({"replicaCount": "2"}, "replicaCount"),
        ({"replicaCount": 0}, "replicaCount"),
        # cross-region reporting is an env var of onepilot's Deployment, not an addon setting
        ({"ARMS_REPORT_REGION": "cn-shanghai"}, "ARMS_REPORT_REGION"),
    ],
)
def test_bad_config_is_refused_naming_the_key(client: Any, config: dict, named: str) -> None:
    cluster = _clusters(client)["shop-staging"]
    err = _error(
        lambda: client.modify_cluster_addon(
            cluster, ONEPILOT, cs.ModifyClusterAddonRequest(config=json.dumps(config))
        )
    )
    assert (err.status_code, err.code) == (400, "InvalidParameter.Config")
    assert named in err.message
    assert _addon(client, cluster).state == "active"  # nothing started
    install = _error(lambda: _install(client, _clusters(client)["shop-prod"], config=config))
    assert install.code == "InvalidParameter.Config" and named in install.message


def test_config_that_is_not_json_is_refused(client: Any) -> None:
    cluster = _clusters(client)["shop-staging"]
    err = _error(
        lambda: client.modify_cluster_addon(
            cluster, ONEPILOT, cs.ModifyClusterAddonRequest(config="{oops")
        )
    )
    assert err.code == "InvalidParameter.Config"


def test_uninstall_passes_through_deleting(client: Any) -> None:
    cluster = _clusters(client)["shop-staging"]
    request = cs.UnInstallClusterAddonsRequest(
        addons=[cs.UnInstallClusterAddonsRequestAddons(name=ONEPILOT)]
    )
    task_id = client.un_install_cluster_addons(cluster, request).body.task_id
    assert _addon(client, cluster).state == "deleting"
    assert (
        _error(lambda: client.un_install_cluster_addons(cluster, request)).code
        == "ErrorAddonInProgress"
    )
    assert _wait_active(client, cluster) is None
    assert client.describe_task_info(task_id).body.state == "success"
    assert client.list_cluster_addon_instances(cluster).body.addons == []
    gone = _error(lambda: client.un_install_cluster_addons(cluster, request))
    assert (gone.status_code, gone.code) == (404, "ErrorAddonNotFound")
    assert _error(lambda: _upgrade(client, cluster, RELEASES[-1])).code == "ErrorAddonNotFound"


def test_tasks_are_scoped_per_account(sandbox: RunningSandbox, client: Any) -> None:
    task_id = _install(client, _clusters(client)["shop-prod"])
    err = _error(lambda: sandbox.client("cs", "monitoring").describe_task_info(task_id))
    assert (err.status_code, err.code) == (404, "ErrorTaskNotFound")
    assert _error(lambda: client.describe_task_info("T-nosuchtask")).code == "ErrorTaskNotFound"


def test_cs_errors_use_the_roa_shape(client: Any) -> None:
    err = _error(lambda: client.describe_cluster_detail("c-missing"))
    assert (
        err.data["code"] == "ErrorClusterNotFound" and err.data["requestId"] and err.data["message"]
    )


def test_list_addons_offers_onepilot_with_its_config_schema(
    sandbox: RunningSandbox, client: Any
) -> None:
    cluster = _clusters(client)["shop-prod"]
    addons = client.list_addons(cs.ListAddonsRequest(cluster_id=cluster)).body.addons
    onepilot = next(a for a in addons if a.name == ONEPILOT)
    assert onepilot.version == RELEASES[-1]
    schema = json.loads(onepilot.config_schema)
    assert {"accessKey", "accessKeySecret", "uid"} <= set(schema["properties"]) and schema[
        "additionalProperties"
    ] is False
    by_region = client.list_addons(
        cs.ListAddonsRequest(region_id="cn-hangzhou", cluster_type="ManagedKubernetes")
    ).body.addons
    assert [a.name for a in by_region] == [a.name for a in addons]
    foreign = _error(
        lambda: sandbox.client("cs", "monitoring").list_addons(
            cs.ListAddonsRequest(cluster_id=cluster)
        )
    )
    assert (foreign.status_code, foreign.code) == (404, "ErrorClusterNotFound")
    assert _error(lambda: client.list_addons(cs.ListAddonsRequest())).code == "InvalidParameter"


def test_describe_addon_lists_the_newer_releases(client: Any) -> None:
    cluster = _clusters(client)["shop-staging"]
    body = client.describe_addon(
        ONEPILOT, cs.DescribeAddonRequest(cluster_id=cluster, version="3.0.12")
    ).body
    assert body.version == "3.0.12"
    assert [v.version for v in body.newer_versions] == [r for r in RELEASES if _v(r) > _v("3.0.12")]
    assert "3.0.14" in [v.version for v in body.newer_versions]
    newest = client.describe_addon(
        ONEPILOT, cs.DescribeAddonRequest(region_id="cn-hangzhou", version=RELEASES[-1])
    ).body
    assert newest.version == RELEASES[-1] and not newest.newer_versions
    missing = _error(
        lambda: client.describe_addon("no-such-addon", cs.DescribeAddonRequest(cluster_id=cluster))
    )
    assert (missing.status_code, missing.code) == (404, "ErrorAddonNotFound")


def test_the_release_history_straddles_the_cross_account_threshold() -> None:
    assert (
        len([r for r in RELEASES if _v(r) < (3, 0, 14)]) >= 3
        and len([r for r in RELEASES if _v(r) >= (3, 0, 14)]) >= 3
    )
    assert RELEASES == sorted(RELEASES, key=_v)


def test_cluster_tags_are_listed(client: Any) -> None:
    body = client.describe_clusters_v1(cs.DescribeClustersV1Request(name="shop-prod")).body
    assert [(t.key, t.value) for t in body.clusters[0].tags] == [("env", "prod"), ("team", "shop")]


def test_describe_addon_with_a_cluster_starts_from_the_installed_release(
    sandbox: RunningSandbox, client: Any
) -> None:
    ids = _clusters(client)
    body = client.describe_addon(
        ONEPILOT, cs.DescribeAddonRequest(cluster_id=ids["shop-staging"])
    ).body
    installed = _addon(client, ids["shop-staging"]).version
    assert body.version == installed
    assert [v.version for v in body.newer_versions] == [
        r for r in RELEASES if _v(r) > _v(installed)
    ]
    assert RELEASES[-1] == "5.2.1" and all(v.upgradable is True for v in body.newer_versions)
    schema = json.loads(body.config_schema)
    assert {"accessKey", "accessKeySecret", "uid"} <= set(schema["properties"])


def test_a_release_the_cluster_is_too_old_for_is_not_upgradable(
    sandbox: RunningSandbox, client: Any
) -> None:
    ids = _clusters(client)
    key = f"{sandbox.uid('source')}/{ids['shop-staging']}"
    cluster = sandbox.state.store.get("cs.cluster", key)
    assert cluster is not None
    sandbox.state.store.put("cs.cluster", key, {**cluster, "current_version": "1.22.3-aliyun.1"})
    body = client.describe_addon(
        ONEPILOT, cs.DescribeAddonRequest(cluster_id=ids["shop-staging"])
    ).body
    upgradable = {v.version: v.upgradable for v in body.newer_versions}
    assert upgradable["5.1.1"] is True and upgradable["5.2.1"] is False
    assert {v.version: v.minimum_cluster_version for v in body.newer_versions}["5.2.1"] == "1.24.0"


def _secret_config() -> dict[str, str]:
    return {"accessKey": "LTAI" + "k" * 20, "accessKeySecret": "s" * 30, "uid": "1234567890123456"}


@pytest.mark.parametrize(
    ("version", "masked"), [("3.2.0", False), ("5.1.2", True), ("5.1.1", True), ("5.2.1", True)]
)
def test_from_5_1_1_the_key_pair_reads_back_masked(
    sandbox: RunningSandbox, client: Any, version: str, masked: bool
) -> None:
    sandbox.state.clock.speed = 100_000  # no transitional state watched here
    cluster = _clusters(client)["shop-prod"]
    _install(client, cluster, version=version, config=_secret_config())
    read = json.loads(_wait_active(client, cluster).config)
    deprecated = json.loads(client.describe_cluster_addon_instance(cluster, ONEPILOT).body.config)
    for config in (read, deprecated):
        assert config["uid"] == "1234567890123456"
        if masked:
            assert config["accessKey"] == config["accessKeySecret"] == "******"
        else:
            assert config == _secret_config()
    stored = sandbox.state.store.get("cs.addon", f"{cluster}/{ONEPILOT}")
    assert stored is not None and json.loads(stored["config"]) == _secret_config()


def test_an_empty_key_pair_reads_back_empty_not_masked(
    sandbox: RunningSandbox, client: Any
) -> None:
    sandbox.state.clock.speed = 100_000
    cluster = _clusters(client)["shop-prod"]
    _install(client, cluster, config={"accessKey": "", "accessKeySecret": "", "uid": ""})
    assert json.loads(_wait_active(client, cluster).config) == {
        "accessKey": "",
        "accessKeySecret": "",
        "uid": "",
    }


def test_states_seen_through_a_whole_lifecycle_are_documented(client: Any) -> None:
    cluster = _clusters(client)["shop-prod"]
    seen = set()
    _install(client, cluster, version="3.0.14")
    seen.add(_addon(client, cluster).state)
    seen.add(_wait_active(client, cluster).state)
    _upgrade(client, cluster, "3.2.0", version="3.0.14")
    seen.add(_addon(client, cluster).state)
    _wait_active(client, cluster)
    client.un_install_cluster_addons(
        cluster,
        cs.UnInstallClusterAddonsRequest(
            addons=[cs.UnInstallClusterAddonsRequestAddons(name=ONEPILOT)]
        ),
    )
    seen.add(_addon(client, cluster).state)
    assert seen <= DOCUMENTED_STATES and {"active", "upgrading", "deleting"} <= seen
    assert _wait_active(client, cluster) is None
    gone = _error(lambda: client.describe_cluster_addon_instance(cluster, ONEPILOT))
    assert (gone.status_code, gone.code) == (404, "ErrorAddonNotFound")


def _raw_list_addons(client: Any, cluster_id: str) -> dict[str, Any]:
    """ListAddons' body as sent: the SDK's model has no ``newer_versions`` for it, so the
    request is made the way list_addons_with_options makes it, without the model."""
    from alibabacloud_tea_openapi import utils_models
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.runtime import RuntimeOptions

    request = utils_models.OpenApiRequest(headers={}, query=Utils.query({"cluster_id": cluster_id}))
    params = utils_models.Params(
        action="ListAddons",
        version="2015-12-15",
        protocol="HTTPS",
        pathname="/addons",
        method="GET",
        auth_type="AK",
        style="ROA",
        req_body_type="json",
        body_type="json",
    )
    body: dict[str, Any] = client.call_api(params, request, RuntimeOptions())["body"]
    return body


def test_list_addons_with_a_cluster_offers_the_newer_releases(client: Any) -> None:
    ids = _clusters(client)
    staging = next(a for a in _raw_list_addons(client, ids["shop-staging"])["addons"])
    installed = _addon(client, ids["shop-staging"]).version
    assert [v["version"] for v in staging["newer_versions"]] == [
        r for r in RELEASES if _v(r) > _v(installed)
    ]
    assert all(v["upgradable"] is True for v in staging["newer_versions"])
    bare = next(a for a in _raw_list_addons(client, ids["shop-prod"])["addons"])
    assert bare["name"] == ONEPILOT and bare["newer_versions"] == []  # nothing installed
