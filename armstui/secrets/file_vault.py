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

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, still atomic
    fcntl = None  # type: ignore[assignment]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


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
        try:
            header: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if header.get("format") != FORMAT or header.get("version") != 1:
                raise ValueError("not an armstui vault")
            if header["kdf"].get("name") != "scrypt" or header.get("cipher") != "AES-256-GCM":
                raise ValueError("unknown algorithms")
            return header
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VaultUnavailable(
                f"The encrypted vault {self.path} cannot be read: {exc}"
            ) from None

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
