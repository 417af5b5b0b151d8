"""The OS keyring as a vault (the default; service ``armstui``).

The backend is chosen with ``keyring.core.init_backend(limit=keyring.core.recommended)``
and then checked again, because ``PYTHON_KEYRING_BACKEND`` or a ``keyringrc.cfg`` bypass
the limit: a plaintext file (``keyrings.alt.file.PlaintextKeyring``), the ``null`` or
``fail`` backend, or any backend with a priority below 1 is refused with
:class:`VaultUnavailable`.

Every keyring call runs in a daemon thread with a timeout: over SSH the Secret Service
may wait forever for an unlock prompt nobody can see (jaraco/keyring#40, secretstorage#33).
A busy machine is another matter: each Secret Service call opens a D-Bus connection that
must authenticate within 1 s (jeepney's ``auth_timeout``), and on a loaded host that
sometimes fails once. Such a timeout is tried again (``TRANSIENT_ATTEMPTS``), within the
same overall timeout, before the keyring is called unavailable; and which backends are
viable is probed afresh each time a vault is opened (keyring caches it per process).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from armstui.secrets.base import REMEDY, VaultUnavailable, check_entry
from armstui.secrets.redaction import redactor

SERVICE = "armstui"
DEFAULT_TIMEOUT = 5.0
TRANSIENT_ATTEMPTS = 3  # a D-Bus connection that did not authenticate in time, on a busy host

# Backends that keep secrets in clear, or not at all. Matched on "module.Class".
_INSECURE_BACKENDS = {
    "keyrings.alt.file.PlaintextKeyring": "stores secrets in a plaintext file",
    "keyrings.alt.file.EncryptedKeyring": "asks for its password on the terminal, which breaks the app",
    "keyring.backends.null.Keyring": "stores nothing",
    "keyring.backends.fail.Keyring": "is no keyring at all",
}

T = TypeVar("T")


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

    kind = "keyring"

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
        import keyring.backend
        import keyring.core
        from keyring.errors import KeyringError

        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            # keyring probes which backends are viable once per process (jaraco.functools.once
            # on keyring.backend.get_all_keyring): a Secret Service that was down or slow at
            # that moment would stay excluded for the whole life of the app. Probe afresh.
            with contextlib.suppress(AttributeError, KeyError):
                keyring.backend.get_all_keyring.reset()
            try:
                keyring.core.init_backend(limit=keyring.core.recommended)
                backend = keyring.get_keyring()
            except (KeyringError, RuntimeError, ValueError, ImportError) as exc:
                raise VaultUnavailable(
                    f"The keyring could not be opened: {exc}. {REMEDY}"
                ) from None
            except (
                AttributeError,
                TypeError,
            ):  # PYTHON_KEYRING_BACKEND names something that is no backend
                raise VaultUnavailable(
                    f"The keyring could not be opened: PYTHON_KEYRING_BACKEND does not name a "
                    f"keyring backend. {REMEDY}"
                ) from None
            # The Secret Service is skipped when its probe times out (a busy host): look again.
            if (
                _backend_name(backend) != "keyring.backends.fail.Keyring"
                or not os.environ.get("DBUS_SESSION_BUS_ADDRESS")
                or attempt == TRANSIENT_ATTEMPTS
            ):
                break
            time.sleep(0.1 * attempt)
        _check_backend(backend)
        return backend

    @property
    def backend_name(self) -> str:
        return _backend_name(self.backend)

    def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        from keyring.errors import KeyringError

        backend = self.backend

        def run() -> T:
            for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
                try:
                    return fn(backend)
                except KeyringError as exc:
                    # The keyring's own message never contains the secret; keep only its type.
                    raise VaultUnavailable(
                        f"The keyring refused to {what}: {type(exc).__name__}. {REMEDY}"
                    ) from None
                except (TimeoutError, ConnectionError) as exc:  # D-Bus did not answer in time
                    if attempt == TRANSIENT_ATTEMPTS:
                        raise VaultUnavailable(
                            f"The keyring did not answer while trying to {what}: {type(exc).__name__} "
                            f"{attempt} times. {REMEDY}"
                        ) from None
                    time.sleep(0.1 * attempt)
            raise AssertionError("unreachable")

        return _with_timeout(run, self.timeout, what)

    def store(self, name: str, secret: str) -> None:
        check_entry(name, secret)
        redactor.add(secret)
        self._call("store a secret", lambda b: b.set_password(self.service, name, secret))

    def read(self, name: str) -> str | None:
        secret: str | None = self._call(
            "read a secret", lambda b: b.get_password(self.service, name)
        )
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
