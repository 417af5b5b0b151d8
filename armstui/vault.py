"""The only door to secrets: the OS keyring, or the two safe ways on without one.

Secrets (AccessKey secrets, the onepilot reporting key, generated passwords) rest in one
of these vaults, all with ``kind``, ``store``, ``read`` and ``delete``:

- :class:`KeyringVault` — the OS keyring (the default; service ``armstui``);
- :class:`FileVault` — one encrypted file when no secure keyring exists (typical over
  SSH): scrypt + AES-256-GCM, see :mod:`armstui.vault_file`;
- :class:`MemoryVault` — session only, forgotten when the process exits;
- :class:`SandboxVault` — the sandbox's fake keys in its state dir (mode 0600), so the
  sandbox works on a machine without any keyring and never mixes with real accounts.

:func:`open_vault` opens the one the operator chose (``vault`` in config.toml). Plaintext
storage of real secrets is never offered.

The keyring backend is chosen with
``keyring.core.init_backend(limit=keyring.core.recommended)`` and then checked again,
because ``PYTHON_KEYRING_BACKEND`` or a ``keyringrc.cfg`` bypass the limit: a plaintext
file (``keyrings.alt.file.PlaintextKeyring``), the ``null`` or ``fail`` backend, or any
backend with a priority below 1 is refused with :class:`VaultUnavailable`.

Every keyring call runs in a daemon thread with a timeout: over SSH the Secret Service
may wait forever for an unlock prompt nobody can see (jaraco/keyring#40, secretstorage#33).
A busy machine is another matter: each Secret Service call opens a D-Bus connection that
must authenticate within 1 s (jeepney's ``auth_timeout``), and on a loaded host that
sometimes fails once. Such a timeout is tried again (``TRANSIENT_ATTEMPTS``), within the
same overall timeout, before the keyring is called unavailable; and which backends are
viable is probed afresh each time a vault is opened (keyring caches it per process).

Every secret that passes through here is remembered by :data:`redactor`, so that
:func:`redact` can strip it from any text before it reaches a log, a journal or a screen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

SERVICE = "armstui"
SANDBOX_SERVICE = "armstui-sandbox"
VAULT_KINDS = ("keyring", "file", "memory")
PASSPHRASE_FILE_ENV = "ARMSTUI_VAULT_PASSPHRASE_FILE"
DEFAULT_TIMEOUT = 5.0
TRANSIENT_ATTEMPTS = 3  # a D-Bus connection that did not authenticate in time, on a busy host
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
    "or unset PYTHON_KEYRING_BACKEND if it points at an insecure backend. "
    "Without a keyring, two safe ways on: an encrypted file vault unlocked by a passphrase "
    '(`armstui accounts add --vault file`, or vault = "file" in config.toml), or a '
    'session-only vault whose secrets are forgotten when armstui exits (vault = "memory"; '
    "chosen in the app). Plaintext is never offered."
)

T = TypeVar("T")


class VaultUnavailable(RuntimeError):
    """No safe vault can be used. The message says why and what to do."""


class WrongPassphrase(VaultUnavailable):
    """The encrypted file vault did not open with the passphrase given."""


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
                keyring.backend.get_all_keyring.reset()  # type: ignore[attr-defined]
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

    def _call(self, what: str, fn: Callable[[object], T]) -> T:
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
        _check_entry(name, secret)
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


class MemoryVault:
    """Session only: secrets live in this process and are forgotten when it exits."""

    kind = "memory"

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}
        self._lock = threading.Lock()

    def store(self, name: str, secret: str) -> None:
        _check_entry(name, secret)
        redactor.add(secret)
        with self._lock:
            self._entries[name] = secret

    def read(self, name: str) -> str | None:
        with self._lock:
            return self._entries.get(name)

    def delete(self, name: str) -> bool:
        with self._lock:
            return self._entries.pop(name, None) is not None


_session_vault = MemoryVault()


def session_vault() -> MemoryVault:
    """The process's one session-only vault, so every part of the app sees the same one."""
    return _session_vault


