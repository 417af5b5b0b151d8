"""Secrets in the app: typed into a hidden field, straight into the vault, never drawn;
the reveal key; the vault choice when no keyring is usable."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual._compositor import CompositorUpdate

from armstui import credentials as cred
from armstui import paths
from armstui.flows.journal import Journal
from armstui.flows.workspace import Workspace
from armstui.tui.app import ArmsTui
from armstui.tui.screens.add_account import AddAccountScreen
from armstui.tui.screens.vault_choice import VaultChoiceScreen
from armstui.tui.widgets import secret_field
from armstui.tui.widgets.secret_field import SecretField
from armstui.vault import MemoryVault
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import held_timers, wait_for


def record_frames(app: ArmsTui) -> list[str]:
    """Every update the app would draw, as text (headless apps skip the terminal write,
    App._display, so the recorder renders the same updates itself)."""
    frames: list[str] = []
    console = Console(width=200, color_system=None, force_terminal=False)
    display = app._display  # noqa: SLF001

    def recording(screen, renderable) -> None:  # type: ignore[no-untyped-def]
        if isinstance(renderable, CompositorUpdate):
            frames.append(renderable.render_segments(console))
        display(screen, renderable)

    app._display = recording  # type: ignore[method-assign]  # noqa: SLF001
    return frames


async def test_a_typed_secret_goes_to_the_vault_and_is_never_drawn(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    source = sandbox.accounts["source"]
    secret = source["access_key_secret"]
    workspace = Workspace(
        {}, MemoryVault(), Journal(tmp_path / "journal.db"), endpoint=sandbox.endpoint
    )
    app = ArmsTui(workspace_factory=lambda: workspace)
    frames = record_frames(app)
    screenshots: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None)
        await pilot.press("n")  # welcome: add an account
        await wait_for(
            pilot, lambda: isinstance(app.screen, AddAccountScreen), what="the add-account form"
        )
        form = app.screen
        form.query_one("#alias").value, form.query_one("#uid").value = "src-b", source["uid"]
        form.query_one("#key-id").value = source["access_key_id"]
        form.query_one("#secret").focus()  # the secret itself is typed, key by key
        for i, ch in enumerate(secret):
            await pilot.press(ch)
            if i % 8 == 7:  # every frame is recorded; a full screenshot now and then
                screenshots.append(app.export_screenshot())
        assert app.screen.query_one("#secret").value == secret
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "src-b" in app.state.accounts, what="the account to be added")
        await wait_for(pilot, lambda: app.state.identities.get("src-b") is not None, what="whoami")
        assert app.state.identities["src-b"].caller.account_id == source["uid"]
        await pilot.press("l")  # the call log too
        await pilot.pause()
        screenshots.append(app.export_screenshot())

    assert len(frames) > 20
    assert not [f for f in frames if secret in f], "a frame showed the secret"
    assert not [s for s in screenshots if secret in s]
    assert "•" * len(secret) in "".join(frames), "the field shows one dot per typed character"
    assert workspace.vault.read(cred.vault_name(source["access_key_id"])) == secret
    config = (Path.home() / ".config" / "armstui" / "config.toml").read_text()
    assert secret not in config
    assert (
        tomllib.loads(config)["accounts"]["src-b"]["credential"]["access_key_id"]
        == source["access_key_id"]
    )


async def test_reveal_shows_the_secret_briefly_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    workspace = Workspace(
        {}, MemoryVault(), Journal(tmp_path / "journal.db"), endpoint="127.0.0.1:9"
    )
    app = ArmsTui(workspace_factory=lambda: workspace)
    warnings: list[str] = []
    notify = app.notify

    def recorded(message: str, **kw: Any) -> None:
        if kw.get("severity") == "warning":
            warnings.append(message)
        notify(message, **kw)

    monkeypatch.setattr(app, "notify", recorded)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AddAccountScreen))
        field = app.screen.query_one("#secret", SecretField)
        field.focus()
        await pilot.press(*"hunter2-xyz")
        timers = held_timers(field, monkeypatch)  # fired below, when the test says

        def drawn() -> str:  # the field's own line (the warning toast may cover it on screen)
            return field.render_line(0).text

        assert "hunter2-xyz" not in drawn() and "•" * 11 in drawn()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not field.password and "hunter2-xyz" in drawn()
        assert any("visible" in w for w in warnings)
        assert [delay for delay, _ in timers] == [secret_field.REVEAL_SECONDS]
        timers[0][1]()  # the reveal's time is up
        await pilot.pause()
        assert field.password and "hunter2-xyz" not in drawn()


async def test_without_a_keyring_the_app_offers_session_only_and_encrypted_file() -> None:
    app = ArmsTui()  # saved accounts; the test HOME has no Secret Service
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, VaultChoiceScreen),
            timeout=15,
            what="the vault choice",
        )
        assert "never in plain text" in app.export_screenshot().replace("&#160;", " ")
        await pilot.click("#memory")
        await wait_for(pilot, lambda: app.state.workspace is not None, what="the workspace")
        assert app.state.workspace.vault.kind == "memory"

    app = ArmsTui()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, VaultChoiceScreen), timeout=15)
        await pilot.press(*"correct-horse-battery")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state.workspace is not None)
        vault = app.state.workspace.vault
        assert vault.kind == "file"
        vault.store("probe", "value-123456")
        assert vault.read("probe") == "value-123456"


async def test_a_passphrase_the_file_vault_refuses_is_named_and_asked_again(isolated_home) -> None:

    app = ArmsTui()  # saved accounts; the test HOME has no Secret Service
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, VaultChoiceScreen),
            timeout=15,
            what="the vault choice",
        )
        first = app.screen
        await pilot.press(*"short")  # a new file needs at least 8 characters
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, VaultChoiceScreen) and app.screen is not first,
            timeout=15,
            what="the choice offered again",
        )
        assert "passphrase: must be at least 8 characters" in app.screen.reason
        assert not paths.vault_file_path().exists()  # nothing was written
        app.screen.query_one("#passphrase").value = "broken-\ud800-paste"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VaultChoiceScreen) and app.state.workspace is None
        assert any("passphrase: must be text" in n.message for n in app._notifications)  # noqa: SLF001
        app.screen.query_one("#passphrase").value = "long-enough-now"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state.workspace is not None, what="the workspace")
        assert app.state.workspace.vault.kind == "file" and paths.vault_file_path().exists()
