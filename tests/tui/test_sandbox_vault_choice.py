"""`armstui --sandbox` on a machine without a keyring: the app asks once where the
sandbox's secrets rest (the encrypted file, or this session only), never in plain text;
once that choice is saved, it asks only for what opens the chosen vault."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui import profiles
from armstui.cli.common import SandboxOptions
from armstui.secrets import file_vault
from armstui.tui.app import ArmsTui
from armstui.tui.screens.vault_choice import VaultChoiceScreen
from tests.conftest import CHEAP_SCRYPT_N, SANDBOX_PASSPHRASE, sandbox_secrets
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import wait_for


async def _choice_offered(app: ArmsTui, pilot: object) -> VaultChoiceScreen:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, VaultChoiceScreen),
        timeout=15,
        what="the vault choice",
    )
    assert isinstance(app.screen, VaultChoiceScreen)
    return app.screen


async def test_the_encrypted_file_chosen_once_is_the_sandbox_s_vault_from_then_on(
    sandbox: RunningSandbox,
    bare_state_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    app = ArmsTui(SandboxOptions(True, bare_state_dir))
    async with app.run_test(size=(100, 30)) as pilot:
        offered = await _choice_offered(app, pilot)
        assert "the secrets its flows create" in offered.reason
        await pilot.press(*SANDBOX_PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state.workspace is not None, what="the workspace")
        assert app.state.workspace.vault.kind == "file"
        assert app.state.workspace.endpoint == sandbox.endpoint
    assert profiles.load(bare_state_dir / "config.toml").vault == "file"
    assert (bare_state_dir / "vault.enc").exists()

    # Started again with the passphrase in a file: nothing is asked.
    pw = tmp_path / "pw"
    pw.write_text(SANDBOX_PASSPHRASE)
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(pw))
    again = ArmsTui(SandboxOptions(True, bare_state_dir))
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: again.state.workspace is not None, what="the workspace")
        assert again.state.workspace.vault.kind == "file"
        assert not isinstance(again.screen, VaultChoiceScreen)


async def test_session_only_lasts_the_session(
    sandbox: RunningSandbox, bare_state_dir: Path
) -> None:
    app = ArmsTui(SandboxOptions(True, bare_state_dir))
    async with app.run_test(size=(100, 30)) as pilot:
        await _choice_offered(app, pilot)
        await pilot.click("#memory")
        await wait_for(pilot, lambda: app.state.workspace is not None, what="the workspace")
        assert app.state.workspace.vault.kind == "memory"
    assert not (bare_state_dir / "config.toml").exists()
    assert not (bare_state_dir / "vault.enc").exists()
    again = ArmsTui(SandboxOptions(True, bare_state_dir))
    async with again.run_test(size=(100, 30)) as pilot:
        await _choice_offered(again, pilot)  # asked again


def _buttons(screen: VaultChoiceScreen) -> set[str | None]:
    return {b.id for b in screen.query("Button")}


async def test_a_saved_encrypted_file_is_asked_for_its_passphrase_only(
    sandbox: RunningSandbox, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARMSTUI_VAULT_PASSPHRASE_FILE")  # its passphrase: typed this time
    app = ArmsTui(SandboxOptions(True, state_dir))
    async with app.run_test(size=(100, 30)) as pilot:
        offered = await _choice_offered(app, pilot)
        assert _buttons(offered) == {"file", "quit"} and offered.needs == "file"
        assert "type its passphrase" in str(offered.query_one("#vault-offer").render())
        await pilot.press(*SANDBOX_PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state.workspace is not None, what="the workspace")
        app.state.workspace.vault.store("login/1/op", "typed-in-session-1")
    assert sandbox_secrets(state_dir) == {"login/1/op": "typed-in-session-1"}
    assert profiles.load(state_dir / "config.toml").vault == "file"


async def test_a_saved_keyring_that_is_locked_is_tried_again_never_swapped(
    sandbox: RunningSandbox, bare_state_dir: Path
) -> None:
    """The keyring was chosen; the test HOME has no Secret Service, as when it is locked.
    The dialog offers only to try it again; a choice of another vault (an older dialog's)
    is refused with the reason shown; nothing is made in its place."""
    profiles.save(profiles.Config(vault="keyring"), bare_state_dir / "config.toml")
    app = ArmsTui(SandboxOptions(True, bare_state_dir))
    async with app.run_test(size=(100, 30)) as pilot:
        first = await _choice_offered(app, pilot)
        assert _buttons(first) == {"keyring", "quit"} and first.needs == "keyring"
        assert not first.query("#passphrase") and app.focused is first.query_one("#keyring")
        await pilot.click("#keyring")
        again = await _next_choice(app, pilot, first)
        assert again.needs == "keyring"
        again.dismiss(("file", SANDBOX_PASSPHRASE))
        refused = await _next_choice(app, pilot, again)
        assert str(refused.query_one("#vault-reason").render()) == (
            "The sandbox's secrets are in the keyring vault, so the file vault is refused: "
            "unlock the keyring and open the sandbox again."
        )
        assert refused.needs == "keyring" and app.state.workspace is None
    assert not (bare_state_dir / "vault.enc").exists()
    assert profiles.load(bare_state_dir / "config.toml").vault == "keyring"


async def _next_choice(app: ArmsTui, pilot: object, shown: VaultChoiceScreen) -> VaultChoiceScreen:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, VaultChoiceScreen) and app.screen is not shown,
        timeout=15,
        what="the vault choice again",
    )
    assert isinstance(app.screen, VaultChoiceScreen)
    return app.screen
