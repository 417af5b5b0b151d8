"""The ``org`` world: a Resource Directory with its members spread over folders and regions.

``management`` manages the directory; ``monitoring`` (A, ARMS activated in every region used)
and ``outsider`` are plain accounts outside it. ``members`` member accounts (default 100)
sit in the folders ``prod``, ``staging`` and ``dev`` (``prod`` has a sub-folder ``payments``),
each with one ACK cluster (every other one with an old ack-onepilot, 3.0.12) and one ECS
instance, in the first ``regions`` of ORG_REGIONS taken in turn. Members are reached only
through their ``ResourceDirectoryAccountAccessRole``: no member key is listed in sandbox.json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armstui.sandbox.services.arms.model import license_key
from armstui.sandbox.services.resourcemanager import model as rd

if TYPE_CHECKING:
    from armstui.sandbox.state import SandboxState

ORG_REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen")
ORG_DEFAULTS = {"members": 100, "regions": 3}
ORG_LIMITS = {"members": 1000, "regions": len(ORG_REGIONS)}
FOLDERS = ("prod", "staging", "dev")


def seed_org(state: SandboxState, members: int, regions: int) -> None:
    from armstui.sandbox.world import _workloads, create_account, create_cluster, create_instance

    store = state.store
    now = state.clock.iso(state.clock.now())
    management = create_account(state, "management")
    monitoring = create_account(state, "monitoring")
    create_account(state, "outsider")
    used = ORG_REGIONS[:regions]
    for region in used:
        license_key(store, monitoring["uid"], region)
    directory = rd.enable(store, management["uid"], now)
    folders = [rd.create_folder(store, directory, name, None, now) for name in FOLDERS]
    folders.append(rd.create_folder(store, directory, "payments", folders[0]["FolderId"], now))
    for n in range(1, members + 1):
        alias = f"member-{n:03d}"
        account = create_account(state, alias)
        account["member"] = True
        store.put("account", account["uid"], account)
        rd.add_member(
            store, directory, account["uid"], alias, folders[n % len(folders)]["FolderId"], now
        )
        region = used[n % len(used)]
        onepilot = ("3.0.12", {"logLevel": "info"}) if n % 2 == 0 else None
        cluster = create_cluster(state, account, f"{alias}-k8s", _workloads(alias, 2), onepilot)
        cluster["region_id"] = region
        store.put("cs.cluster", f"{account['uid']}/{cluster['cluster_id']}", cluster)
        instance = create_instance(state, account, f"{alias}-vm", "orders")
        instance["RegionId"], instance["ZoneId"] = region, f"{region}-h"
        store.put("ecs.instance", f"{account['uid']}/{instance['InstanceId']}", instance)
