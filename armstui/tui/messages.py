"""Messages the workers post to the app (thread-safe: ``post_message``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # the flows load after the first frame (armstui/tui/app.py)
    from armstui.flows.runner import StepState


@dataclass
class WorkspaceOpened(Message):
    workspace: Any
    earlier_calls: list[Any]  # logged before the app subscribed


@dataclass
class WorkspaceFailed(Message):
    text: str
    vault_unavailable: bool = False


@dataclass
class StepChanged(Message):
    state: StepState  # a snapshot: the runner keeps mutating its own
    mode: str


@dataclass
class RunFinished(Message):
    flow: str
    mode: str
    states: list[StepState]
    exit_code: int | None  # None when stopped or failed before the end
    error: str | None = None


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
    identity: Any | None  # armstui.tui.state.Identity
    apps: list[Any]
    error: str | None = None


@dataclass
class Reachability(Message):
    alias: str
    text: str  # "yes" or "no: why"
