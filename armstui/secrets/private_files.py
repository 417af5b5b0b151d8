"""Files and folders only the operator may read: folders 0700, files 0600 from the first
byte on, written atomically. The vault, the settings and the journal all use these."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


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


def create_private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600 in a 0700 folder, keeping what it holds
    (for files another library writes into, such as a SQLite database). OSError when
    ``path`` is something else than a regular file (a folder, a named pipe: opened without
    blocking, so a pipe nobody reads fails at once instead of hanging)."""
    path = Path(path)
    ensure_private_dir(path.parent)
    # 0600 from the first byte on.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
    finally:
        os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        os.chmod(path, 0o600)
    return path


def is_special_file(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (a folder, a pipe, a device):
    reading one may never end, so callers refuse it first."""
    try:
        return not stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False
