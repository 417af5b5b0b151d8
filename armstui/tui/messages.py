"""Messages the workers post to the app (thread-safe: ``post_message``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # the flows load after the first frame (armstui/tui/app.py)
    from armstui.flows.runner import StepState


class AppChange(StrEnum):
    """What in ``app.state`` changed: the topic of the app's ``changed`` signal, which every
    main screen hears (``ArmsScreen.on_app_changed``) and redraws what depends on it."""

    WORKSPACE = "workspace"
    ACCOUNTS = "accounts"
    IDENTITIES = "identities"
    REACHABLE = "reachable"
    STEPS = "steps"
    RUN = "run"
    PLAN = "plan"
    CALL_LOG = "call-log"
    RESUME = "resume"  # the screen came back to the top of the stack


@dataclass
class WorkspaceOpened(Message):
    workspace: Any
    earlier_calls: list[Any]  # logged before the app subscribed


@dataclass
class WorkspaceFailed(Message):
    text: str
    vault_unavailable: bool = False
    vault_needed: str | None = None  # the one vault kind a sandbox's saved choice opens


class Batch:
    """Items a worker thread hands to the UI in batches: one message is in flight at a
    time, and whatever arrives before the UI takes it rides along with it. A large run
    changes steps by the hundred a second; one message each would keep the UI loop busy
    dispatching them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Any] = []

    def add(self, item: Any) -> bool:
        """Keep ``item``; True if the caller must post a message for it (none in flight)."""
        with self._lock:
            self._items.append(item)
            return len(self._items) == 1

    def take(self) -> list[Any]:
        """Everything kept since the last take (the UI thread calls this)."""
        with self._lock:
            items, self._items = self._items, []
        return items


@dataclass
class StepsChanged(Message):
    batch: Batch  # of StepState snapshots (the runner keeps mutating its own), in order
    mode: str


@dataclass
class RunFinished(Message):
    flow: str
    mode: str
    states: list[StepState]
    exit_code: int | None  # None when stopped or failed before the end
    error: str | None = None
    stopped: bool = False  # the operator stopped it: not a failure, and it can resume


@dataclass
class CallLogged(Message):
    record: Any  # armstui.cloud.calllog.CallRecord (already redacted)


@dataclass
class IdentityFound(Message):
    identity: Any  # armstui.tui.state.Identity


@dataclass
class SwitchDone(Message):
    alias: str
    role_arn: str
    identity: Any | None  # armstui.cloud.sts.CallerIdentity: who alias is in the role
    apps: list[Any]
    error: str | None = None


@dataclass
class Reachability(Message):
    alias: str
    text: str  # "yes" or "no: why"
