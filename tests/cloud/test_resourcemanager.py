"""The Resource Directory through armstui's cloud layer, on the sandbox's org world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from armstui.cloud import resourcemanager
from armstui.cloud.errors import CloudError
from armstui.cloud.session import CloudSession
from tests.cloud.conftest import FAST_RETRY
from tests.support.org import running_org
from tests.support.sandbox import RunningSandbox

MEMBERS = 150  # more than one page of ListAccounts (100)


@pytest.fixture(scope="module")
def org() -> Iterator[RunningSandbox]:
    with running_org(MEMBERS, regions=3) as running:
        yield running


def _session(org: RunningSandbox, alias: str) -> CloudSession:
    return org.session(alias, retry=FAST_RETRY)


async def test_every_member_over_several_pages(org: RunningSandbox) -> None:
    session = _session(org, "management")
    members = await resourcemanager.list_members(session)
    assert len(members) == MEMBERS == len({m.account_id for m in members})
    directory = await resourcemanager.get_resource_directory(session)
    assert directory.management_account_id == org.uid("management")
    assert all(
        m.path.startswith(f"{directory.directory_id}/{directory.root_folder_id}/") for m in members
    )


async def test_a_folder_and_what_sits_under_it(org: RunningSandbox) -> None:
    session = _session(org, "management")
    top = {f.name: f for f in await resourcemanager.list_folders(session)}
    assert set(top) == {"prod", "staging", "dev"}
    (payments,) = await resourcemanager.list_folders(session, top["prod"].folder_id)
    everyone = await resourcemanager.list_members(session)
    under_prod = [m for m in everyone if m.is_under(top["prod"].folder_id)]
    direct = await resourcemanager.list_members(session, top["prod"].folder_id)
    in_payments = await resourcemanager.list_members(session, payments.folder_id)
    assert {m.account_id for m in under_prod} == {m.account_id for m in direct + in_payments}
    assert direct and in_payments
    assert all(
        m.access_role_arn().endswith(":role/resourcedirectoryaccountaccessrole") for m in direct
    )


async def test_an_account_outside_any_directory_is_told_so(org: RunningSandbox) -> None:
    with pytest.raises(CloudError) as refused:
        await resourcemanager.list_members(_session(org, "monitoring"))
    assert refused.value.code == "NotExists.ResourceDirectory"
    assert refused.value.request_id
