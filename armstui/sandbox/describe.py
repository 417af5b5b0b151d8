"""sandbox.json: how anyone finds a running sandbox and its seeded accounts.

``{"endpoint": "127.0.0.1:PORT", "region": "cn-hangzhou", "speed": 1.0,
   "accounts": {"monitoring": {"uid", "access_key_id", "access_key_secret",
                               "users": {"admin": {"user_name", "access_key_id",
                                                   "access_key_secret"}}}, ...}}``

The top-level pair is the account's root AccessKey (which STS refuses for AssumeRole); the
``admin`` RAM user has AdministratorAccess and may assume roles.

It holds the seeded accounts' (fake) secrets, so it is written mode 0600, atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from armstui.sandbox.state import SandboxState
from armstui.sandbox.world import accounts_by_alias

FILE_NAME = "sandbox.json"


def description(state: SandboxState, endpoint: str) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "region": state.region,
        "speed": state.clock.speed,
        "accounts": accounts_by_alias(state),
    }


def write_description(path: Path, state: SandboxState, endpoint: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".sandbox-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(description(state, endpoint), out, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
