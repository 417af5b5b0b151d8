"""Which members of a Resource Directory the operator ticked, as ``rd:…`` sources and
exclusions (no Textual here: the tree widget draws it, tests drive it directly).

Ticking a folder (the root too) ticks everything under it and makes it a source: the root
is ``rd:all``, a folder ``rd:folder/<id>``, so members that join it later are covered by the
next run. What is then unticked under it is excluded, a whole folder by its ID, a member by
its account ID. A member ticked on its own makes its folder the source and excludes the
rest of that folder: a source is always a folder (``--source`` names no single member).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum

from armstui.flows.directory import FolderNode, folders_under, members_under


class Mark(StrEnum):
    ON = "☑"
    OFF = "☐"
    PARTIAL = "▣"  # some of what is under it


def member_ids(node: FolderNode) -> Iterator[str]:
    """The account IDs of the members in ``node`` and every folder under it."""
    return (m.account_id for m in members_under(node))


class DirectoryChoice:
    def __init__(self, root: FolderNode) -> None:
        self.root = root
        self.ticked: set[str] = set()  # member account IDs
        self.anchors: set[str] = set()  # folder IDs ticked as a whole: the sources
        # Folders with no member yet hold nothing to tick, only the promise of who joins:
        # one under a ticked folder is covered unless unticked on its own (kept here).
        self.dropped: set[str] = set()
        self._parent = {c.folder_id: f for f in folders_under(root) for c in f.folders}

    # --- ticking ------------------------------------------------------------------------

    def _covered(self, node: FolderNode) -> bool:
        """Whether ``node`` or a folder above it is ticked as a whole."""
        at: FolderNode | None = node
        while at is not None:
            if at.folder_id in self.anchors:
                return True
            at = self._parent.get(at.folder_id)
        return False

    def _empty_on(self, node: FolderNode) -> bool:
        return self._covered(node) and node.folder_id not in self.dropped

    def _chosen(self, node: FolderNode) -> bool:
        """Whether anything under ``node`` is ticked: a member, or a ticked empty folder."""
        return any(m in self.ticked for m in member_ids(node)) or any(
            not any(member_ids(f)) and self._empty_on(f) for f in folders_under(node)
        )

    def folder_mark(self, node: FolderNode) -> Mark:
        under = list(member_ids(node))
        if not under:
            return Mark.ON if self._empty_on(node) else Mark.OFF
        ticked = sum(m in self.ticked for m in under)
        if ticked == len(under):
            return Mark.ON
        return Mark.PARTIAL if ticked else Mark.OFF

    def member_mark(self, account_id: str) -> Mark:
        return Mark.ON if account_id in self.ticked else Mark.OFF

    def toggle_folder(self, node: FolderNode) -> None:
        inside = {f.folder_id for f in folders_under(node)}
        if self.folder_mark(node) is Mark.ON:
            self.anchors -= inside
            self.ticked -= set(member_ids(node))
            self.dropped |= {
                f.folder_id
                for f in folders_under(node)
                if not any(member_ids(f)) and self._covered(f)
            }
        else:
            self.anchors -= inside
            self.dropped -= inside
            self.ticked |= set(member_ids(node))
            self.anchors.add(node.folder_id)

    def toggle_member(self, account_id: str) -> None:
        self.ticked ^= {account_id}

    # --- what it means ------------------------------------------------------------------

    def source_of(self, node: FolderNode) -> str:
        return "rd:all" if node is self.root else f"rd:folder/{node.folder_id}"

    def sources_and_exclude(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``--source`` values and ``--exclude`` values that cover exactly the ticked
        members (and whoever later joins a ticked folder)."""
        sources: list[str] = []
        exclude: list[str] = []

        def walk(node: FolderNode, covered: bool) -> None:
            any_ticked = self._chosen(node)
            if covered and not any_ticked:
                exclude.append(node.folder_id)
                return
            if not covered:
                direct = any(m.account_id in self.ticked for m in node.members)
                if not any_ticked or not (direct or node.folder_id in self.anchors):
                    for folder in node.folders:
                        walk(folder, False)
                    return
                sources.append(self.source_of(node))
            exclude.extend(m.account_id for m in node.members if m.account_id not in self.ticked)
            for folder in node.folders:
                walk(folder, True)

        walk(self.root, False)
        return tuple(sources), tuple(exclude)

    def restore(self, sources: Iterable[str], exclude: Iterable[str]) -> None:
        """Tick what ``sources`` and ``exclude`` (a setup's, by ID or folder name) cover."""
        folders = list(folders_under(self.root))
        for source in sources:
            wanted = source.removeprefix("rd:folder/")
            for node in folders:
                if (source == "rd:all" and node is self.root) or wanted in (
                    node.folder_id,
                    node.name,
                ):
                    self.anchors.add(node.folder_id)
                    self.ticked |= set(member_ids(node))
        for item in exclude:
            self.ticked.discard(item)
            for node in folders:
                if item in (node.folder_id, node.name):
                    self.ticked -= set(member_ids(node))
                    self.dropped |= {f.folder_id for f in folders_under(node)}
