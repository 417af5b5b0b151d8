"""`armstui --sandbox` on a machine without a keyring: the app asks once where the
sandbox's secrets rest (the encrypted file, or this session only), never in plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui import profiles
from armstui.cli.common import SandboxOptions
from armstui.secrets import file_vault
from armstui.tui.app import ArmsTui
from armstui.tui.screens.vault_choice import VaultChoiceScreen
from tests.conftest import CHEAP_SCRYPT_N, SANDBOX_PASSPHRASE
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
