"""Resource Manager 2020-03-31 (RPC): the Resource Directory calls armstui makes.

Shapes from alibabacloud_resourcemanager20200331's models: ``GetResourceDirectory``
``{ResourceDirectory{...}}``; ``ListAccounts`` / ``ListAccountsForParent``
``{Accounts{Account[]}, PageNumber, PageSize, TotalCount}``; ``ListFoldersForParent``
``{Folders{Folder[]}, ...}``; ``GetAccount`` ``{Account{...}}``; ``CreateFolder``
``{Folder{...}}``; ``CreateResourceAccount`` (a new member account, made in the sandbox as a
new account with its own root key) ``{Account{...}}``. Pages: ``PageSize`` 1 to 100,
default 10.
"""

from __future__ import annotations

from typing import Any

from armstui.sandbox.api import Call, Service
from armstui.sandbox.services.resourcemanager import model as rd

api = Service("ResourceManager", "2020-03-31")


def _now(call: Call) -> str:
    return call.state.clock.iso(call.state.clock.now())


def _page(call: Call, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    number = call.int_param("PageNumber", 1, low=1) or 1
    size = call.int_param("PageSize", 10, low=1, high=100) or 10
    chosen = items[(number - 1) * size : number * size]
    return chosen, {"PageNumber": number, "PageSize": size, "TotalCount": len(items)}


def _keyword(call: Call, items: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    word = (call.param("QueryKeyword") or "").lower()
    if not word:
        return items
    return [i for i in items if any(word in str(i.get(f, "")).lower() for f in fields)]


@api.rpc("GetResourceDirectory", permission="resourcemanager:GetResourceDirectory")
def get_resource_directory(call: Call) -> dict[str, Any]:
    directory, _ = rd.directory_of(
        call.state.store,
        call.account_id,
        (
            "ResourceDirectoryNotInUse",
            "The specified account is not an Alibaba Cloud account or a member account of the "
            "resource directory.",
        ),
    )
    return {"ResourceDirectory": directory}


def _accounts(call: Call, members: list[dict[str, Any]]) -> dict[str, Any]:
    found = _keyword(call, members, "AccountId", "DisplayName")
    chosen, paging = _page(call, found)
    return {"Accounts": {"Account": [rd.shown(m) for m in chosen]}, **paging}


@api.rpc("ListAccounts", permission="resourcemanager:ListAccounts")
def list_accounts(call: Call) -> dict[str, Any]:
    directory = rd.managed_directory(call.state.store, call.account_id)
    return _accounts(call, rd.members(call.state.store, directory))


@api.rpc("ListAccountsForParent", permission="resourcemanager:ListAccountsForParent")
def list_accounts_for_parent(call: Call) -> dict[str, Any]:
    store = call.state.store
    directory = rd.managed_directory(store, call.account_id)
    parent = rd.folder(store, directory, call.required("ParentFolderId"))
    return _accounts(call, rd.members(store, directory, parent["FolderId"]))


@api.rpc("ListFoldersForParent", permission="resourcemanager:ListFoldersForParent")
def list_folders_for_parent(call: Call) -> dict[str, Any]:
    store = call.state.store
    directory = rd.managed_directory(store, call.account_id)
    parent_id = call.param("ParentFolderId") or directory["RootFolderId"]
    rd.folder(store, directory, parent_id)
    found = _keyword(call, rd.folders(store, directory, parent_id), "FolderName")
    chosen, paging = _page(call, found)
    shown = [{k: f[k] for k in ("FolderId", "FolderName", "CreateTime")} for f in chosen]
    return {"Folders": {"Folder": shown}, **paging}


@api.rpc("GetAccount", permission="resourcemanager:GetAccount")
def get_account(call: Call) -> dict[str, Any]:
    store = call.state.store
    directory = rd.managed_directory(store, call.account_id)
    return {"Account": rd.shown(rd.member(store, directory, call.required("AccountId")))}


@api.rpc("CreateFolder", permission="resourcemanager:CreateFolder")
def create_folder(call: Call) -> dict[str, Any]:
    store = call.state.store
    directory = rd.managed_directory(store, call.account_id)
    made = rd.create_folder(
        store, directory, call.required("FolderName"), call.param("ParentFolderId"), _now(call)
    )
    return {"Folder": made}


@api.rpc("CreateResourceAccount", permission="resourcemanager:CreateResourceAccount")
def create_resource_account(call: Call) -> dict[str, Any]:
    from armstui.sandbox.world import create_account

    store = call.state.store
    directory = rd.managed_directory(store, call.account_id)
    name = call.required("DisplayName")
    with store.transaction():
        account = create_account(call.state, name)
        made = rd.add_member(
            store, directory, account["uid"], name, call.param("ParentFolderId"), _now(call)
        )
    return {"Account": rd.shown(made)}
