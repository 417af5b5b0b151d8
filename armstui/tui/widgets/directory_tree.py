"""The Resource Directory as a tree of checkboxes: folders, then their member accounts.

:class:`DirectorySources` asks every saved account, in a thread worker, whether it manages a
directory (:func:`armstui.flows.directory.find_management`) and lists that directory
(:func:`armstui.flows.directory.list_tree`); until then, and when no account manages one, the
form's plain account list is all there is. When the listing fails the error (code, request
ID, hint) is shown in its place. Names from the cloud pass through :func:`armstui.inert.inert`.
What is ticked becomes ``rd:…`` sources and exclusions (:mod:`.directory_choice`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static, Tree
from textual.widgets.tree import TreeNode

from armstui.cloud.resourcemanager import Member
from armstui.flows.directory import DirectoryError, FolderNode
from armstui.inert import inert
from armstui.tui.widgets.directory_choice import DirectoryChoice

LISTING = "Looking for a Resource Directory among the saved accounts…"


def member_label(member: Member) -> str:
    return f"{inert(member.display_name)}  {member.account_id}"


def folder_label(node: FolderNode, is_root: bool) -> str:
    name = f"Whole directory {inert(node.name)}" if is_root else f"{inert(node.name)}/"
    return f"{name}  {node.folder_id}"


class CheckTree(Tree[FolderNode | Member]):
    """Space, enter or a click ticks the row under the cursor; right opens a folder, left
    closes it (or goes up to its folder)."""

    BINDINGS = [
        Binding("space", "select_cursor", "Tick", id="directory-tick"),
        Binding("enter", "select_cursor", "Tick", show=False),
        Binding("right", "open", "Open", show=False),
        Binding("left", "close", "Close", show=False),
    ]

    def __init__(self, choice: DirectoryChoice, *, id: str | None = None) -> None:
        super().__init__(folder_label(choice.root, True), choice.root, id=id)
        self.choice = choice
        self.auto_expand = False
        self.show_root = True
        self._fill(self.root, choice.root)
        self.root.expand()

    def _fill(self, parent: TreeNode[FolderNode | Member], folder: FolderNode) -> None:
        for sub in folder.folders:
            self._fill(parent.add(folder_label(sub, False), sub, expand=True), sub)
        for member in folder.members:
            parent.add_leaf(member_label(member), member)

    def render_label(
        self, node: TreeNode[FolderNode | Member], base_style: Style, style: Style
    ) -> Text:
        data = node.data
        if isinstance(data, FolderNode):
            mark = self.choice.folder_mark(data)
        elif isinstance(data, Member):
            mark = self.choice.member_mark(data.account_id)
        else:
            return super().render_label(node, base_style, style)
        return Text.assemble((f"{mark} ", style), super().render_label(node, base_style, style))

    @on(Tree.NodeSelected)
    def _tick(self, event: Tree.NodeSelected[FolderNode | Member]) -> None:
        event.stop()
        data = event.node.data
        if isinstance(data, FolderNode):
            self.choice.toggle_folder(data)
        elif isinstance(data, Member):
            self.choice.toggle_member(data.account_id)
        self._refresh_marks(event.node)
        self.post_message(DirectorySources.Changed())

    def _refresh_marks(self, node: TreeNode[FolderNode | Member]) -> None:
        """Redraw what a tick on ``node`` may have changed: it, all under it, its folders."""
        under = [node]
        while under:
            under[-1].refresh()
            under.extend(under.pop().children)
        parent = node.parent
        while parent is not None:
            parent.refresh()
            parent = parent.parent

    def action_open(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_close(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)


class DirectorySources(Vertical):
    """Offers the directory once a saved account is found to manage one."""

    class Changed(Message):
        """What is ticked changed."""

    def __init__(
        self,
        accounts: dict[str, Any],
        sources: Iterable[str] = (),
        exclude: Iterable[str] = (),
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        # Saved accounts only: a directory's members (no credential of their own) manage none.
        self._aliases = [a for a, account in accounts.items() if account.credential is not None]
        self._restore = ([s for s in sources if s.startswith("rd:")], list(exclude))
        self.management: str | None = None
        self.choice: DirectoryChoice | None = None
        self.display = False

    def compose(self) -> ComposeResult:
        yield Label("", id="directory-label", classes="field-label")
        yield Static(LISTING, id="directory-status", markup=False)

    def on_mount(self) -> None:
        workspace = getattr(getattr(self.app, "state", None), "workspace", None)
        if workspace is not None and self._aliases:
            self._list(workspace)

    @property
    def sources(self) -> tuple[str, ...]:
        return self.choice.sources_and_exclude()[0] if self.choice else ()

    @property
    def exclude(self) -> tuple[str, ...]:
        return self.choice.sources_and_exclude()[1] if self.choice else ()

    @work(thread=True, exclusive=True, group="directory", exit_on_error=False)
    def _list(self, workspace: Any) -> None:
        from armstui.flows import directory
        from armstui.tui.workers import describe_error

        async def listing() -> tuple[str, FolderNode]:
            sessions = {}
            for alias in self._aliases:
                try:
                    sessions[alias] = await workspace.session(alias)
                except Exception:  # an account we cannot sign as manages nothing here
                    continue
            management, _ = await directory.find_management(sessions)
            return management, (await directory.list_tree(sessions[management]))[1]

        try:
            management, root = asyncio.run(listing())
        except DirectoryError:
            return  # no directory: the plain account list is the whole choice
        except Exception as exc:
            self.app.call_from_thread(self._failed, describe_error(exc))
            return
        self.app.call_from_thread(self._show, management, root)

    def _failed(self, text: str) -> None:
        self.display = True
        self.query_one("#directory-label", Label).update("Resource Directory")
        status = self.query_one("#directory-status", Static)
        status.update(
            Text(
                f"The directory could not be listed: {text.rstrip('.')}. "
                "The accounts above still work."
            )
        )
        status.add_class("directory-error")

    def _show(self, management: str, root: FolderNode) -> None:
        self.management = management
        self.choice = DirectoryChoice(root)
        self.choice.restore(*self._restore)
        self.query_one("#directory-label", Label).update(
            f"Resource Directory (listed by {management}): space ticks a folder or a member;"
            " a ticked folder also covers those who join it later"
        )
        self.query_one("#directory-status", Static).remove()
        self.mount(CheckTree(self.choice, id="directory"))
        self.display = True
