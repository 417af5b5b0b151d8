"""Resource Manager 2020-03-31: the members and folders of a Resource Directory.

RPC over the central ``resourcemanager.aliyuncs.com``; SDK alibabacloud_resourcemanager20200331.
Only the directory's management account may list it; members are then reached by assuming
their ``ResourceDirectoryAccountAccessRole`` (:data:`ACCESS_ROLE`), with no keys of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armstui.cloud.errors import reading, required
from armstui.cloud.rpc import service_rpc

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession

ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"
PAGE_SIZE = 100  # the API's largest page
MAX_PAGES = 1000  # 100,000 members: far beyond any directory's quota


@dataclass(frozen=True)
class Directory:
    directory_id: str
    root_folder_id: str
    management_account_id: str


@dataclass(frozen=True)
class Folder:
    folder_id: str
    name: str


@dataclass(frozen=True)
class Member:
    account_id: str
    display_name: str
    folder_id: str
    path: str  # rd-…/r-…/fd-…/<account ID>: every folder it sits under ("" when not given)
    status: str | None = None

    def access_role_arn(self) -> str:
        return f"acs:ram::{self.account_id}:role/{ACCESS_ROLE.lower()}"

    def is_under(self, folder_id: str) -> bool:
        return folder_id == self.folder_id or folder_id in self.path.split("/")


def _models() -> Any:
    from alibabacloud_resourcemanager20200331 import models

    return models


_rpc = service_rpc("resourcemanager")


async def get_resource_directory(session: CloudSession) -> Directory:
    body = await _rpc(session, "GetResourceDirectory", "get_resource_directory")
    with reading("resourcemanager", "GetResourceDirectory", session.alias):
        d = body.resource_directory
        return Directory(
            required(
                d.resource_directory_id,
                "ResourceDirectoryId",
                "resourcemanager",
                "GetResourceDirectory",
            ),
            required(d.root_folder_id, "RootFolderId", "resourcemanager", "GetResourceDirectory"),
            required(
                d.master_account_id, "MasterAccountId", "resourcemanager", "GetResourceDirectory"
            ),
        )


def _member(raw: Any) -> Member:
    return Member(
        str(raw.account_id),
        str(raw.display_name or raw.account_id),
        str(raw.folder_id or ""),
        str(getattr(raw, "resource_directory_path", None) or ""),  # ListAccounts only
        raw.status,
    )


async def list_members(session: CloudSession, folder_id: str | None = None) -> list[Member]:
    """Every member of the directory (``ListAccounts``), or of one folder only
    (``ListAccountsForParent``: its direct members), all pages."""
    m = _models()
    found: list[Member] = []
    for page in range(1, MAX_PAGES + 1):
        if folder_id is None:
            action, method = "ListAccounts", "list_accounts"
            request = m.ListAccountsRequest(page_number=page, page_size=PAGE_SIZE)
        else:
            action, method = "ListAccountsForParent", "list_accounts_for_parent"
            request = m.ListAccountsForParentRequest(
                parent_folder_id=folder_id, page_number=page, page_size=PAGE_SIZE
            )
        body = await _rpc(session, action, method, request)
        with reading("resourcemanager", action, session.alias):
            items = body.accounts.account if body.accounts else []
            found += [_member(a) for a in items or []]
            total = int(body.total_count or 0)
        if not items or len(found) >= total:
            break
    return found


async def list_folders(session: CloudSession, parent_id: str | None = None) -> list[Folder]:
    """The folders directly under ``parent_id`` (the root when None), all pages."""
    m = _models()
    found: list[Folder] = []
    for page in range(1, MAX_PAGES + 1):
        body = await _rpc(
            session,
            "ListFoldersForParent",
            "list_folders_for_parent",
            m.ListFoldersForParentRequest(
                parent_folder_id=parent_id, page_number=page, page_size=PAGE_SIZE
            ),
        )
        with reading("resourcemanager", "ListFoldersForParent", session.alias):
            items = body.folders.folder if body.folders else []
            found += [Folder(str(f.folder_id), str(f.folder_name)) for f in items or []]
            total = int(body.total_count or 0)
        if not items or len(found) >= total:
            break
    return found
