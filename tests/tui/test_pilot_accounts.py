"""The accounts screen's keys change the saved accounts: m and s pick A and the Bs, p marks
production, d removes an account once asked; each change is written to config.toml off the
UI thread, and one that cannot be written is said, not lost in a log."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui import accounts as ops
from armstui import profiles
from armstui.flows.journal import Journal
from armstui.flows.workspace import Workspace
from armstui.model import DEFAULT_REGION
from armstui.tui.app import ArmsTui
from armstui.tui.screens.accounts import AccountsScreen
from armstui.tui.screens.confirm import ConfirmScreen
from armstui.vault import MemoryVault
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import running, wait_for


async def test_the_accounts_keys_change_what_config_toml_saves(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = MemoryVault()
    workspace = Workspace({}, vault, Journal(tmp_path / "journal.db"), endpoint=sandbox.endpoint)
    for alias, name in (("mon-a", "monitoring"), ("src-b", "source")):
        account = sandbox.accounts[name]
        new = ops.NewAccount(
            alias,
            account["uid"],
            DEFAULT_REGION,
            account["access_key_id"],
            account["access_key_secret"],
        )
        ops.add_account(workspace, new, vault, saved=True)
    app = ArmsTui(workspace_factory=lambda: workspace)
    async with running(app, size=(120, 40)) as pilot:
        state = app.state
        assert (state.monitoring, state.sources) == ("mon-a", ["src-b"])  # the defaults
        assert profiles.load().monitoring is None  # nothing chosen is saved yet
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountsScreen), what="accounts")

        await pilot.press("m")  # the cursor starts on mon-a
        await wait_for(pilot, lambda: profiles.load().monitoring == "mon-a", what="A saved")
        await pilot.press("down", "s")  # src-b is a source no more
        await wait_for(
            pilot,
            lambda: state.sources == [] and profiles.load().sources == [],
            what="no source saved",
        )
        await pilot.press("s")
        await wait_for(pilot, lambda: profiles.load().sources == ["src-b"], what="B saved")

        await pilot.press("p")
        await wait_for(
            pilot,
            lambda: (
                state.accounts["src-b"].production and profiles.load().account("src-b").production  # type: ignore[union-attr]
            ),
            what="src-b saved as production",
        )

        def unwritable(monitoring: str | None, sources: list[str]) -> None:
            raise OSError("config.toml is read-only")

        monkeypatch.setattr(ops, "save_roles", unwritable)
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: any(
                n.title == "Not saved" and "read-only" in n.message
                for n in app._notifications  # noqa: SLF001
            ),
            what="the failure said",
        )
        assert profiles.load().sources == ["src-b"]  # what was saved stays

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: "src-b" not in state.accounts and profiles.load().account("src-b") is None,
            what="src-b removed",
        )
        assert "src-b" not in state.sources
        assert [a.alias for a in profiles.load().accounts] == ["mon-a"]
