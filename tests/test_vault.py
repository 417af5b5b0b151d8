"""The vault against a real Secret Service, and its refusals."""

from __future__ import annotations

import secrets
import time

import pytest

from armstui import vault
from armstui.vault import KeyringVault, VaultUnavailable


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


def test_a_hanging_keyring_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    v = KeyringVault(timeout=0.2)

    class Hangs:
        def get_password(self, service: str, name: str) -> str:
            time.sleep(5)
            return "never"

    v._backend = Hangs()
    started = time.monotonic()
    with pytest.raises(VaultUnavailable, match="did not answer within 0.2 s"):
        v.read("x")
    assert time.monotonic() - started < 2


def test_redact_masks_every_known_secret() -> None:
    a, b = secrets.token_hex(16), secrets.token_hex(20)
    vault.redactor.add(a)
    vault.redactor.add(b)
    text = f"key={a} other {b}{a} end"
    out = vault.redact(text)
    assert a not in out and b not in out
    assert out == "key=**** other ******** end"


def test_short_strings_are_not_treated_as_secrets() -> None:
    vault.redactor.add("abc")
    assert vault.redact("abc def") == "abc def"


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
    pkg, alt, file_mod = (types.ModuleType(n) for n in ("keyrings", "keyrings.alt", "keyrings.alt.file"))
    file_mod.PlaintextKeyring = PlaintextKeyring
    pkg.__path__, alt.__path__ = [], []
    pkg.alt, alt.file = alt, file_mod
    for name, mod in (("keyrings", pkg), ("keyrings.alt", alt), ("keyrings.alt.file", file_mod)):
        monkeypatch.setitem(sys.modules, name, mod)
