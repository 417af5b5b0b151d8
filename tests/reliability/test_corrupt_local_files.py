"""armstui's own files, broken or tampered with: journal.db, vault.enc, sandbox.json, the
passphrase file and config.toml. Each gets one line naming the file and what to do, exit 1
or 2, no traceback, no hang, and the file is left as it was."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner, Result

from armstui import paths
from armstui.cli import main
from armstui.flows.journal import Journal
from armstui.secrets import file_vault
from armstui.secrets.file_vault import FileVault
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

UID = "1234567890123456"
KEY_ID = "LTAI5tAbCdEfGhIjKlMn"
PASSPHRASE = "correct horse battery"


def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def clean_failure(result: Result, *codes: int) -> str:
    """The one message on stderr of a run that ended with one of ``codes``, no traceback."""
    assert result.exit_code in codes, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result.stderr


# --- journal.db -------------------------------------------------------------------------------


def _real_journal(path: Path) -> None:
    journal = Journal(path)
    for n in range(50):
        journal.start_run(f"ack:setup-{n}", "apply", [])
    journal.close()


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(20_000))


def _truncated(path: Path) -> None:
    _real_journal(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


@pytest.mark.parametrize("damage", [_garbage, _truncated], ids=["garbage", "truncated"])
def test_a_broken_sandbox_journal_is_named_with_the_way_to_move_it_aside(
    sandbox: RunningSandbox, state_dir: Path, damage: object
) -> None:
    journal = state_dir / "journal.db"
    damage(journal)  # type: ignore[operator]
    before = journal.read_bytes()
    result = invoke(
        "--sandbox-state",
        str(state_dir),
        "verify",
        "--flow",
        "ack",
        "--monitoring",
        "monitoring",
        "--source",
        "source",
    )
    message = clean_failure(result, 1)
    assert str(journal) in message and f"mv {journal} {journal}.broken" in message
    assert journal.read_bytes() == before
    assert not Path(f"{journal}.broken").exists()


def test_a_broken_journal_of_the_real_accounts_is_named_too(isolated_home: Path) -> None:
    journal = paths.journal_path()
    _garbage(journal)
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text('vault = "memory"\n')  # no keyring on the test machine
    result = invoke("report")
    message = clean_failure(result, 1, 2)
    assert f"mv {journal} {journal}.broken" in message


def test_the_journal_moved_aside_as_told_lets_the_next_run_start_afresh(
    sandbox: RunningSandbox, state_dir: Path
) -> None:
    journal = state_dir / "journal.db"
    _garbage(journal)
    os.replace(journal, f"{journal}.broken")
    result = invoke("--sandbox-state", str(state_dir), "report")
    assert "cannot be used" not in result.stderr, result.stderr


# --- vault.enc ---------------------------------------------------------------------------------


@pytest.fixture
def file_vault_account(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """An account whose secret is in an encrypted file vault (cheap KDF), and the
    environment that names its passphrase file."""
    monkeypatch.setattr(file_vault, "SCRYPT_N", 2**12)
    FileVault(paths.vault_file_path(), PASSPHRASE).store(f"accesskey/{KEY_ID}", "S" * 30)
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text(
        tomli_w.dumps(
            {
                "vault": "file",
                "accounts": {
                    "dev": {
                        "uid": UID,
                        "credential": {"source": "vault", "access_key_id": KEY_ID},
                    }
                },
            }
        )
    )
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    passphrase_file.chmod(0o600)
    return {"ARMSTUI_VAULT_PASSPHRASE_FILE": str(passphrase_file)}


def _tamper(change: dict[str, object]) -> bytes:
    path = paths.vault_file_path()
    header = json.loads(path.read_text())
    header["kdf"].update(change)
    path.write_text(json.dumps(header))
    return path.read_bytes()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"n": 2**40}, "kdf.n"),
        ({"n": 2**17 + 1}, "kdf.n"),
        ({"r": 2**20}, "kdf.r"),
        ({"p": 10**6}, "kdf.p"),
        ({"n": "131072"}, "kdf.n"),
        ({"n": 2**20, "r": 32}, "MiB"),
        ({"salt": base64.b64encode(b"x" * 10_000).decode()}, "kdf.salt"),
    ],
)
def test_tampered_kdf_parameters_are_refused_before_the_kdf_runs(
    file_vault_account: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    named: str,
) -> None:
    tampered = _tamper(change)

    def no_kdf(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the KDF ran on tampered parameters")

    monkeypatch.setattr(file_vault, "_derive", no_kdf)
    result = invoke("accounts", "remove", "dev", env=file_vault_account)
    message = clean_failure(result, 2)
    assert str(paths.vault_file_path()) in message and named in message
    assert paths.vault_file_path().read_bytes() == tampered
    assert "dev" in paths.config_path().read_text()


def test_a_vault_file_others_may_read_is_refused_with_chmod(
    file_vault_account: dict[str, str],
) -> None:
    vault = paths.vault_file_path()
    vault.chmod(0o644)
    result = invoke("whoami", "--account", "dev", env=file_vault_account)
    message = clean_failure(result, 2)
    assert f"chmod 600 {vault}" in message
    assert oct(vault.stat().st_mode & 0o777) == "0o644"  # left as it was


@pytest.mark.parametrize(
    "source",
    ["/dev/zero", "binary", "huge"],
)
def test_a_passphrase_file_that_is_endless_or_not_text_is_refused(
    file_vault_account: dict[str, str], tmp_path: Path, source: str
) -> None:
    if source == "binary":
        path = tmp_path / "binary"
        path.write_bytes(b"\xff\xfe\x00pass\x01")
        source = str(path)
    elif source == "huge":
        path = tmp_path / "huge"
        path.write_bytes(b"a" * 10_000_000)
        source = str(path)
    result = invoke("whoami", "--account", "dev", env={"ARMSTUI_VAULT_PASSPHRASE_FILE": source})
    message = clean_failure(result, 2)
    assert f"ARMSTUI_VAULT_PASSPHRASE_FILE: {source}" in message
    assert "passphrase" in message


# --- sandbox.json -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    ["not an endpoint", "127.0.0.1:99999", "127.0.0.1", "evil.example/x:80", 5, None],
)
def test_a_bad_sandbox_endpoint_is_named_and_the_file_left_alone(
    sandbox: RunningSandbox, state_dir: Path, endpoint: object
) -> None:
    described = json.loads((state_dir / "sandbox.json").read_text())
    described["endpoint"] = endpoint
    (state_dir / "sandbox.json").write_text(json.dumps(described))
    before = (state_dir / "sandbox.json").read_bytes()
    for args in (["whoami", "--account", "source"], ["report"]):
        result = invoke("--sandbox-state", str(state_dir), *args)
        message = clean_failure(result, 2)
        assert "sandbox.json" in message and "endpoint" in message, message
        assert (state_dir / "sandbox.json").read_bytes() == before


def test_a_deeply_nested_sandbox_json_is_named(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "sandbox.json").write_text("[" * 100_000 + "]" * 100_000)
    for args in (["whoami", "--account", "source"], ["report"], ["accounts", "list"]):
        result = invoke("--sandbox-state", str(state), *args)
        message = clean_failure(result, 2)
        assert "sandbox.json" in message, message
    assert not (state / "sandbox.db").exists()  # no sandbox was started on it


# --- config.toml ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        {
            "accounts": {
                "dev": {
                    "uid": UID,
                    "credential": {
                        "source": "vault",
                        "access_key_id": KEY_ID,
                        "access_key_secret": "S" * 30,
                    },
                }
            }
        },
        {"accounts": {"dev": {"uid": UID, "access_key_secret": "S" * 30}}},
        {"password": "hunter2hunter2"},
    ],
)
def test_a_secret_written_into_config_toml_is_refused_and_named(
    isolated_home: Path, entry: dict[str, object]
) -> None:
    config = paths.config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(tomli_w.dumps(entry))
    before = config.read_bytes()
    for args in (["accounts", "list"], ["whoami", "--account", "dev"]):
        result = invoke(*args)
        message = clean_failure(result, 2)
        assert str(config) in message and "vault" in message, message
        assert "S" * 30 not in result.output and "hunter2" not in result.output
    assert config.read_bytes() == before


# --- a folder or a named pipe where a file should be ------------------------------------------


def _cli(state_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A separate armstui process, so that a read that never ends fails the test by timeout
    instead of hanging the test run."""
    return subprocess.run(
        [sys.executable, "-m", "armstui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.mark.parametrize("kind", ["fifo", "dir"])
@pytest.mark.parametrize("name", ["journal.db", "sandbox.json", "config.toml"])
def test_a_pipe_or_folder_in_place_of_a_sandbox_file_is_refused_at_once(
    sandbox: RunningSandbox, state_dir: Path, name: str, kind: str
) -> None:
    path = state_dir / name
    path.unlink(missing_ok=True)
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    done = _cli(state_dir, "--sandbox-state", str(state_dir), "report", env={})
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert "Traceback" not in done.stderr and str(path) in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_a_pipe_or_folder_in_place_of_the_vault_is_refused_at_once(
    file_vault_account: dict[str, str], kind: str
) -> None:
    vault = paths.vault_file_path()
    vault.unlink()
    os.mkfifo(vault) if kind == "fifo" else vault.mkdir()
    done = _cli(Path(), "whoami", "--account", "dev", env=file_vault_account)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and f"mv {vault} {vault}.broken" in done.stderr
