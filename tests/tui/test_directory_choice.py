"""What is ticked in the directory tree, as ``rd:…`` sources and exclusions: exactly the
ticked members, a ticked folder as a folder source (so newcomers to it are covered)."""

from __future__ import annotations

from armstui.cloud.resourcemanager import Member
from armstui.flows.directory import FolderNode
from armstui.tui.widgets.directory_choice import DirectoryChoice, Mark


def member(account_id: str, folder_id: str) -> Member:
    return Member(account_id, f"m{account_id}", folder_id, "")


PAYMENTS = FolderNode("fd-pay", "payments", (), (member("11", "fd-pay"), member("12", "fd-pay")))
PROD = FolderNode("fd-prod", "prod", (PAYMENTS,), (member("21", "fd-prod"),))
DEV = FolderNode("fd-dev", "dev", (), (member("31", "fd-dev"), member("32", "fd-dev")))
ROOT = FolderNode("r-root", "rd-1", (PROD, DEV), (member("41", "r-root"),))


def test_the_root_ticked_is_every_member_and_what_is_unticked_under_it_is_excluded() -> None:
    choice = DirectoryChoice(ROOT)
    choice.toggle_folder(ROOT)
    assert choice.sources_and_exclude() == (("rd:all",), ())
    choice.toggle_folder(PAYMENTS)
    choice.toggle_member("31")
    assert choice.sources_and_exclude() == (("rd:all",), ("fd-pay", "31"))
    assert choice.folder_mark(ROOT) is Mark.PARTIAL
    assert choice.folder_mark(PAYMENTS) is Mark.OFF
    assert choice.folder_mark(PROD) is Mark.PARTIAL


def test_a_ticked_folder_is_a_folder_source_and_its_subfolders_come_with_it() -> None:
    choice = DirectoryChoice(ROOT)
    choice.toggle_folder(PROD)
    choice.toggle_folder(DEV)
    assert choice.sources_and_exclude() == (("rd:folder/fd-prod", "rd:folder/fd-dev"), ())
    assert choice.folder_mark(ROOT) is Mark.PARTIAL
    choice.toggle_folder(DEV)
    assert choice.folder_mark(DEV) is Mark.OFF
    assert choice.sources_and_exclude() == (("rd:folder/fd-prod",), ())


def test_a_member_ticked_alone_makes_its_folder_the_source_less_the_rest() -> None:
    choice = DirectoryChoice(ROOT)
    choice.toggle_member("12")
    assert choice.sources_and_exclude() == (("rd:folder/fd-pay",), ("11",))
    choice.toggle_member("21")  # prod holds payments: prod is the source now
    assert choice.sources_and_exclude() == (("rd:folder/fd-prod",), ("11",))
    choice.toggle_member("12")
    choice.toggle_member("21")
    assert choice.sources_and_exclude() == ((), ())
    assert choice.folder_mark(ROOT) is Mark.OFF


def test_a_folder_ticked_again_after_a_member_went_ticks_it_whole() -> None:
    choice = DirectoryChoice(ROOT)
    choice.toggle_folder(DEV)
    choice.toggle_member("32")
    assert choice.folder_mark(DEV) is Mark.PARTIAL
    choice.toggle_folder(DEV)
    assert choice.folder_mark(DEV) is Mark.ON
    assert choice.sources_and_exclude() == (("rd:folder/fd-dev",), ())


def test_a_setups_sources_and_exclusions_tick_the_same_again() -> None:
    choice = DirectoryChoice(ROOT)
    choice.restore(["rd:all"], ["payments", "31"])
    assert choice.sources_and_exclude() == (("rd:all",), ("fd-pay", "31"))
    again = DirectoryChoice(ROOT)
    again.restore(["rd:folder/prod"], ["11"])
    assert again.sources_and_exclude() == (("rd:folder/fd-prod",), ("11",))
    assert again.member_mark("12") is Mark.ON and again.member_mark("11") is Mark.OFF
