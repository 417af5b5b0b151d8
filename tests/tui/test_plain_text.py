"""What the app shows from the cloud is drawn as it is, never read as Rich markup: an ARN
(``acs:ram::…``) holds ``:ram:``, an emoji code to Rich, and ``[…]`` reads as a style;
a directory's folder and member names are whatever its owners typed."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets._toast import Toast

from armstui.cloud.resourcemanager import Member
from armstui.flows.directory import FolderNode
from armstui.tui.widgets.directory_choice import DirectoryChoice
from armstui.tui.widgets.directory_tree import CheckTree
from tests.tui.conftest import fake_app

CLOUD_TEXT = "acs:ram::1234567890123456:role/arms-admin [b]not a style[/b]"


async def test_a_notification_shows_cloud_text_as_it_is() -> None:
    app = fake_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.screen.notify(f"could not switch into {CLOUD_TEXT}", timeout=30)
        await pilot.pause(0.1)
        toast = app.screen.query_one(Toast)
        drawn = " ".join(toast.render_line(y).text.strip() for y in range(toast.size.height))
        assert CLOUD_TEXT in drawn


async def test_directory_names_are_drawn_as_they_are() -> None:
    odd = Member("1234567890123456", "[b]ops[/b] :ram: team", "r-root", "")
    root = FolderNode("r-root", "[i]rd[/i]", (), (odd,))

    class Tree(App[None]):
        def compose(self) -> ComposeResult:
            yield CheckTree(DirectoryChoice(root))

    async with Tree().run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        tree = pilot.app.query_one(CheckTree)
        drawn = [tree.render_line(y).text for y in range(2)]
        assert "Whole directory [i]rd[/i]  r-root" in drawn[0]
        assert "[b]ops[/b] :ram: team  1234567890123456" in drawn[1]
