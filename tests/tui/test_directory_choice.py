"""What is ticked in the directory tree, as ``rd:…`` sources and exclusions: exactly the
ticked members, a ticked folder as a folder source (so newcomers to it are covered)."""

from __future__ import annotations

import pytest

from armstui.cloud.resourcemanager import Member
from armstui.flows.directory import FolderNode
from armstui.tui.widgets.directory_choice import DirectoryChoice, Mark


def member(account_id: str, folder_id: str) -> Member:
    return Member(account_id, f"m{account_id}", folder_id, "")


PAYMENTS = FolderNode("fd-pay", "payments", (), (member("11", "fd-pay"), member("12", "fd-pay")))
PROD = FolderNode("fd-prod", "prod", (PAYMENTS,), (member("21", "fd-prod"),))
DEV = FolderNode("fd-dev", "dev", (), (member("31", "fd-dev"), member("32", "fd-dev")))
NEW = FolderNode("fd-new", "new", (), ())  # no member yet
ROOT = FolderNode("r-root", "rd-1", (PROD, DEV, NEW), (member("41", "r-root"),))


def ticked(*toggles: FolderNode | str) -> DirectoryChoice:
    """A choice after the operator toggled these folders and members, in order."""
    choice = DirectoryChoice(ROOT)
    for toggle in toggles:
        if isinstance(toggle, FolderNode):
            choice.toggle_folder(toggle)
        else:
            choice.toggle_member(toggle)
    return choice


@pytest.mark.parametrize(
    ("toggles", "sources", "exclude"),
    [
        ((ROOT,), ("rd:all",), ()),
        ((ROOT, PAYMENTS, "31"), ("rd:all",), ("fd-pay", "31")),
        ((PROD, DEV), ("rd:folder/fd-prod", "rd:folder/fd-dev"), ()),
        ((PROD, DEV, DEV), ("rd:folder/fd-prod",), ()),
        # a member alone: its folder is the source, less the rest of it
        (("12",), ("rd:folder/fd-pay",), ("11",)),
        (("12", "21"), ("rd:folder/fd-prod",), ("11",)),
        (("12", "21", "12", "21"), (), ()),
        # a folder ticked again after one of its members went: whole again
        ((DEV, "32", DEV), ("rd:folder/fd-dev",), ()),
        # a folder with no member yet: ticked, it is a source for those who join it
        ((NEW,), ("rd:folder/fd-new",), ()),
        ((NEW, NEW), (), ()),
        # under a ticked root it is covered, unless unticked on its own
        ((ROOT, NEW), ("rd:all",), ("fd-new",)),
        ((ROOT, NEW, NEW), ("rd:all",), ()),
    ],
)
def test_what_is_ticked_is_exactly_the_sources_less_the_exclusions(
    toggles: tuple[FolderNode | str, ...], sources: tuple[str, ...], exclude: tuple[str, ...]
) -> None:
    assert ticked(*toggles).sources_and_exclude() == (sources, exclude)


def test_a_folder_shows_whether_all_some_or_none_of_it_is_ticked() -> None:
    choice = ticked(ROOT, PAYMENTS, "31")
    assert [choice.folder_mark(f) for f in (ROOT, PROD, PAYMENTS, DEV)] == [
        Mark.PARTIAL,
        Mark.PARTIAL,
        Mark.OFF,
        Mark.PARTIAL,
    ]
    assert ticked(DEV, "32", DEV).folder_mark(DEV) is Mark.ON
    assert ticked().folder_mark(ROOT) is Mark.OFF
    assert [ticked(*t).folder_mark(NEW) for t in ((), (NEW,), (ROOT,), (ROOT, NEW))] == [
        Mark.OFF,
        Mark.ON,
        Mark.ON,
        Mark.OFF,
    ]


def test_a_setups_sources_and_exclusions_tick_the_same_again() -> None:
    choice = DirectoryChoice(ROOT)
    choice.restore(["rd:all"], ["payments", "31"])
    assert choice.sources_and_exclude() == (("rd:all",), ("fd-pay", "31"))
    again = DirectoryChoice(ROOT)
    again.restore(["rd:all"], ["fd-new"])
    assert again.sources_and_exclude() == (("rd:all",), ("fd-new",))
    again = DirectoryChoice(ROOT)
    again.restore(["rd:folder/prod"], ["11"])
    assert again.sources_and_exclude() == (("rd:folder/fd-prod",), ("11",))
    assert again.member_mark("12") is Mark.ON and again.member_mark("11") is Mark.OFF
