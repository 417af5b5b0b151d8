"""The encrypted file vault: for machines without a secure keyring (typical over SSH).

One JSON file, mode 0600 in a 0700 directory::

    {"format": "armstui-vault", "version": 1,
     "kdf": {"name": "scrypt", "salt": "<b64>", "n": 131072, "r": 8, "p": 1},
     "cipher": "AES-256-GCM", "nonce": "<b64>", "ciphertext": "<b64>"}

The key is derived from the operator's passphrase with scrypt (``cryptography``'s
``Scrypt``; n=2**17, r=8, p=1 is OWASP's minimum recommendation and takes ~0.3 s here).
The plaintext, ``{"entries": {name: secret}}``, is sealed with AES-256-GCM under a fresh
96-bit nonce on every write; the header is the associated data, so changing the KDF
parameters is detected like a wrong passphrase. GCM's tag check is the passphrase check:
a wrong one raises :class:`~armstui.secrets.base.WrongPassphrase` and changes nothing.

The passphrase is never stored; the derived key stays in memory while the vault is open.
Each change re-reads the file under an ``flock`` so two processes do not lose each other's
entries.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from armstui.model import InvalidInput
from armstui.secrets.base import VaultUnavailable, WrongPassphrase, check_entry
from armstui.secrets.private_files import ensure_private_dir, write_private_file
from armstui.secrets.redaction import redactor

FORMAT = "armstui-vault"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MIN_PASSPHRASE = 8
# A file that claims other scrypt parameters is checked against these bounds before the KDF
# runs: scrypt needs 128 * n * r bytes and n * r * p steps, so an altered header could
# otherwise ask for gigabytes or hours. The bounds admit this module's own choice with room.
MIN_N, MAX_N, MAX_R, MAX_P = 2**10, 2**20, 32, 16
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
SALT_BYTES = (16, 64)
MAX_FILE_BYTES = 16 * 1024 * 1024  # a vault holds a few hundred short entries

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, still atomic
    fcntl = None  # type: ignore[assignment]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


def _checked_kdf(kdf: Any) -> dict[str, Any]:
    """``kdf`` if its scrypt parameters are within bounds, else ValueError naming the field."""
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise ValueError("kdf: must be scrypt")
    for name, low, high in (("n", MIN_N, MAX_N), ("r", 1, MAX_R), ("p", 1, MAX_P)):
        value = kdf.get(name)
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"kdf.{name}: must be a whole number from {low} to {high}")
    n, r = int(kdf["n"]), int(kdf["r"])
    if n & (n - 1):
        raise ValueError("kdf.n: must be a power of two")
    if 128 * n * r > MAX_SCRYPT_MEMORY:
        raise ValueError(f"kdf: n * r asks for more than {MAX_SCRYPT_MEMORY >> 20} MiB")
    salt = _unb64(kdf.get("salt"))
    if not SALT_BYTES[0] <= len(salt) <= SALT_BYTES[1]:
        raise ValueError(f"kdf.salt: must be {SALT_BYTES[0]} to {SALT_BYTES[1]} bytes")
    return kdf


def _derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    return Scrypt(
        salt=_unb64(kdf["salt"]), length=32, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])
    ).derive(passphrase.encode("utf-8"))


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: header[k] for k in ("format", "version", "kdf", "cipher")},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


class FileVault:
    """Secrets in one passphrase-encrypted file. Opening checks the passphrase.

    A missing file is created with this passphrase (at least 8 characters): ask for it
    twice before that. Raises :class:`WrongPassphrase` for a wrong passphrase,
    :class:`VaultUnavailable` for an unreadable file.
    """

    kind = "file"

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        redactor.add(passphrase)
        ensure_private_dir(self.path.parent)
        with self._locked():
            if self.path.exists():
                header = self._read_header()
                self._kdf = header["kdf"]
                self._key = _derive(passphrase, self._kdf)
                self._decrypt(header)  # the passphrase check
            else:
                if len(passphrase) < MIN_PASSPHRASE:
                    raise InvalidInput(
                        "passphrase",
                        f"must be at least {MIN_PASSPHRASE} characters",
                        f"{len(passphrase)} characters",
                    )
                self._kdf = {
                    "name": "scrypt",
                    "salt": _b64(os.urandom(16)),
                    "n": SCRYPT_N,
                    "r": SCRYPT_R,
                    "p": SCRYPT_P,
                }
                self._key = _derive(passphrase, self._kdf)
                self._write({})

    # --- file format ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _read_header(self) -> dict[str, Any]:
        self._refuse_if_shared()
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES >> 20} MiB")
            header: dict[str, Any] = json.loads(raw.decode("utf-8"))
            if not isinstance(header, dict):
                raise ValueError("not an armstui vault")
            if header.get("format") != FORMAT or header.get("version") != 1:
                raise ValueError("not an armstui vault")
            if header.get("cipher") != "AES-256-GCM":
                raise ValueError("cipher: unknown")
            _checked_kdf(header.get("kdf"))
            return header
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # ValueError covers JSON and UTF-8 errors; their text names no secret.
            reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            raise VaultUnavailable(
                f"The encrypted vault {self.path} cannot be used: {reason[:200]}. Nothing was "
                f"read or changed; restore it from a backup, or move it aside "
                f"(`mv {self.path} {self.path}.broken`) and add the accounts again."
            ) from None

    def _refuse_if_shared(self) -> None:
        """Refuse a vault file that others may read or write: someone changed its mode."""
        try:
            mode = self.path.stat().st_mode
        except OSError:
            return  # reading it says what is wrong
        if not stat.S_ISREG(mode):
            raise VaultUnavailable(
                f"The encrypted vault {self.path} is not a regular file: refusing to read it. "
                f"Move it aside (`mv {self.path} {self.path}.broken`) and try again."
            )
        if mode & 0o077:
            raise VaultUnavailable(
                f"The encrypted vault {self.path} is readable or writable by others "
                f"(mode {mode & 0o777:o}): refusing to use it. Make it private with "
                f"`chmod 600 {self.path}`, then try again."
            )

    def _decrypt(self, header: dict[str, Any]) -> dict[str, str]:
        if header["kdf"] != self._kdf:
            raise WrongPassphrase(
                f"The encrypted vault {self.path} was replaced by another one: open it again."
            )
        try:
            plain = AESGCM(self._key).decrypt(
                _unb64(header["nonce"]), _unb64(header["ciphertext"]), _aad(header)
            )
        except (InvalidTag, ValueError, KeyError):
            raise WrongPassphrase(
                f"Wrong passphrase for the encrypted vault {self.path} (or the file was altered). "
                "Nothing was read or changed."
            ) from None
        entries: dict[str, str] = json.loads(plain)["entries"]
        for secret in entries.values():
            redactor.add(secret)
        return entries

    def _load(self) -> dict[str, str]:
        return self._decrypt(self._read_header())

    def _write(self, entries: dict[str, str]) -> None:
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": 1,
            "kdf": self._kdf,
            "cipher": "AES-256-GCM",
        }
        nonce = os.urandom(12)
        sealed = AESGCM(self._key).encrypt(
            nonce, json.dumps({"entries": entries}).encode(), _aad(header)
        )
        header.update(nonce=_b64(nonce), ciphertext=_b64(sealed))
        write_private_file(self.path, json.dumps(header, indent=1).encode())

    # --- the vault interface -------------------------------------------------------------

    def store(self, name: str, secret: str) -> None:
        check_entry(name, secret)
        redactor.add(secret)
        with self._locked():
            entries = self._load()
            entries[name] = secret
            self._write(entries)

    def read(self, name: str) -> str | None:
        with self._locked():
            return self._load().get(name)

    def delete(self, name: str) -> bool:
        with self._locked():
            entries = self._load()
            if entries.pop(name, None) is None:
                return False
            self._write(entries)
            return True
