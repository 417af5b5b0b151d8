"""`--sandbox` for every command and the TUI: find the sandbox that serves a state dir, or
start one in this process.

A sandbox serves DIR when DIR/sandbox.json exists and its endpoint answers
``GET /__sandbox/health``. Otherwise the sandbox is started here, on a daemon thread
(:meth:`armstui.sandbox.server.SandboxServer.start_in_thread`), on the state kept in DIR,
and DIR/sandbox.json is written as ``armstui sandbox serve`` writes it — so a second
armstui, or any Alibaba Cloud client, can use the same sandbox while this one runs.
The default DIR is ``platformdirs.user_data_path("armstui") / "sandbox"``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from armstui.secrets.private_files import is_special_file

SANDBOX_JSON = "sandbox.json"  # armstui.sandbox.describe.FILE_NAME, without importing the sandbox
HEALTH_TIMEOUT = 0.5
MAX_DESCRIPTION_BYTES = 16 * 1024 * 1024
# The embedded sandbox runs simulated durations 10x faster: an onepilot upgrade (90 s nominal)
# takes 9 s, long enough to watch the checklist wait, short enough to rehearse.
DEFAULT_SPEED = 10.0


def default_state_dir() -> Path:
    return platformdirs.user_data_path("armstui") / "sandbox"


@dataclass
class SandboxRuntime:
    state_dir: Path
    endpoint: str
    server: Any = None  # the SandboxServer we started, or None when another process serves

    @property
    def sandbox_json(self) -> Path:
        return self.state_dir / SANDBOX_JSON

    @property
    def started_here(self) -> bool:
        return self.server is not None

    def accounts(self) -> list[Any]:
        """The seeded accounts (``monitoring``, ``source``, ``outsider``) as armstui Accounts."""
        from armstui.profiles import sandbox_accounts

        return sandbox_accounts(self.sandbox_json)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop_thread()
            self.server = None


def answers(endpoint: str, timeout: float = HEALTH_TIMEOUT) -> bool:
    """Whether a sandbox listens at ``endpoint`` (``host:port``); proxies are bypassed."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://{endpoint}/__sandbox/health", timeout=timeout) as response:
            return response.status == 200 and bool(json.loads(response.read() or b"{}").get("ok"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


class BadDescription(ValueError):
    """sandbox.json exists but is not a sandbox description; the text names the file,
    what is wrong and what to do."""


def read_description(path: Path) -> dict[str, Any]:
    """sandbox.json as a dict whose ``endpoint`` is ``host:port``; FileNotFoundError when it
    is missing, :class:`BadDescription` when it is not a sandbox description."""
    if is_special_file(path):
        raise BadDescription(_bad(path, "not a regular file"))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_DESCRIPTION_BYTES + 1)
        if len(raw) > MAX_DESCRIPTION_BYTES:
            raise ValueError(f"larger than {MAX_DESCRIPTION_BYTES >> 20} MiB")
        described = json.loads(raw.decode("utf-8"))
        if not isinstance(described, dict):
            raise ValueError("not a JSON object")
        endpoint = described.get("endpoint")
        if not isinstance(endpoint, str) or not _endpoint_shaped(endpoint):
            raise ValueError("endpoint: must be host:port, such as 127.0.0.1:8080")
    except FileNotFoundError:
        raise
    except RecursionError:
        raise BadDescription(_bad(path, "nested too deeply")) from None
    except (OSError, ValueError) as exc:
        # The text of a JSON error quotes no content; the file holds (fake) secrets.
        raise BadDescription(_bad(path, str(exc)[:120])) from None
    return described


def _bad(path: Path, why: str) -> str:
    return (
        f"{path} is not a sandbox description ({why}); start the sandbox again "
        f"(`armstui sandbox serve --state {path.parent}`), which rewrites it"
    )


def _endpoint_shaped(endpoint: str) -> bool:
    host, _, port = endpoint.rpartition(":")
    if not port.isascii() or not port.isdigit() or not 0 < int(port[:6]) < 65536:
        return False
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return (
            re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", host) is not None
        )


def running_endpoint(state_dir: Path) -> str | None:
    """The endpoint of the sandbox serving ``state_dir``, if one answers (None when there is
    no sandbox.json; :class:`BadDescription` when it is not one)."""
    try:
        endpoint = str(read_description(state_dir / SANDBOX_JSON)["endpoint"])
    except FileNotFoundError:
        return None
    return endpoint if answers(endpoint) else None


def ensure_sandbox(
    state_dir: Path | None = None, *, speed: float = DEFAULT_SPEED
) -> SandboxRuntime:
    """The sandbox serving ``state_dir`` (default :func:`default_state_dir`), started here
    if none answers. The caller stops it with :meth:`SandboxRuntime.stop` (or lets the
    process end: the server thread is a daemon)."""
    state_dir = Path(state_dir) if state_dir is not None else default_state_dir()
    endpoint = running_endpoint(state_dir)
    if endpoint is not None:
        return SandboxRuntime(state_dir, endpoint)
    from armstui.sandbox.describe import FILE_NAME, write_description
    from armstui.sandbox.server import SandboxServer
    from armstui.sandbox.state import open_state

    state = open_state(state_dir, speed=speed)
    server = SandboxServer(state)
    endpoint = server.start_in_thread()
    write_description(state_dir / FILE_NAME, state, endpoint)
    return SandboxRuntime(state_dir, endpoint, server)
