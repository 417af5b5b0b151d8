"""CS (ACK) calls through the SDK against the sandbox's default world: B has two clusters, one
without ack-onepilot and one with a release older than 3.0.14, the least the ACK flow accepts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from armstui.cloud import cs
from armstui.cloud.errors import CloudError
from armstui.cloud.session import CloudSession
from armstui.secrets.redaction import redactor

ONEPILOT = "ack-onepilot"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3])


async def _wait_task(session: CloudSession, task_id: str) -> cs.Task:
    for _ in range(200):
        task = await cs.describe_task(session, task_id)
        if task.state in ("success", "failed", "fail", "canceled"):
            return task
        await asyncio.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish")


async def _settled(session: CloudSession, cluster_id: str) -> cs.ClusterAddon | None:
    for _ in range(200):
        addon = await cs.get_cluster_addon(session, cluster_id, ONEPILOT)
        if addon is None or addon.state not in ("initial", "upgrading", "updating", "deleting"):
            return addon
        await asyncio.sleep(0.05)
    raise AssertionError("addon did not settle")


async def test_clusters_and_their_onepilot(session_of: Callable[..., CloudSession]) -> None:
    b = session_of("source")
    clusters = await cs.describe_clusters(b)
    assert len(clusters) == 2 and all(c.cluster_id and c.name for c in clusters)
    addons = {c.cluster_id: await cs.get_cluster_addon(b, c.cluster_id, ONEPILOT) for c in clusters}
    missing = [cid for cid, addon in addons.items() if addon is None]
    old = [addon for addon in addons.values() if addon is not None]
    assert len(missing) == 1 and len(old) == 1
    assert _version(old[0].version) < (3, 0, 14)
    listed = await cs.list_cluster_addons(b, missing[0])
    assert ONEPILOT not in [a.name for a in listed]


async def test_install_configure_upgrade_uninstall(session_of: Callable[..., CloudSession]) -> None:
    b = session_of("source")
    clusters = await cs.describe_clusters(b)
    addons = {c.cluster_id: await cs.get_cluster_addon(b, c.cluster_id, ONEPILOT) for c in clusters}
    bare = next(cluster_id for cluster_id, addon in addons.items() if addon is None)
    # 3.0.20: a release from before onepilot masked the AccessKey pair on read-back
    task = await cs.install_addon(b, bare, ONEPILOT, "3.0.20")
    assert (await _wait_task(b, task)).state == "success"
    installed = await _settled(b, bare)
    assert installed is not None and _version(installed.version) >= (3, 0, 14)

    secret = "0nepilotReportingSecretValue12"
    await cs.modify_addon_config(
        b,
        bare,
        ONEPILOT,
        {
            **installed.config,
            "accessKey": "LTAI" + "r" * 20,
            "accessKeySecret": secret,
            "uid": "1234567890123456",
        },
    )
    configured = await _settled(b, bare)
    assert configured is not None and configured.config["accessKeySecret"] == secret
    assert secret not in repr(configured) and redactor.redact(secret) == "****"

    old_cluster = next(c.cluster_id for c in clusters if c.cluster_id != bare)
    old = await cs.get_cluster_addon(b, old_cluster, ONEPILOT)
    assert old is not None
    release = await cs.describe_addon(b, ONEPILOT, old_cluster)
    target = max(release.upgradable, key=_version)
    assert _version(target) >= (3, 0, 14)
    with pytest.raises(CloudError) as same:  # never an "upgrade" to the version there
        await cs.upgrade_addon(b, old_cluster, ONEPILOT, old.version, old.version)
    assert same.value.code == "AddonNoNewerVersion"
    await _wait_task(b, await cs.upgrade_addon(b, old_cluster, ONEPILOT, old.version, target))
    upgraded = await _settled(b, old_cluster)
    assert upgraded is not None and upgraded.version == target

    await _wait_task(b, await cs.uninstall_addon(b, bare, ONEPILOT))
    assert await _settled(b, bare) is None


async def test_an_unknown_cluster(session_of: Callable[..., CloudSession]) -> None:
    with pytest.raises(CloudError) as caught:
        await cs.get_cluster_addon(
            session_of("source"), "c0000000000000000000000000000000", ONEPILOT
        )
    assert caught.value.http_status == 404 and "cluster" in caught.value.code.lower()
