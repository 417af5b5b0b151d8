"""Sources from a Resource Directory: ``--source rd:all`` or ``--source rd:folder/<id or name>``.

The members are listed by the directory's management account (one of the saved accounts,
found by asking each with GetResourceDirectory) and acted in by assuming each member's
``ResourceDirectoryAccountAccessRole`` from there: no member key is saved anywhere. A setup
keeps ``rd:…`` as its source, so running it again covers the members that joined since;
which members are new, and which left (reported, never touched), comes from the journal's
previous run of the same setup.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from armstui.cloud import resourcemanager as rm
from armstui.cloud.errors import CloudError

PREFIX = "rd:"
_FOLDER = re.compile(r"rd:folder/(?P<folder>[A-Za-z0-9_.-]{1,64})")


class DirectoryError(Exception):
    """The directory source cannot be resolved; the message says what to do."""


def is_directory_source(source: str) -> bool:
    return source.startswith(PREFIX)


def check_source(source: str) -> str:
    """``rd:all`` or ``rd:folder/<id or name>``; anything else under ``rd:`` is refused."""
    if source == "rd:all" or _FOLDER.fullmatch(source):
        return source
    raise ValueError("must be rd:all or rd:folder/<folder ID or name>")


@dataclass(frozen=True)
class Member:
    alias: str  # how the flows name it: the display name when it is a valid alias
    account_id: str
    role_arn: str  # its access role, assumed from the management account


@dataclass
class Enrolment:
    """The members a directory source covers now, against the setup's previous run."""

    management: str
    members: list[Member] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # aliases enrolled since the previous run
    left: list[str] = field(default_factory=list)  # covered before, gone now: left as they are

    def summary(self) -> str:
        parts = [f"{len(self.members)} directory members (managed by {self.management})"]
        if self.new:
            parts.append("new since the last run: " + ", ".join(self.new))
        if self.left:
            parts.append("no longer members, left untouched: " + ", ".join(self.left))
        return "; ".join(parts)


async def find_management(sessions: Mapping[str, Any]) -> tuple[str, rm.Directory]:
    """The saved account that manages a Resource Directory (asked concurrently)."""

    async def ask(alias: str, session: Any) -> tuple[str, rm.Directory] | None:
        try:
            directory = await rm.get_resource_directory(session)
        except CloudError:
            return None
        return (alias, directory) if directory.management_account_id == session.uid else None

    found = [f for f in await asyncio.gather(*(ask(a, s) for a, s in sessions.items())) if f]
    if not found:
        raise DirectoryError(
            "--source rd:…: none of the saved accounts manages a Resource Directory; add the "
            "management account (a RAM user of it: root keys cannot assume the members' roles)"
        )
    return found[0]


def _alias_for(member: rm.Member, taken: set[str]) -> str:
    from armstui.model import InvalidInput, validate_alias

    try:
        alias = validate_alias(member.display_name.lower())
    except InvalidInput:
        alias = f"rd-{member.account_id}"
    if alias in taken:
        alias = f"{alias}-{member.account_id[-4:]}"
    taken.add(alias)
    return alias


async def resolve(
    management_alias: str,
    session: Any,
    sources: Sequence[str],
    *,
    exclude: Iterable[str] = (),
    taken: Iterable[str] = (),
) -> list[Member]:
    """The members the ``rd:`` sources cover, less those excluded by account ID or folder
    (the directory listed once, however many folders are named)."""
    _, root = await list_tree(session)

    def folder(wanted: str) -> FolderNode:
        found = next((f for f in folders_under(root) if wanted in (f.folder_id, f.name)), None)
        if found is None:
            raise DirectoryError(f"--source rd:folder/{wanted}: no such folder in the directory")
        return found

    chosen: dict[str, rm.Member] = {}
    for source in sources:
        if source == "rd:all":
            chosen.update((m.account_id, m) for m in members_under(root))
            continue
        match = _FOLDER.fullmatch(source)
        if match is None:
            raise DirectoryError(f"--source {source}: must be rd:all or rd:folder/<id or name>")
        chosen.update((m.account_id, m) for m in members_under(folder(match["folder"])))
    excluded = set(exclude)
    for item in exclude:
        if not item.isdigit():
            excluded |= {m.account_id for m in members_under(folder(item))}
    used = set(taken)
    return [
        Member(_alias_for(m, used), m.account_id, m.access_role_arn())
        for m in sorted(chosen.values(), key=lambda m: m.display_name)
        if m.account_id not in excluded
    ]


@dataclass(frozen=True)
class FolderNode:
    """A folder of the directory (the root too): the folders and members directly in it."""

    folder_id: str
    name: str
    folders: tuple[FolderNode, ...] = ()
    members: tuple[rm.Member, ...] = ()


async def list_tree(session: Any) -> tuple[rm.Directory, FolderNode]:
    """The whole directory as its management account sees it, from the root folder down
    (each level's folders asked for at once); members sorted by name."""
    directory = await rm.get_resource_directory(session)
    members = sorted(await rm.list_members(session), key=lambda m: (m.display_name, m.account_id))
    listed: set[str] = set()

    async def folder(folder_id: str, name: str, is_root: bool = False) -> FolderNode:
        listed.add(folder_id)
        subs = await rm.list_folders(session, None if is_root else folder_id)
        found = await asyncio.gather(*(folder(f.folder_id, f.name) for f in subs))
        return FolderNode(folder_id, name, tuple(found))

    bare = await folder(directory.root_folder_id, directory.directory_id, is_root=True)

    def filled(node: FolderNode) -> FolderNode:
        own = tuple(
            m
            for m in members
            if m.folder_id == node.folder_id
            or (node.folder_id == directory.root_folder_id and m.folder_id not in listed)
        )
        return FolderNode(node.folder_id, node.name, tuple(map(filled, node.folders)), own)

    return directory, filled(bare)


def folders_under(node: FolderNode) -> Iterator[FolderNode]:
    """``node`` and every folder under it, depth first."""
    yield node
    for folder in node.folders:
        yield from folders_under(folder)


def members_under(node: FolderNode) -> Iterator[rm.Member]:
    """The members in ``node`` and in every folder under it."""
    yield from node.members
    for folder in node.folders:
        yield from members_under(folder)
