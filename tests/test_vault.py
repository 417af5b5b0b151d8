"""The vault against a real Secret Service, and its refusals."""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

import pytest

from armstui import vault
from armstui.secrets import file_vault, keyring_vault, redaction
from armstui.vault import KeyringVault, VaultUnavailable
from tests.conftest import CHEAP_SCRYPT_N, SANDBOX_PASSPHRASE


def test_round_trip_uses_the_secret_service(secret_service: str) -> None:
    v = KeyringVault(service=f"armstui-test-{secrets.token_hex(4)}")
    assert v.backend_name == "keyring.backends.SecretService.Keyring"
    secret = secrets.token_urlsafe(24)
    assert v.read("acct/key") is None
    v.store("acct/key", secret)
    assert v.read("acct/key") == secret
    assert v.delete("acct/key") is True
    assert v.read("acct/key") is None
    assert v.delete("acct/key") is False


def test_entries_are_namespaced_by_service(secret_service: str) -> None:
    real, sandbox = KeyringVault("armstui-ns-a"), KeyringVault("armstui-ns-b")
    real.store("k", "real-secret-value")
    try:
        assert sandbox.read("k") is None
    finally:
        real.delete("k")


@pytest.mark.parametrize(
    "backend",
    [
        "keyrings.alt.file.PlaintextKeyring",
        "keyring.backends.null.Keyring",
        "keyring.backends.fail.Keyring",
    ],
)
def test_insecure_backends_are_refused(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend.startswith("keyrings.alt"):
        # keyrings.alt is not a dependency; a stand-in with the same name proves the refusal.
        _install_fake_keyrings_alt(monkeypatch)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    with pytest.raises(VaultUnavailable) as info:
        KeyringVault().store("x", "some-secret-value")
    message = str(info.value)
    assert backend in message
    assert "Secret Service" in message


def test_no_backend_at_all_is_refused_with_a_remedy() -> None:
    # No D-Bus session (the autouse fixture removed it): nothing recommended is viable.
    with pytest.raises(VaultUnavailable, match="gnome-keyring-daemon"):
        KeyringVault().read("x")


def test_a_hanging_keyring_times_out() -> None:
    """The caller gets its answer while the keyring call is still stuck: no clock is read,
    the stuck call is released only after the caller was answered."""
    v = KeyringVault(timeout=0.2)
    entered, release = threading.Event(), threading.Event()

    class Hangs:
        def get_password(self, service: str, name: str) -> str:
            entered.set()
            release.wait()
            return "never"

    v._backend = Hangs()
    try:
        with pytest.raises(VaultUnavailable, match="did not answer within 0.2 s"):
            v.read("x")
        assert entered.is_set() and not release.is_set()  # answered while the call still hangs
    finally:
        release.set()


class Busy:
    """A Secret Service whose D-Bus connection fails to authenticate in time ``failures`` times."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls, self.entries = failures, 0, {}

    def get_password(self, service: str, name: str) -> str | None:
        self.calls += 1
        if self.calls <= self.failures:
            raise TimeoutError("Did not authenticate in 1.0 seconds")
        return self.entries.get(name)


def test_a_busy_keyring_is_asked_again_then_answers() -> None:
    v = KeyringVault()
    v._backend = busy = Busy(failures=keyring_vault.TRANSIENT_ATTEMPTS - 1)
    busy.entries["x"] = "kept-" + secrets.token_hex(8)
    assert v.read("x") == busy.entries["x"] and busy.calls == keyring_vault.TRANSIENT_ATTEMPTS


def test_a_keyring_that_stays_busy_is_unavailable_with_a_remedy() -> None:
    v = KeyringVault()
    v._backend = busy = Busy(failures=99)
    with pytest.raises(
        VaultUnavailable, match="did not answer while trying to read a secret: TimeoutError"
    ):
        v.read("x")
    assert busy.calls == keyring_vault.TRANSIENT_ATTEMPTS


def test_a_secret_service_probe_that_timed_out_once_is_tried_again(
    secret_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core
    from keyring.backends import fail

    real_get = keyring.core.get_keyring
    answers = iter([fail.Keyring()])  # the first probe skipped the Secret Service (auth timeout)
    monkeypatch.setattr(keyring, "get_keyring", lambda: next(answers, None) or real_get())
    assert KeyringVault().backend_name == "keyring.backends.SecretService.Keyring"


def test_redact_masks_every_known_secret() -> None:
    a, b = secrets.token_hex(16), secrets.token_hex(20)
    redaction.redactor.add(a)
    redaction.redactor.add(b)
    text = f"key={a} other {b}{a} end"
    out = redaction.redact(text)
    assert a not in out and b not in out
    assert out == "key=**** other ******** end"


def test_redact_is_one_pass_even_with_hundreds_of_secrets() -> None:
    """What was masked is never matched again (a masked value read back, all stars, may be
    a known secret too), the longest secret at a place wins, and hundreds of secrets (an
    organisation's assumed roles) are all masked."""
    redactor = redaction.Redactor()
    many = [secrets.token_hex(8 + n % 40) for n in range(400)]
    for secret in [*many, "******", "abcdefgh", "cdefghijkl"]:
        redactor.add(secret)
    assert redactor.redact(f"{many[0]}{many[1]} and {many[399]}") == "******** and ****"
    assert redactor.redact("xabcdefghijkl") == "x****ijkl"
    assert redactor.redact("********") == "******"


def test_short_strings_are_not_treated_as_secrets() -> None:
    redaction.redactor.add("abc")
    assert redaction.redact("abc def") == "abc def"


def _install_fake_keyrings_alt(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from keyring.backend import KeyringBackend

    class PlaintextKeyring(KeyringBackend):
        priority = 0.5  # as keyrings.alt declares it

        def get_password(self, service, username):  # pragma: no cover - never reached
            return None

        def set_password(self, service, username, password):  # pragma: no cover
            raise AssertionError("a plaintext keyring must never receive a secret")

        def delete_password(self, service, username):  # pragma: no cover
            pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    PlaintextKeyring.__qualname__ = "PlaintextKeyring"
    pkg, alt, file_mod = (
        types.ModuleType(n) for n in ("keyrings", "keyrings.alt", "keyrings.alt.file")
    )
    file_mod.PlaintextKeyring = PlaintextKeyring
    pkg.__path__, alt.__path__ = [], []
    pkg.alt, alt.file = alt, file_mod
    for name, mod in (("keyrings", pkg), ("keyrings.alt", alt), ("keyrings.alt.file", file_mod)):
        monkeypatch.setitem(sys.modules, name, mod)


# --- the rest of the vault: memory, sandbox, choosing one, logs -------------------------


def test_memory_vault_is_per_process_and_redacts() -> None:
    mem = vault.open_vault("memory")
    assert mem is vault.session_vault() and mem.kind == "memory"
    secret = secrets.token_urlsafe(20)
    mem.store("k", secret)
    assert vault.open_vault("memory").read("k") == secret
    assert redaction.redact(f"[{secret}]") == "[****]"
    assert mem.delete("k") is True and mem.read("k") is None


def test_a_sandbox_vault_is_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stat

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    state, other = tmp_path / "state", tmp_path / "other"
    sealed = vault.open_sandbox_vault(state, "file", SANDBOX_PASSPHRASE)
    assert sealed.kind == "file"
    sealed.store("reporter/1/u/k", "sandbox-secret-1")
    again = vault.open_sandbox_vault(state, "file", SANDBOX_PASSPHRASE)
    assert again.read("reporter/1/u/k") == "sandbox-secret-1"
    assert b"sandbox-secret-1" not in (state / "vault.enc").read_bytes()
    assert stat.S_IMODE((state / "vault.enc").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    # Session only: one per sandbox, apart from every other and from the real accounts'.
    mine = vault.open_sandbox_vault(state, "memory")
    mine.store("k", "session-secret-1")
    assert vault.open_sandbox_vault(state, "memory").read("k") == "session-secret-1"
    assert vault.open_sandbox_vault(other, "memory").read("k") is None
    assert vault.session_vault().read("k") is None


def test_a_sandbox_keyring_vault_has_a_service_of_its_own(
    secret_service: str, tmp_path: Path
) -> None:
    opened = vault.open_sandbox_vault(tmp_path / "state", "keyring")
    assert isinstance(opened, KeyringVault)
    assert opened.service == f"armstui-sandbox {(tmp_path / 'state').resolve()}"


PLAINTEXT = {"reporter/1/u/LTAI1": "old-reporter-secret-1", "login/1/op": "old-password-1"}


def _older_sandbox(state: Path) -> Path:
    """A state dir where an older armstui left its generated secrets in plaintext."""
    state.mkdir(mode=0o700)
    legacy = state / "vault.json"
    legacy.write_text(json.dumps(PLAINTEXT))
    legacy.chmod(0o600)
    return legacy


def test_plaintext_secrets_of_an_older_version_move_into_the_chosen_vault_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from armstui import profiles
    from armstui.accounts import sandbox_vault

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    state = tmp_path / "state"
    legacy = _older_sandbox(state)
    opened = sandbox_vault(state, "file", SANDBOX_PASSPHRASE)
    assert not legacy.exists() and profiles.load(state / "config.toml").vault == "file"
    assert {name: opened.read(name) for name in PLAINTEXT} == PLAINTEXT
    sealed = (state / "vault.enc").read_bytes()
    assert not [s for s in PLAINTEXT.values() if s.encode() in sealed]
    opened.delete("login/1/op")  # a later change is not undone by opening it again
    reopened = sandbox_vault(state, "file", SANDBOX_PASSPHRASE)
    assert reopened.read("login/1/op") is None
    assert reopened.read("reporter/1/u/LTAI1") == "old-reporter-secret-1"


def test_opening_a_sandbox_s_vault_alone_moves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only choosing the vault (and saving that choice) moves the plaintext secrets: a
    caller that opens one and then gives up leaves them where the next choice finds them."""
    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    legacy = _older_sandbox(tmp_path / "state")
    opened = vault.open_sandbox_vault(tmp_path / "state", "file", SANDBOX_PASSPHRASE)
    assert json.loads(legacy.read_text()) == PLAINTEXT
    assert [opened.read(name) for name in PLAINTEXT] == [None, None]


def test_plaintext_secrets_are_not_moved_into_a_session_only_vault(tmp_path: Path) -> None:
    from armstui.accounts import VaultNotOpened, sandbox_vault

    legacy = _older_sandbox(tmp_path / "state")
    with pytest.raises(VaultNotOpened, match="session-only vault would forget the secrets"):
        sandbox_vault(tmp_path / "state", "memory")
    assert json.loads(legacy.read_text()) == PLAINTEXT  # untouched
    assert not (tmp_path / "state" / "config.toml").exists()


def test_an_unreadable_plaintext_vault_is_named_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from armstui.accounts import VaultNotOpened, sandbox_vault

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    legacy = _older_sandbox(tmp_path / "state")
    legacy.write_text('{"reporter/1": "a-secret-cut-off')
    with pytest.raises(VaultNotOpened) as info:
        sandbox_vault(tmp_path / "state", "file", SANDBOX_PASSPHRASE)
    assert f"mv {legacy} {legacy}.broken" in str(info.value)
    assert "a-secret-cut-off" not in str(info.value) and legacy.exists()


def test_a_sandbox_without_a_choice_or_a_keyring_says_how_to_choose(tmp_path: Path) -> None:
    from armstui.accounts import VaultNotOpened, sandbox_vault

    with pytest.raises(VaultNotOpened) as info:
        sandbox_vault(tmp_path / "state")
    message = str(info.value)
    assert "ARMSTUI_VAULT_PASSPHRASE_FILE" in message and "armstui --sandbox" in message
    assert "Plaintext is never offered" in message and info.value.exit_code == 2
    assert not (tmp_path / "state" / "config.toml").exists()
    assert not (tmp_path / "state" / "vault.enc").exists()


def test_a_passphrase_file_chooses_the_sandbox_s_encrypted_file_and_the_choice_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from armstui import profiles
    from armstui.accounts import sandbox_vault

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    pw = tmp_path / "pw"
    pw.write_text(SANDBOX_PASSPHRASE)
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(pw))
    state = tmp_path / "state"
    assert sandbox_vault(state).kind == "file" and (state / "vault.enc").exists()
    assert profiles.load(state / "config.toml").vault == "file"
    assert sandbox_vault(state, "file").kind == "file"  # the saved one, asked for by name


@pytest.mark.parametrize("other", ["keyring", "memory"])
def test_a_sandbox_s_saved_file_vault_is_not_swapped_for_another(
    other: str, secret_service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another vault, even for this session only, would hide the secrets in the file and
    keep new ones where the next session does not look: refused, naming what opens it."""
    from armstui import profiles
    from armstui.accounts import VaultNotOpened, sandbox_vault

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    state = tmp_path / "state"
    sandbox_vault(state, "file", SANDBOX_PASSPHRASE).store("login/1/op", "kept-password-1")
    with pytest.raises(VaultNotOpened) as info:
        sandbox_vault(state, other)
    message = str(info.value)
    assert message.startswith(f"The sandbox's secrets are in the file vault, so the {other} ")
    assert "its passphrase" in message and str(state / "config.toml") in message
    assert info.value.needs == "file" and info.value.exit_code == 2
    assert profiles.load(state / "config.toml").vault == "file"
    assert sandbox_vault(state, None, SANDBOX_PASSPHRASE).read("login/1/op") == "kept-password-1"


def test_a_secure_keyring_is_the_sandbox_s_vault_when_none_was_chosen(
    secret_service: str, tmp_path: Path
) -> None:
    from armstui import profiles
    from armstui.accounts import sandbox_vault

    opened = sandbox_vault(tmp_path / "state")
    assert isinstance(opened, KeyringVault) and "armstui-sandbox" in opened.service
    assert profiles.load(tmp_path / "state" / "config.toml").vault == "keyring"


def test_a_sandbox_s_locked_keyring_is_not_swapped_for_an_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keyring was chosen; this time it does not open (the test HOME has no Secret
    Service) and the operator offers the encrypted file's passphrase: refused, naming the
    keyring; no vault.enc is made, the choice stays."""
    from armstui import profiles
    from armstui.accounts import VaultNotOpened, sandbox_vault

    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    profiles.save(profiles.Config(vault="keyring"), state / "config.toml")
    for kind, passphrase in (("file", SANDBOX_PASSPHRASE), ("memory", None)):
        with pytest.raises(VaultNotOpened) as info:
            sandbox_vault(state, kind, passphrase)
        assert str(info.value).startswith(
            f"The sandbox's secrets are in the keyring vault, so the {kind} vault is refused: "
            "unlock the keyring and open the sandbox again."
        )
        assert info.value.needs == "keyring"
    assert not (state / "vault.enc").exists()
    with pytest.raises(VaultNotOpened) as chosen_before:
        sandbox_vault(state)
    assert chosen_before.value.needs == "keyring"  # the app asks only to try it again
    assert profiles.load(state / "config.toml").vault == "keyring"


def test_open_vault_keyring_uses_the_secret_service(secret_service: str) -> None:
    v = vault.open_vault(None)
    assert isinstance(v, KeyringVault) and v.service == "armstui" and v.kind == "keyring"


def test_open_vault_without_a_keyring_offers_the_two_safe_ways() -> None:
    with pytest.raises(VaultUnavailable) as info:
        vault.open_vault("keyring")
    message = str(info.value)
    assert "encrypted file vault" in message and "session-only" in message
    assert "Plaintext is never offered" in message


def test_open_vault_refuses_an_unknown_kind() -> None:
    with pytest.raises(VaultUnavailable, match="must be one of keyring, file, memory"):
        vault.open_vault("plaintext")


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    secret = secrets.token_urlsafe(24)
    redaction.redactor.add(secret)
    logger = logging.getLogger("armstui.test.redaction")
    logger.addFilter(redaction.RedactingFilter())
    with caplog.at_level(logging.INFO, logger="armstui.test.redaction"):
        logger.info("signed with %s", secret)
        try:
            raise RuntimeError(f"server said {secret}")
        except RuntimeError:
            logger.exception("call failed for key %s", "LTAIxxxx")
    text = caplog.text
    assert secret not in text
    assert "signed with ****" in text and "server said ****" in text and "LTAIxxxx" in text


def test_install_log_redaction_covers_handlers() -> None:
    import io
    import logging

    secret = secrets.token_urlsafe(24)
    redaction.redactor.add(secret)
    stream = io.StringIO()
    parent = logging.getLogger("armstui.test.handlers")
    handler = logging.StreamHandler(stream)
    parent.addHandler(handler)
    try:
        redaction.install_log_redaction(parent)
        logging.getLogger("armstui.test.handlers.child").warning("token=%s", secret)
    finally:
        parent.removeHandler(handler)
    assert stream.getvalue() == "token=****\n"


def test_a_secret_service_that_came_up_later_is_found(
    secret_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """keyring decides once per process which backends are viable; a long-running app whose
    first look came before the Secret Service was up must still find it later."""
    import keyring.backend

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    with pytest.raises(VaultUnavailable):
        _ = (
            KeyringVault().backend
        )  # no bus: only the fail backend is viable, and keyring remembers that
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service)
    assert not any("SecretService" in type(b).__module__ for b in keyring.backend.get_all_keyring())
    assert KeyringVault().backend_name == "keyring.backends.SecretService.Keyring"


def test_a_keyring_variable_naming_something_else_is_refused_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "json.JSONDecoder")
    with pytest.raises(VaultUnavailable, match="does not name a keyring backend"):
        KeyringVault().read("x")


def test_a_passphrase_file_that_is_not_text_is_named(tmp_path) -> None:
    path = tmp_path / "passphrase"
    path.write_bytes(b"\xff\xfe\x00secret")
    with pytest.raises(VaultUnavailable, match="not a line of text"):
        vault.read_passphrase_file({vault.PASSPHRASE_FILE_ENV: str(path)})


def test_an_older_sandbox_s_plaintext_secrets_move_when_it_is_opened(state_dir: Path) -> None:
    from armstui.accounts import open_sandbox_workspace
    from tests.conftest import sandbox_secrets

    legacy = state_dir / "vault.json"
    legacy.write_text(json.dumps(PLAINTEXT))
    with open_sandbox_workspace(state_dir / "sandbox.json") as workspace:
        assert workspace.vault.kind == "file"
        assert workspace.vault.read("login/1/op") == "old-password-1"
    assert not legacy.exists()
    assert sandbox_secrets(state_dir) == PLAINTEXT


def test_a_vault_another_process_chose_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first openings at once: the choice saved first stands; the other is refused."""
    from armstui import profiles
    from armstui.accounts import VaultNotOpened, sandbox_vault

    monkeypatch.setattr(file_vault, "SCRYPT_N", CHEAP_SCRYPT_N)
    state = tmp_path / "state"
    opener = vault.open_sandbox_vault

    def open_while_another_chooses(*args: object) -> vault.Vault:
        profiles.save(profiles.Config(vault="keyring"), state / "config.toml")
        return opener(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vault, "open_sandbox_vault", open_while_another_chooses)
    with pytest.raises(VaultNotOpened, match="are in the keyring vault, so the file vault") as info:
        sandbox_vault(state, "file", SANDBOX_PASSPHRASE)
    assert info.value.needs == "keyring"
    assert profiles.load(state / "config.toml").vault == "keyring"
