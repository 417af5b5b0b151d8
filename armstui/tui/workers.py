"""The app's background work: every cloud, vault and config call runs here, in thread
workers, and reports back with messages (armstui/tui/messages.py).

Textual workers: ``@work(thread=True, exit_on_error=False)`` runs the method in a thread
and never lets an exception end the app; ``post_message`` is thread-safe (textual
message_pump.py). Errors become notifications in the message handlers.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import work

from armstui.tui.jobs import CloudJob
from armstui.tui.messages import (
    Batch,
    CallLogged,
    IdentityFound,
    Reachability,
    RunFinished,
    StepsChanged,
    SwitchDone,
    WorkspaceFailed,
    WorkspaceOpened,
)
from armstui.tui.state import Identity, snapshot

if TYPE_CHECKING:
    from textual.message import Message

    from armstui.flows.setup import Setup
    from armstui.tui.state import AppState


def describe_error(exc: BaseException) -> str:
    """One redacted line: a CloudError's own text (code, request ID, hint), else the type
    and message."""
    from armstui.secrets.redaction import redact

    text = str(exc) if getattr(exc, "code", None) else f"{type(exc).__name__}: {exc}"
    return redact(text)


class CloudWorkers:
    """Mixed into :class:`armstui.tui.app.ArmsTui`."""

    job: CloudJob | None = None

    if TYPE_CHECKING:  # provided by the App this is mixed into
        state: AppState

        def post_message(self, message: Message) -> bool: ...

    # --- opening ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_workspace(self, factory: Any) -> None:
        """``factory``: :func:`armstui.accounts.open_workspace` with its arguments bound (or a
        test's stand-in). A vault that did not open is offered again with the other kinds."""
        from armstui.accounts import VaultNotOpened
        from armstui.secrets.redaction import redact

        try:
            workspace = factory()
        except VaultNotOpened as exc:
            self.post_message(WorkspaceFailed(redact(str(exc)), True, exc.needs))
            return
        except Exception as exc:
            self.post_message(WorkspaceFailed(describe_error(exc)))
            return
        earlier = workspace.call_log.records()
        workspace.call_log.subscribe(lambda record: self.post_message(CallLogged(record)))
        self.post_message(WorkspaceOpened(workspace, earlier))

    # --- runs ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="runs", exit_on_error=False)
    def run_setup(
        self, setup: Setup, mode: str, skip: frozenset[str], action: str = "setup"
    ) -> None:
        """``action``: the flow's own steps (``setup``), a key rotation or a teardown; the
        checklist shows the last two as groups of their own."""
        workspace = self.state.workspace
        job = self.job = CloudJob()
        group = setup.flow if action == "setup" else action

        changed = Batch()

        def listener(state: Any) -> None:
            if changed.add(snapshot(state)):
                self.post_message(StepsChanged(changed, mode))

        try:
            result = job.run(
                lambda: workspace.run(setup, mode, listener=listener, skip=skip, action=action)
            )
        except asyncio.CancelledError:
            self.post_message(RunFinished(group, mode, [], None, stopped=True))
        except Exception as exc:
            self.post_message(RunFinished(group, mode, [], None, describe_error(exc)))
        else:
            self.post_message(
                RunFinished(group, mode, [snapshot(s) for s in result.states], result.exit_code)
            )

    # --- identity -------------------------------------------------------------------------

    @work(thread=True, group="identity", exit_on_error=False)
    def whoami(self, aliases: list[str]) -> None:
        workspace = self.state.workspace

        async def one(alias: str) -> Identity:
            try:
                return Identity(alias, await workspace.whoami(alias))
            except Exception as exc:
                return Identity(alias, error=describe_error(exc))

        async def every() -> list[Identity]:
            return list(await asyncio.gather(*(one(a) for a in aliases)))

        for identity in CloudJob().run(every):
            self.post_message(IdentityFound(identity))

    @work(thread=True, exclusive=True, group="switch", exit_on_error=False)
    def switch_role(self, alias: str, role_arn: str) -> None:
        from armstui.identity import SwitchFailed

        workspace = self.state.workspace
        try:
            caller, apps = CloudJob().run(lambda: workspace.switch(alias, role_arn, "armstui-tui"))
        except SwitchFailed as failed:
            text = f"{failed.headline}: {describe_error(failed.error)}"
            self.post_message(SwitchDone(alias, role_arn, None, [], text))
            return
        except Exception as exc:
            self.post_message(SwitchDone(alias, role_arn, None, [], describe_error(exc)))
            return
        self.post_message(SwitchDone(alias, role_arn, caller, list(apps)))

    # --- accounts -------------------------------------------------------------------------

    @work(thread=True, group="reachable", exit_on_error=False)
    def check_reachability(self) -> None:
        from armstui.accounts import reachable

        workspace = self.state.workspace
        for alias, account in list(workspace.accounts.items()):
            self.post_message(Reachability(alias, reachable(account, workspace.vault)))
