"""The role flow's console password: masked at first, shown on r after a confirmation,
masked again after RevealScreen.SHOW_SECONDS, copied over OSC 52 on c (FakeWorkspace with
a memory vault; the step as the role flow writes it)."""

from __future__ import annotations

import re

import pytest

from armstui.flows.role import password_vault_name
from armstui.tui.app import ArmsTui
from armstui.tui.screens.confirm import ConfirmScreen
from armstui.tui.screens.reveal import MASK, RevealScreen, login_step
from tests.tui.conftest import fake_app, held_timers, wait_for
from tests.tui.fakes import UIDS, FakeWorkspace, journal_run, step

PASSWORD = "Xy7!generated-Pw"


def role_app() -> ArmsTui:
    login = step(
        "role/source/user/arms-operator/login",
        "console login for arms-operator, password in the vault",
        "source",
        "role",
        "ok",
    )
    fake = FakeWorkspace(runs={"role": journal_run("role", [login])})
    fake.vault.store(password_vault_name(UIDS["source"], "arms-operator"), PASSWORD)
    return fake_app(fake)


def drawn(app: ArmsTui) -> str:
    return re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")


def test_the_login_step_is_recognised() -> None:
    assert login_step("role/source/user/arms-operator/login") == ("source", "arms-operator")
    assert login_step("role/monitoring/role/arms-admin") is None


async def _masked_reveal(pilot) -> RevealScreen:
    """From the opened app: the checklist, then the reveal screen with the password masked."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state.workspace is not None)
    await pilot.press("c")
    await pilot.pause()
    await pilot.press("w")
    await wait_for(pilot, lambda: isinstance(app.screen, RevealScreen), what="the reveal")
    reveal = app.screen
    await wait_for(pilot, lambda: MASK in str(reveal.query_one("#secret-value").render()))
    return reveal


async def test_the_password_is_masked_then_shown_on_request_then_hidden_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = role_app()
    async with app.run_test(size=(80, 24)) as pilot:
        reveal = await _masked_reveal(pilot)
        assert PASSWORD not in drawn(app)
        timers = held_timers(reveal, monkeypatch)  # fired below, when the test says

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("escape")  # no: nothing shows
        await pilot.pause()
        assert app.screen is reveal and PASSWORD not in drawn(app)

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        await pilot.pause()
        assert reveal.shown and PASSWORD in drawn(app)
        assert [delay for delay, _ in timers] == [RevealScreen.SHOW_SECONDS]
        timers[0][1]()  # its time is up
        await pilot.pause()
        assert not reveal.shown and PASSWORD not in drawn(app)

        await pilot.press("c")  # confirmed once on this screen: copies at once
        await pilot.pause()
        assert app.clipboard == PASSWORD
        assert PASSWORD not in drawn(app)


async def test_copying_first_asks_too() -> None:
    app = role_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _masked_reveal(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert app.clipboard != PASSWORD
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == PASSWORD
        assert PASSWORD not in drawn(app)
