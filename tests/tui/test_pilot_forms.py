"""What an operator meets first: every screen opens with no accounts and says what to do,
the account picker never offers A as its own source, forms show all their errors at once
in the app's words, and toggles differ in shape without colour. On the fixed
FakeWorkspace (tests/tui/fakes.py): none of this calls the cloud."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Select, SelectionList, Static

from armstui.tui.app import ArmsTui
from armstui.tui.screens.add_account import AddAccountScreen
from armstui.tui.screens.flow import FlowScreen
from armstui.tui.widgets.toggles import MarkedCheckbox, MarkedRadioButton, MarkedSelectionList
from tests.tui.conftest import fake_app, running, wait_for


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.mark.parametrize("key", ["k", "e", "r"])
async def test_a_flow_opens_with_no_accounts_and_says_what_to_do(key: str) -> None:
    app = fake_app(aliases=())
    async with running(app, key) as pilot:
        assert isinstance(app.screen, FlowScreen)
        assert "No accounts yet" in text_of(app.screen, "#no-accounts")
        assert not app.screen.query(Select)
        await pilot.press("p")
        await pilot.pause()
        assert "Add an account first" in text_of(app.screen, "#picker-error")
        assert app.state.running is None, "nothing is planned without accounts"
    assert app.return_code in (None, 0) and app._exception is None


@pytest.mark.parametrize(
    ("key", "where", "says"),
    [
        ("a", "#accounts-help", "No accounts yet"),
        ("c", "#summary", "No accounts yet"),
        ("i", "", ""),
    ],
)
async def test_other_screens_open_with_no_accounts(key: str, where: str, says: str) -> None:
    app = fake_app(aliases=())
    async with running(app, key):
        assert app.screen.name != "welcome"
        if where:
            assert says in text_of(app.screen, where)
    assert app._exception is None


async def test_the_monitoring_account_is_never_its_own_source() -> None:
    app = fake_app()
    async with running(app, "k", size=(120, 40)) as pilot:
        sources = app.screen.query_one("#sources", SelectionList)
        row = sources.get_option_at_index(0)
        assert row.value == "monitoring" and row.disabled
        assert "monitoring" not in sources.selected and "source" in sources.selected

        app.screen.query_one("#monitoring", Select).value = "source"
        await pilot.pause()
        sources = app.screen.query_one("#sources", SelectionList)
        assert sources.get_option_at_index(1).disabled, "the new A cannot be ticked"
        assert not sources.get_option_at_index(0).disabled, "the old A can be now"
        assert "source" not in sources.selected
        sources.select("source")  # even forced, it is not taken as a source
        assert app.screen.query_one("#picker").sources == []


async def test_the_flow_form_shows_every_error_at_once_in_its_own_words() -> None:
    app = fake_app()
    async with running(app, "r", size=(120, 40)) as pilot:
        form = app.screen
        form.query_one("#role-name", Input).value = "bad role!"
        form.query_one("#operator-user", Input).value = "no spaces please"
        form.action_plan()
        await pilot.pause()
        role, user = text_of(form, "#role-name-error"), text_of(form, "#operator-user-error")
        assert role.startswith("role:") and user.startswith("user in B:")
        assert form.query_one("#role-name-error").display
        assert form.query_one("#operator-user-error").display
        assert "2 field(s)" in text_of(form, "#form-error")
        assert "--" not in role + user, "no CLI flag names in the app"
        assert app.state.running is None

        form.query_one("#role-name", Input).value = "arms-admin"
        form.query_one("#operator-user", Input).value = "arms-operator"
        form.action_plan()
        await pilot.pause()
        assert not form.query_one("#role-name-error").display
        assert text_of(form, "#form-error") == ""
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen", what="the plan")


async def test_the_add_account_form_shows_every_error_at_once() -> None:
    app = fake_app()
    async with running(app) as pilot:
        app.push_screen(AddAccountScreen(app.state.workspace, sandbox=False))
        await pilot.pause()
        form = app.screen
        form.query_one("#alias", Input).value = "Bad Alias"
        form.query_one("#uid", Input).value = "123"
        form.query_one("#key-id", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = {
            w.id: str(w.render()) for w in form.query(".field-error").results(Static) if w.display
        }
        assert set(shown) == {"alias-error", "uid-error", "key-id-error", "secret-error"}
        assert shown["uid-error"].startswith("account ID:")
        assert shown["secret-error"].startswith("AccessKey secret:")
        assert all("--" not in text for text in shown.values())
        assert app.state.workspace.vault.read("anything") is None


async def test_ticked_and_unticked_differ_without_colour() -> None:
    app = fake_app()
    async with running(app, "k", size=(120, 40)):
        boxes = list(app.screen.query(MarkedCheckbox))
        assert boxes
        box = boxes[0]
        box.value = True
        assert box.BUTTON_INNER == "X"
        box.value = False
        assert box.BUTTON_INNER == " "
        radios = list(app.screen.query(MarkedRadioButton))
        assert {r.BUTTON_INNER for r in radios} == {"●", " "}
        sources = app.screen.query_one(MarkedSelectionList)
        lines = [sources.render_line(y).text for y in range(3)]
        ticked = [line[:3] for line in lines]
        assert ticked[1] == "▐X▌" and ticked[0] == "▐ ▌" and ticked[2] == "▐ ▌"


async def test_the_welcome_menu_has_the_focus_at_start() -> None:
    from textual.widgets import OptionList

    for aliases in ((), ("monitoring", "source")):
        app = fake_app(aliases=aliases)
        async with running(app) as pilot:
            await pilot.pause()
            menu = app.screen.query_one("#menu", OptionList)
            assert app.focused is menu and menu.option_count > 0
            if aliases:  # (with none, the first entry would start a sandbox)
                await pilot.press("enter")  # the first entry, at once
                await pilot.pause()
                assert app.screen.name == "accounts"


def test_no_mouse_runs_the_app_without_mouse_reporting(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from armstui import cli
    from armstui.tui import app as tui_app

    ran: list[bool] = []
    monkeypatch.setattr(ArmsTui, "run", lambda self, **kw: ran.append(kw["mouse"]))
    for args in (["--no-mouse"], []):
        result = CliRunner().invoke(cli.main, args)
        assert result.exit_code == 0, result.output
    assert ran == [False, True]
    assert "--no-mouse" in CliRunner().invoke(cli.main, ["--help"]).output
    assert tui_app.run_app.__kwdefaults__ == {"mouse": True}


async def test_without_a_keyring_the_app_says_so_in_two_lines_and_offers_the_choices() -> None:
    from armstui.secrets.keyring_vault import REMEDY
    from armstui.tui.screens.vault_choice import VaultChoiceScreen

    reason = f"No secure keyring backend is available. {REMEDY}"
    app = fake_app()
    async with running(app) as pilot:
        app.push_screen(VaultChoiceScreen(reason))
        await pilot.pause()
        said = text_of(app.screen, "#vault-reason") + "\n" + text_of(app.screen, "#vault-offer")
        assert said.startswith("No secure keyring backend is available.")
        assert len(said) < 200 and REMEDY not in said
        assert {b.id for b in app.screen.query("Button")} == {"file", "memory", "quit"}
        assert app.screen.query_one("#vault-reason").size.height == 1


@pytest.mark.parametrize(
    ("dialog", "first"),
    [
        ("add", "alias"),
        ("import", "candidates"),
        ("vault", "passphrase"),
        ("reveal", "close"),
    ],
)
async def test_each_dialog_opens_with_the_focus_where_its_first_answer_goes(
    dialog: str, first: str
) -> None:
    from armstui.tui.screens.import_accounts import ImportScreen
    from armstui.tui.screens.reveal import RevealScreen
    from armstui.tui.screens.vault_choice import VaultChoiceScreen

    app = fake_app()
    async with running(app) as pilot:
        workspace = app.state.workspace
        made = {
            "add": lambda: AddAccountScreen(workspace, sandbox=False),
            "import": lambda: ImportScreen(workspace),
            "vault": lambda: VaultChoiceScreen("No secure keyring backend is available."),
            "reveal": lambda: RevealScreen(workspace.vault, "nothing", "arms-operator", "source"),
        }
        app.push_screen(made[dialog]())
        await wait_for(pilot, lambda: app.focused is not None and app.screen.is_modal)
        assert app.focused is app.screen.query_one(f"#{first}")


async def test_the_buttons_do_what_their_keys_do() -> None:
    from textual.widgets import Button

    from armstui.tui.screens.plan import PlanScreen
    from armstui.tui.screens.reveal import RevealScreen

    def press(button_id: str) -> None:
        app.screen.query_one(f"#{button_id}", Button).press()

    app = fake_app()
    async with running(app, "k", size=(120, 40)) as pilot:
        press("plan")  # the flow form's Plan…, as p
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")
        press("no")  # the question's Cancel, as escape
        await wait_for(pilot, lambda: isinstance(app.screen, FlowScreen), what="the form")
        assert app.state.checklist.modes.get("ack") is None
        press("verify")  # the form's Verify, as v: the checklist, where it runs
        await wait_for(pilot, lambda: app.screen.name == "checklist", what="the checklist")
        await wait_for(pilot, lambda: app.state.checklist.modes.get("ack") == "verify")

        app.push_screen(AddAccountScreen(app.state.workspace, sandbox=False))
        await pilot.pause()
        press("save")  # Save, as ctrl+s: every empty field is marked
        await pilot.pause()
        assert "field(s) to fix" in text_of(app.screen, "#form-error")
        press("cancel")  # Cancel, as escape
        await wait_for(pilot, lambda: app.screen.name == "checklist", what="the add form gone")

        app.push_screen(RevealScreen(app.state.workspace.vault, "none", "arms-operator", "source"))
        await pilot.pause()
        press("reveal")  # Reveal, as r: nothing in the vault, nothing to show
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        press("close")  # Close, as escape
        await wait_for(pilot, lambda: app.screen.name == "checklist", what="the reveal gone")
