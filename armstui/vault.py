"""The only door to secrets: the OS keyring, checked for safety, with a timeout.

Secrets (AccessKey secrets, the onepilot reporting key, generated passwords) rest only
in the OS keyring. The backend is chosen with
``keyring.core.init_backend(limit=keyring.core.recommended)`` and then checked again,
because ``PYTHON_KEYRING_BACKEND`` or a ``keyringrc.cfg`` bypass the limit: a plaintext
file (``keyrings.alt.file.PlaintextKeyring``), the ``null`` or ``fail`` backend, or any
backend with a priority below 1 is refused with :class:`VaultUnavailable`.

Every keyring call runs in a daemon thread with a timeout: over SSH the Secret Service
may wait forever for an unlock prompt nobody can see (jaraco/keyring#40, secretstorage#33).

Every secret that passes through here is remembered by :data:`redactor`, so that
:func:`redact` can strip it from any text before it reaches a log, a journal or a screen.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TypeVar

SERVICE = "armstui"
DEFAULT_TIMEOUT = 5.0
MASK = "****"

# Backends that keep secrets in clear, or not at all. Matched on "module.Class".
_INSECURE_BACKENDS = {
    "keyrings.alt.file.PlaintextKeyring": "stores secrets in a plaintext file",
    "keyrings.alt.file.EncryptedKeyring": "asks for its password on the terminal, which breaks the app",
    "keyring.backends.null.Keyring": "stores nothing",
    "keyring.backends.fail.Keyring": "is no keyring at all",
}

REMEDY = (
    "Start a Secret Service (on a desktop: unlock GNOME Keyring or KWallet; over SSH: "
    "`dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock --components=secrets; armstui'`), "
    "or unset PYTHON_KEYRING_BACKEND if it points at an insecure backend."
)

T = TypeVar("T")


class VaultUnavailable(RuntimeError):
    """No safe keyring can be used. The message says why and what to do."""


class Redactor:
    """Remembers secrets and masks them in any text.

    Longer secrets are replaced first so that a secret containing another is masked whole.
    """

    MIN_LENGTH = 6  # shorter strings would mask ordinary words

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < self.MIN_LENGTH:
            return
        with self._lock:
            if secret not in self._secrets:
                self._secrets.add(secret)
                self._pattern = None

    def redact(self, text: str) -> str:
        with self._lock:
            if not self._secrets:
                return text
            if self._pattern is None:
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            pattern = self._pattern
        return pattern.sub(MASK, text)


redactor = Redactor()


def redact(text: str) -> str:
    """Return ``text`` with every secret this process has seen replaced by ``****``."""
    return redactor.redact(text)


def mask(secret: str | None) -> str:
    """How a secret is shown: never its characters, only that it is set."""
    return MASK if secret else "(not set)"


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _check_backend(backend: object) -> None:
    """Raise VaultUnavailable if the backend (or a member of a chainer) is insecure."""
    members = getattr(backend, "backends", None)
    if members is not None and _backend_name(backend).startswith("keyring.backends.chainer"):
        if not members:
            raise VaultUnavailable(f"No secure keyring backend is available. {REMEDY}")
        for member in members:
            _check_backend(member)
        return
    name = _backend_name(backend)
    if name in _INSECURE_BACKENDS:
        raise VaultUnavailable(
            f"Refusing the keyring backend {name}: it {_INSECURE_BACKENDS[name]}. {REMEDY}"
        )
    priority = getattr(type(backend), "priority", 0)
    try:
        priority = float(priority)
    except (TypeError, ValueError):
        priority = 0
    if priority < 1:
        raise VaultUnavailable(
            f"Refusing the keyring backend {name}: priority {priority} is below the "
            f"recommended minimum of 1. {REMEDY}"
        )


def _with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run fn in a daemon thread; a hung keyring never blocks the caller or exit."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"vault-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise VaultUnavailable(
            f"The keyring did not answer within {timeout:g} s while trying to {what} "
            f"(locked, or waiting for an unlock prompt nobody can see?). {REMEDY}"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


class KeyringVault:
    """Secrets in the OS keyring under one service name.

    ``service`` namespaces entries: real accounts use ``armstui``; the sandbox uses its own.
    """

    def __init__(self, service: str = SERVICE, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.service = service
        self.timeout = timeout
        self._backend: object | None = None

    @property
    def backend(self) -> object:
        """The checked backend, chosen once (raises VaultUnavailable)."""
        if self._backend is None:
            self._backend = _with_timeout(self._select_backend, self.timeout, "open the keyring")
        return self._backend

    @staticmethod
    def _select_backend() -> object:
        import keyring
        import keyring.core
        from keyring.errors import KeyringError

        try:
            keyring.core.init_backend(limit=keyring.core.recommended)
            backend = keyring.get_keyring()
        except (KeyringError, RuntimeError, ValueError, ImportError) as exc:
            raise VaultUnavailable(f"The keyring could not be opened: {exc}. {REMEDY}") from None
        _check_backend(backend)
        return backend

    @property
    def backend_name(self) -> str:
        return _backend_name(self.backend)

    def _call(self, what: str, fn: Callable[[object], T]) -> T:
        from keyring.errors import KeyringError

        backend = self.backend

        def run() -> T:
            try:
                return fn(backend)
            except KeyringError as exc:
                # The keyring's own message never contains the secret; keep only its type.
                raise VaultUnavailable(
                    f"The keyring refused to {what}: {type(exc).__name__}. {REMEDY}"
                ) from None

        return _with_timeout(run, self.timeout, what)

    def store(self, name: str, secret: str) -> None:
        if not name:
            raise ValueError("vault entry name: must not be empty")
        if not secret:
            raise ValueError(f"vault entry {name!r}: the secret must not be empty")
        redactor.add(secret)
        self._call("store a secret", lambda b: b.set_password(self.service, name, secret))

    def read(self, name: str) -> str | None:
        secret = self._call("read a secret", lambda b: b.get_password(self.service, name))
        redactor.add(secret)
        return secret

    def delete(self, name: str) -> bool:
        """Delete an entry; False if there was none."""
        from keyring.errors import PasswordDeleteError

        def run(backend: object) -> bool:
            try:
                backend.delete_password(self.service, name)  # type: ignore[attr-defined]
            except PasswordDeleteError:
                return False
            return True

        return self._call("delete a secret", run)