class SandboxVault:
    """The sandbox's secrets (fake keys of an emulator) as JSON in its state dir, mode 0600.

    The sandbox must work on a fresh machine without any keyring (issue #5), and its
    seeded keys already rest in ``sandbox.json`` with the same mode. Never used for real
    accounts: :func:`open_vault` cannot return it.
    """

    kind = "sandbox"

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "vault.json"
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise VaultUnavailable(
                f"cannot read the sandbox vault {self.path}: {type(exc).__name__}"
            ) from None
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def store(self, name: str, secret: str) -> None:
        _check_entry(name, secret)
        redactor.add(secret)
        with self._lock:
            entries = self._load()
            entries[name] = secret
            write_private_file(self.path, json.dumps(entries, indent=1).encode())

    def read(self, name: str) -> str | None:
        with self._lock:
            secret = self._load().get(name)
        redactor.add(secret)
        return secret

    def delete(self, name: str) -> bool:
        with self._lock:
            entries = self._load()
            if entries.pop(name, None) is None:
                return False
            write_private_file(self.path, json.dumps(entries, indent=1).encode())
            return True


def _check_entry(name: str, secret: str) -> None:
    if not name:
        raise ValueError("vault entry name: must not be empty")
    if not secret:
        raise ValueError(f"vault entry {name!r}: the secret must not be empty")


# --- files only we may read -----------------------------------------------------------


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700: only the operator may list it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Write atomically (temp file + rename) with mode 0600 from the first byte on."""
    path = Path(path)
    if not path.parent.exists():
        ensure_private_dir(path.parent)  # an existing folder is left as the operator set it
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- choosing -----------------------------------------------------------------------------

Passphrase = str | Callable[[], str] | None


def read_passphrase_file(env: dict[str, str] | None = None) -> str | None:
    """The passphrase from the file named by ``ARMSTUI_VAULT_PASSPHRASE_FILE``, if set.

    Only a file's *name* travels in the environment, never the passphrase itself.
    """
    name = (os.environ if env is None else env).get(PASSPHRASE_FILE_ENV)
    if not name:
        return None
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise VaultUnavailable(
            f"{PASSPHRASE_FILE_ENV}: cannot read {name} ({type(exc).__name__})"
        ) from None
    except UnicodeDecodeError:
        raise VaultUnavailable(f"{PASSPHRASE_FILE_ENV}: {name} is not UTF-8 text") from None
    passphrase = text.rstrip("\r\n")
    redactor.add(passphrase)
    return passphrase


def open_vault(config: Any = None, passphrase: Passphrase = None) -> Any:
    """Open the vault the operator chose: ``config.vault`` (or the kind given as a string).

    - ``keyring`` (default): checked now; raises :class:`VaultUnavailable` whose message
      offers the two safe ways on (encrypted file, session only).
    - ``file``: the passphrase is ``passphrase`` (a string, or a callable asked only when
      needed, e.g. the TUI's secret field or ``getpass``), else the file named by
      ``ARMSTUI_VAULT_PASSPHRASE_FILE``; without either, VaultUnavailable says so.
    - ``memory``: :func:`session_vault`.
    """
    kind = config if isinstance(config, str) else getattr(config, "vault", None) or "keyring"
    if kind == "keyring":
        vault = KeyringVault()
        _ = vault.backend  # fail now, with the remedy, rather than halfway through a flow
        return vault
    if kind == "memory":
        return session_vault()
    if kind == "file":
        from armstui import profiles
        from armstui.vault_file import FileVault

        path = profiles.vault_file_path()
        given = passphrase() if callable(passphrase) else passphrase
        given = given if given is not None else read_passphrase_file()
        if given is None:
            raise VaultUnavailable(
                f"The encrypted vault {path} needs its passphrase: enter it when asked, or set "
                f"{PASSPHRASE_FILE_ENV} to a file (mode 0600) that holds it."
            )
        return FileVault(path, given)
    raise VaultUnavailable(f"vault: must be one of {', '.join(VAULT_KINDS)} (got {kind!r})")


def open_sandbox_vault(state_dir: Path) -> SandboxVault:
    """The sandbox's own vault, apart from every real one."""
    return SandboxVault(ensure_private_dir(Path(state_dir)))


# --- logs ---------------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """Masks every known secret in a record's message, arguments, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add a :class:`RedactingFilter` to ``logger`` (root by default) and its handlers.

    Filters on a logger do not see records propagated from child loggers, filters on
    handlers do (logging docs, "Filter Objects"); hence both. Handlers added later need
    ``handler.addFilter`` themselves.
    """
    logger = logger or logging.getLogger()
    flt = RedactingFilter()
    logger.addFilter(flt)
    for handler in logger.handlers:
        handler.addFilter(flt)
    return flt


def __getattr__(name: str) -> Any:
    # FileVault lives in vault_file (it imports cryptography); loaded on first use.
    if name == "FileVault":
        from armstui.vault_file import FileVault

        return FileVault
    raise AttributeError(f"module 'armstui.vault' has no attribute {name!r}")
