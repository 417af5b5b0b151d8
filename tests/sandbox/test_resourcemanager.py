"""Resource Directory in the sandbox, through the official ResourceManager SDK client: the
management account lists members and folders, members are reached by assuming their access
role, a member cannot list the directory, and a newly created member shows up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_resourcemanager20200331 import models as rm
from alibabacloud_sts20150401 import models as sts
from Tea.exceptions import TeaException

from tests.support.org import running_org
from tests.support.sandbox import RunningSandbox

MEMBERS = 8


@pytest.fixture
def org() -> Iterator[RunningSandbox]:
    with running_org(MEMBERS) as running:
        yield running


def _all_accounts(client: Any) -> list[Any]:
    found, page = [], 1
    while True:
        body = client.list_accounts(rm.ListAccountsRequest(page_number=page, page_size=3)).body
        found += body.accounts.account
        if len(found) >= body.total_count:
            return found
        page += 1


def test_management_lists_every_member_across_pages(org: RunningSandbox) -> None:
    members = _all_accounts(org.client("resourcemanager", "management"))
    assert sorted(m.display_name for m in members) == [
        f"member-{n:03d}" for n in range(1, MEMBERS + 1)
    ]
    assert all(m.status == "CreateSuccess" and m.type == "ResourceAccount" for m in members)
    assert org.uid("monitoring") not in {m.account_id for m in members}


def test_folders_and_their_members(org: RunningSandbox) -> None:
    client = org.client("resourcemanager", "management")
    root = client.get_resource_directory().body.resource_directory
    assert root.master_account_id == org.uid("management")
    top = client.list_folders_for_parent(
        rm.ListFoldersForParentRequest(parent_folder_id=root.root_folder_id)
    ).body.folders.folder
    assert sorted(f.folder_name for f in top) == ["dev", "prod", "staging"]
    prod = next(f for f in top if f.folder_name == "prod")
    inner = client.list_folders_for_parent(
        rm.ListFoldersForParentRequest(parent_folder_id=prod.folder_id)
    ).body.folders.folder
    assert [f.folder_name for f in inner] == ["payments"]
    in_prod = client.list_accounts_for_parent(
        rm.ListAccountsForParentRequest(parent_folder_id=prod.folder_id, page_size=100)
    ).body.accounts.account
    assert in_prod and all(m.folder_id == prod.folder_id for m in in_prod)
    one = client.get_account(rm.GetAccountRequest(account_id=in_prod[0].account_id)).body.account
    assert one.resource_directory_path.endswith(f"{prod.folder_id}/{in_prod[0].account_id}")


def test_a_member_is_reached_through_its_access_role(org: RunningSandbox) -> None:
    member = _all_accounts(org.client("resourcemanager", "management"))[0]
    arn = f"acs:ram::{member.account_id}:role/resourcedirectoryaccountaccessrole"
    admin = org.accounts["management"]["users"]["admin"]
    with pytest.raises(TeaException) as as_root:  # roles may not be assumed by root accounts
        org.client("sts", "management").assume_role(
            sts.AssumeRoleRequest(role_arn=arn, role_session_name="armstui")
        )
    assert as_root.value.code == "NoPermission"
    assumed = (
        org.client(
            "sts",
            access_key_id=admin["access_key_id"],
            access_key_secret=admin["access_key_secret"],
        )
        .assume_role(sts.AssumeRoleRequest(role_arn=arn, role_session_name="armstui"))
        .body.credentials
    )
    as_member = org.client(
        "sts",
        access_key_id=assumed.access_key_id,
        access_key_secret=assumed.access_key_secret,
        security_token=assumed.security_token,
    )
    assert as_member.get_caller_identity().body.account_id == member.account_id
    with pytest.raises(TeaException) as member_listing:
        org.client(
            "resourcemanager",
            access_key_id=assumed.access_key_id,
            access_key_secret=assumed.access_key_secret,
            security_token=assumed.security_token,
        ).list_accounts(rm.ListAccountsRequest())
    assert member_listing.value.code == "NoPermission.ResourceDirectory.MemberAccount"
    with pytest.raises(TeaException) as refused:
        org.client("sts", "outsider").assume_role(
            sts.AssumeRoleRequest(role_arn=arn, role_session_name="stranger")
        )
    assert refused.value.code.startswith("NoPermission")


def test_outside_accounts_and_members_cannot_list_the_directory(org: RunningSandbox) -> None:
    with pytest.raises(TeaException) as outside:
        org.client("resourcemanager", "monitoring").list_accounts(rm.ListAccountsRequest())
    assert (outside.value.statusCode, outside.value.code) == (404, "NotExists.ResourceDirectory")
    with pytest.raises(TeaException) as no_directory:
        org.client("resourcemanager", "monitoring").get_resource_directory()
    assert (no_directory.value.statusCode, no_directory.value.code) == (
        404,
        "ResourceDirectoryNotInUse",
    )
    with pytest.raises(TeaException) as unknown:
        org.client("resourcemanager", "management").get_account(
            rm.GetAccountRequest(account_id="1" * 16)
        )
    assert unknown.value.code == "EntityNotExists.Account"


def test_a_new_member_joins_and_is_listed(org: RunningSandbox) -> None:
    client = org.client("resourcemanager", "management")
    before = {m.account_id for m in _all_accounts(client)}
    made = client.create_resource_account(
        rm.CreateResourceAccountRequest(display_name="newcomer", account_name_prefix="newcomer")
    ).body.account
    after = {m.account_id for m in _all_accounts(client)}
    assert after - before == {made.account_id}
    assert made.display_name == "newcomer"


def test_sandbox_json_lists_no_member_keys(org: RunningSandbox) -> None:
    assert set(org.accounts) == {"management", "monitoring", "outsider"}
    assert all(a["users"]["admin"]["access_key_id"] for a in org.accounts.values())
