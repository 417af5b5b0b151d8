"""Resource Directory: a management account, its folders and its member accounts.

State per directory (``rm.directory``, keyed by the management account's ID), folder
(``rm.folder``, ``<directory>/<folder>``) and member (``rm.member``, ``<directory>/<account>``).
Every member created here gets the role ``ResourceDirectoryAccountAccessRole``, trusted by
the management account and holding AdministratorAccess, as Alibaba Cloud creates it for
members made inside a directory ("Access a member by assuming its access role", Resource
Management docs); the management account reaches members through it, with no keys of theirs.

Error codes as the Resource Management API documents them (alibabacloud.com/help, Resource
Management API reference: GetResourceDirectory, and the Resource Center calls' error table):
``ResourceDirectoryNotInUse`` (404) from GetResourceDirectory for an account in no directory,
``NotExists.ResourceDirectory`` (404) from the listings then, ``NoPermission.ResourceDirectory.MemberAccount``
(409) when a member calls what only the management account may, ``EntityNotExists.Folder``
and ``EntityNotExists.Account`` (404) for unknown IDs.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from armstui.sandbox.errors import ApiError
from armstui.sandbox.services.ram.model import Ram
from armstui.sandbox.store import Store

ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"
_ID_CHARS = string.ascii_lowercase + string.digits


def _new_id(prefix: str, length: int = 12) -> str:
    return prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def enable(store: Store, management_uid: str, now: str) -> dict[str, Any]:
    """The directory the account manages, made on first call."""
    found = store.get("rm.directory", management_uid)
    if found is not None:
        return found
    directory = {
        "ResourceDirectoryId": _new_id("rd-", 6),
        "RootFolderId": _new_id("r-", 6),
        "MasterAccountId": management_uid,
        "MasterAccountName": "management",
        "CreateTime": now,
    }
    store.put("rm.directory", management_uid, directory)
    return directory


def directory_of(
    store: Store, account_id: str, missing: tuple[str, str] | None = None
) -> tuple[dict[str, Any], bool]:
    """(the directory, whether ``account_id`` manages it); 404 when it belongs to none, with
    ``missing`` (code, message) where the calling API documents its own."""
    managed = store.get("rm.directory", account_id)
    if managed is not None:
        return managed, True
    for member in store.list("rm.member"):
        if member["AccountId"] == account_id:
            found = store.get("rm.directory", member["_management"])
            if found is not None:
                return found, False
    code, message = missing or (
        "NotExists.ResourceDirectory",
        "The resource directory for the account is not enabled.",
    )
    raise ApiError(404, code, message)


def managed_directory(store: Store, account_id: str) -> dict[str, Any]:
    """The directory ``account_id`` manages; a member asking is refused."""
    directory, manages = directory_of(store, account_id)
    if not manages:
        raise ApiError(
            409,
            "NoPermission.ResourceDirectory.MemberAccount",
            "ResourceDirectory Member Account is not authorized to perform this operation.",
        )
    return directory


def _key(directory: dict[str, Any], item_id: str) -> str:
    return f"{directory['ResourceDirectoryId']}/{item_id}"


def folder(store: Store, directory: dict[str, Any], folder_id: str) -> dict[str, Any]:
    if folder_id == directory["RootFolderId"]:
        return {"FolderId": folder_id, "FolderName": "Root", "ParentFolderId": None}
    found = store.get("rm.folder", _key(directory, folder_id))
    if found is None:
        raise ApiError(404, "EntityNotExists.Folder", f"The folder {folder_id} does not exist.")
    return found


def create_folder(
    store: Store, directory: dict[str, Any], name: str, parent_id: str | None, now: str
) -> dict[str, Any]:
    parent = folder(store, directory, parent_id or directory["RootFolderId"])
    if any(
        f["FolderName"] == name and f["ParentFolderId"] == parent["FolderId"]
        for f in folders(store, directory)
    ):
        raise ApiError(
            409, "EntityAlreadyExists.Folder", f"A folder named {name} exists in the parent."
        )
    record = {
        "FolderId": _new_id("fd-", 10),
        "FolderName": name,
        "ParentFolderId": parent["FolderId"],
        "CreateTime": now,
    }
    store.put("rm.folder", _key(directory, record["FolderId"]), record)
    return record


def _listed(
    store: Store, directory: dict[str, Any], kind: str, **where: str | None
) -> list[dict[str, Any]]:
    """The directory's ``kind`` records whose fields hold ``where`` (None there: any value)."""
    found = store.list(kind, directory["ResourceDirectoryId"] + "/")
    return [r for r in found if all(v is None or r[k] == v for k, v in where.items())]


def folders(
    store: Store, directory: dict[str, Any], parent_id: str | None = None
) -> list[dict[str, Any]]:
    return _listed(store, directory, "rm.folder", ParentFolderId=parent_id)


def _path(store: Store, directory: dict[str, Any], folder_id: str) -> str:
    chain = []
    current: str | None = folder_id
    while current and current != directory["RootFolderId"]:
        chain.append(current)
        current = folder(store, directory, current)["ParentFolderId"]
    return "/".join([directory["ResourceDirectoryId"], directory["RootFolderId"], *reversed(chain)])


def add_member(
    store: Store,
    directory: dict[str, Any],
    account_id: str,
    display_name: str,
    folder_id: str | None,
    now: str,
) -> dict[str, Any]:
    """Put ``account_id`` (an existing sandbox account) into the directory, with its access
    role trusting the management account."""
    where = folder(store, directory, folder_id or directory["RootFolderId"])
    member = {
        "AccountId": account_id,
        "DisplayName": display_name,
        "FolderId": where["FolderId"],
        "JoinMethod": "created",
        "JoinTime": now,
        "ModifyTime": now,
        "ResourceDirectoryId": directory["ResourceDirectoryId"],
        "ResourceDirectoryPath": f"{_path(store, directory, where['FolderId'])}/{account_id}",
        "Status": "CreateSuccess",
        "Type": "ResourceAccount",
        "_management": directory["MasterAccountId"],
    }
    store.put("rm.member", _key(directory, account_id), member)
    ram = Ram(store, account_id, now)
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{directory['MasterAccountId']}:root"]},
            }
        ],
    }
    ram.create_role(ACCESS_ROLE, json.dumps(trust), "Access from the management account", 3600)
    ram.attach("Role", ACCESS_ROLE, "System", "AdministratorAccess")
    return member


def members(
    store: Store, directory: dict[str, Any], folder_id: str | None = None
) -> list[dict[str, Any]]:
    return _listed(store, directory, "rm.member", FolderId=folder_id)


def member(store: Store, directory: dict[str, Any], account_id: str) -> dict[str, Any]:
    found = store.get("rm.member", _key(directory, account_id))
    if found is None:
        raise ApiError(
            404, "EntityNotExists.Account", f"The account {account_id} is not in the directory."
        )
    return found


def shown(member_record: dict[str, Any]) -> dict[str, Any]:
    """A member as the API answers it (without the sandbox's own bookkeeping)."""
    return {k: v for k, v in member_record.items() if not k.startswith("_")}
