"""The doctor's checks of this machine: the vault, the data folder's modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from armstui.cli import main
from armstui.survey.doctor import Status
from armstui.survey.local import file_modes_finding, vault_finding
from armstui.vault import open_vault


def test_file_modes_name_what_others_may_read(tmp_path: Path) -> None:
    data = tmp_path / "armstui"
    data.mkdir(mode=0o700)
    (data / "journal.db").write_text("")
    (data / "journal.db").chmod(0o600)
    assert file_modes_finding(data).status is Status.OK
    (data / "journal.db").chmod(0o644)
    loose = file_modes_finding(data)
    assert loose.status is Status.FAIL and "journal.db (644)" in loose.detail
    assert loose.fix == f"chmod -R go-rwx {data}"


def test_the_vault_kind_is_named_and_session_only_warns() -> None:
    assert vault_finding(open_vault("memory")).status is Status.WARN
    assert "session only" in vault_finding(open_vault("memory")).detail
    assert vault_finding(None).status is Status.WARN


def test_doctor_on_saved_settings_without_accounts_checks_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('vault = "memory"\n')
    monkeypatch.setenv("ARMSTUI_CONFIG", str(config))
    result = CliRunner().invoke(main, ["doctor", "--format", "json"])
    assert result.exit_code == 0, result.output
    checks = {(f["check"], f["status"]) for f in json.loads(result.output)["findings"]}
    assert checks == {("vault", "warn"), ("file modes", "ok")}
