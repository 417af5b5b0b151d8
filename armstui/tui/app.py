"""The App: screens, bindings, command palette, theme. Never imports an SDK: cloud work
goes through armstui.flows, in workers (armstui/tui/workers.py).

Injection point for tests and scripts: ``ArmsTui(workspace_factory=...)`` opens whatever
workspace the callable returns (e.g. one on a running test sandbox), and ``clock`` is
what elapsed times are measured against.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from textual.app import App
from textual.binding import Binding
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.signal import Signal

from armstui import __version__
from armstui.flows.registry import FLOW_NAMES
from armstui.tui import messages as msg
from armstui.tui import navigation
from armstui.tui.commands import ArmsCommands
from armstui.tui.state import STOPPED_DETAIL, AppState
from armstui.tui.workers import CloudWorkers

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from armstui.cli.common import SandboxOptions
    from armstui.flows.setup import Setup


_modules_at_freeze = 0


def freeze_what_loaded() -> None:
    """Once new modules have loaded (the sandbox with the workspace, then each SDK on its
    first call: about a hundred thousand objects that live as long as the process), move
    every object alive into the collector's permanent generation (``gc.freeze``, Python
    docs: gc), so that later full collections walk only what was made since. Otherwise each
    full collection during a run walks them all, holding the GIL and so stopping the UI
    thread for over 100 ms on a small machine. Per process, not per app: once every module
    is in, nothing more is frozen (what is frozen is never collected)."""
    global _modules_at_freeze
    if len(sys.modules) != _modules_at_freeze:
        _modules_at_freeze = len(sys.modules)
        gc.freeze()


class ArmsTui(CloudWorkers, App[None]):
    """armstui's terminal app."""

    TITLE = "armstui"
    SUB_TITLE = f"ARMS cross-account monitoring · {__version__}"
    CSS_PATH = "armstui.tcss"
    COMMANDS = App.COMMANDS | {ArmsCommands}
    BINDINGS = [
        *(
            Binding(
                d.key,
                f"show('{d.name}')",
                d.label or d.title,
                show=d.in_footer,
                id=d.binding_id or d.name,
            )
            for d in navigation.DESTINATIONS
        ),
        Binding("l", "toggle_call_log", "Calls", id="call-log"),
        Binding("escape", "show('welcome')", "Home", show=False, id="home"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, id="interrupt"),
    ]

    show_call_log: var[bool] = var(False)

    def __init__(
        self,
        sandbox: SandboxOptions | None = None,
        *,
        workspace_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.clock = clock
        self.state = AppState(sandbox=bool(sandbox and sandbox.enabled))
        self._factory = workspace_factory
        self._records: list[Any] = []
        self.changed: Signal[msg.AppChange] = Signal(self, "armstui-changed")
        self.calls: Signal[Any] = Signal(self, "armstui-calls")
        from armstui.survey import read_only

        if read_only.everywhere():  # the badge: every screen's header says so
            self.sub_title = f"READ-ONLY · {self.SUB_TITLE}"

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """The screens that show through the top one: none through an opaque one.

        Textual counts the screen right below the top one whatever the top one's background
        (``App._background_screens``, textual/app.py), and a screen it counts marks itself
        for a full repaint each time it passes its own repaint up to the top screen, which
        then repaints in full too (``Screen._compositor_refresh``, textual/screen.py): the
        welcome screen under the checklist made every redraw of a large run a full one."""
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    # --- start ----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """Welcome is the bottom of the stack (Textual builds it first; no blank screen under it)."""
        from armstui.tui.screens.welcome import WelcomeScreen

        return WelcomeScreen(name="welcome")

    def on_mount(self) -> None:
        # Open the workspace (and with --sandbox start the sandbox) once the first frame is
        # on screen: its imports and seeding would otherwise compete with that frame.
        self.call_after_refresh(self._open_first_workspace)

    def _open_first_workspace(self) -> None:
        if (
            not gc.isenabled()
        ):  # paused by `armstui` until the first frame (armstui/cli/__init__.py)
            freeze_what_loaded()
            gc.enable()
        if self._factory is not None:
            self.open_workspace(self._factory)
        elif self.state.sandbox:
            self.action_use_sandbox()
        else:
            from armstui.accounts import open_workspace

            self.open_workspace(open_workspace)

    def action_use_sandbox(self) -> None:
        from armstui.accounts import open_workspace
        from armstui.cli.common import SandboxOptions

        self.sandbox = (
            self.sandbox if self.sandbox and self.sandbox.enabled else SandboxOptions(True, None)
        )
        self.state.sandbox = True
        self.state.workspace = None
        self.changed.publish(msg.AppChange.WORKSPACE)
        self.open_workspace(functools.partial(open_workspace, self.sandbox))

    def _freeze_what_loaded(self) -> None:
        freeze_what_loaded()

    def on_workspace_opened(self, message: msg.WorkspaceOpened) -> None:
        self.state.workspace = message.workspace
        self._freeze_what_loaded()
        self._records = [*message.earlier_calls, *self._records][-1000:]
        monitoring, sources = message.workspace.saved_roles
        self.state.choose_defaults(monitoring, sources)
        self._load_journal()
        self.changed.publish(msg.AppChange.WORKSPACE)
        if self.state.accounts:
            self.refresh_identities()
        self._offer_resume()

    def on_workspace_failed(self, message: msg.WorkspaceFailed) -> None:
        if message.vault_unavailable:
            from armstui.tui.screens.vault_choice import VaultChoiceScreen

            self.push_screen(
                VaultChoiceScreen(message.text, message.vault_needed), self._vault_chosen
            )
            return
        self.notify(message.text, title="Cannot open the workspace", severity="error", timeout=15)
        self.changed.publish(msg.AppChange.WORKSPACE)

    def _vault_chosen(self, choice: tuple[str, str | None] | None) -> None:
        if choice is None:
            self.notify(
                "No vault: the sandbox's flows cannot keep the keys they create "
                "(ctrl+p, Use the sandbox, asks again)."
                if self.state.sandbox
                else "No vault: accounts whose secrets are in the vault cannot be used.",
                severity="warning",
            )
            return
        from armstui.accounts import open_workspace

        kind, passphrase = choice
        sandbox = self.sandbox if self.state.sandbox else None
        self.open_workspace(
            functools.partial(open_workspace, sandbox, vault_kind=kind, passphrase=passphrase)
        )

    def _load_journal(self) -> None:
        workspace = self.state.workspace
        for flow in FLOW_NAMES:
            run = workspace.journal.last_run(flow=flow)
            if run and run["steps"]:
                self.state.checklist.load_run(run)
                self.state.setups.setdefault(flow, setup_from_key(run["setup_key"]))

    def _offer_resume(self) -> None:
        from armstui.tui.screens.confirm import ConfirmScreen

        for flow in FLOW_NAMES:
            run = self.state.workspace.journal.last_run(flow=flow, modes=("apply",))
            if run is None or run["finished_at"] is not None:
                continue
            setup = setup_from_key(run["setup_key"])
            done = sum(1 for s in run["steps"] if s["outcome"] in ("ok", "already"))
            stopped = any(s.get("detail") == STOPPED_DETAIL for s in run["steps"])
            ended = "was stopped and did not finish" if stopped else "did not finish"
            started = time.strftime("%Y-%m-%d %H:%M", time.localtime(run["started_at"]))
            text = (
                f"The {flow.upper()} apply for {setup.monitoring} ← {', '.join(setup.sources)} started "
                f"{started} {ended} ({done} of {run['step_count']} steps held). Steps are "
                f"idempotent: resuming runs it again, and what holds shows as 'already'."
            )

            def resume(yes: bool | None, setup: Setup = setup) -> None:
                if yes:
                    self.state.setups[setup.flow] = setup
                    self.action_show("checklist")
                    self.start_run(setup, "apply")

            self.push_screen(
                ConfirmScreen(
                    "Resume the interrupted run?",
                    text,
                    yes="Resume",
                    no="Not now",
                    guard=self.production_guard(setup),
                ),
                resume,
            )
            return

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """App.notify, always as plain text (``markup`` is ignored: Widget.notify passes
        True, and armstui writes no markup into a notification). What the app tells mostly
        comes from the cloud, where an ARN (``acs:ram::…``) holds what Rich reads as an emoji
        code and a ``[…]`` would be read as a style."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # --- navigation -----------------------------------------------------------------------

    def action_show(self, name: str) -> None:
        """Go to the screen called ``name`` (a destination, or welcome): a new one, on
        welcome."""
        if isinstance(self.screen, ModalScreen):
            return
        if name in navigation.NEEDS_WORKSPACE and self.state.workspace is None:
            self.notify(
                "No accounts open yet: use the sandbox or add an account first.", severity="warning"
            )
            return
        if self.screen.name == name:
            return
        while len(self.screen_stack) > 1:  # back to welcome, at the bottom of the stack
            self.pop_screen()
        if name != "welcome":
            self.push_screen(navigation.make_screen(name))

    def action_toggle_call_log(self) -> None:
        self.show_call_log = not self.show_call_log
        self.changed.publish(msg.AppChange.CALL_LOG)

    def call_records(self) -> list[Any]:
        return list(self._records)

    def on_call_logged(self, message: msg.CallLogged) -> None:
        self._records.append(message.record)
        del self._records[:-1000]
        self.calls.publish(message.record)

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, setup: Setup, mode: str, action: str = "setup") -> bool:
        """Run a flow's steps, or (``action``) rotate its key or tear it down, in a worker."""
        if self.state.running:
            self.notify(
                f"{self.state.running} is still running; wait for it, or quit to stop it.",
                severity="warning",
            )
            return False
        from armstui.survey.read_only import refusal

        refused = refusal(self.state.accounts, (setup.monitoring, *setup.sources), mode)
        if refused:
            self.notify(refused, severity="warning")
            return False
        group = setup.flow if action == "setup" else action
        self.state.setups[group] = setup
        self.state.actions[group] = action
        self.state.running_group, self.state.running_mode = group, mode
        if mode == "apply":
            self.state.stopped.pop(group, None)
        self.state.running = (
            f"{setup.flow.upper()} {mode}"
            if action == "setup"
            else f"{setup.flow.upper()} {action} {mode}"
        )
        if mode == "apply":
            self.state.checklist.replace_flow(group, [], mode)
        # A verify keeps the rows it re-observes, each updated as its step comes back (and
        # any STALE mark until it ends), so the cursor and the picture stay put.
        self.changed.publish(msg.AppChange.RUN)
        self.run_setup(setup, mode, frozenset(self.state.skip), action)
        return True

    STEPS_EVERY = 0.1  # seconds: screens hear of step changes at most this often during a run

    def on_steps_changed(self, message: msg.StepsChanged) -> None:
        states = message.batch.take()
        self._freeze_what_loaded()
        if message.mode == "plan" or not states:
            return
        from armstui.flows.step import Outcome

        for state in states:
            self.state.checklist.update(state)
            if state.outcome is Outcome.FAILED and state.error_code:
                self.notify(
                    f"{state.title}: {state.detail}",
                    title="Step failed",
                    severity="error",
                    timeout=8,
                )
        if not self._steps_news_pending:
            self._steps_news_pending = True
            self.set_timer(self.STEPS_EVERY, self._publish_steps)

    _steps_news_pending = False

    def _publish_steps(self) -> None:
        self._steps_news_pending = False
        self.changed.publish(msg.AppChange.STEPS)

    def on_run_finished(self, message: msg.RunFinished) -> None:
        self.state.running = None
        self.state.running_group = self.state.running_mode = None
        self.job = None
        if message.mode != "plan" and message.states:
            self.state.checklist.replace_flow(message.flow, message.states, message.mode)
        if message.stopped:
            self._stopped(message)
            return
        self.changed.publish(msg.AppChange.RUN)
        if message.error:
            self.notify(
                message.error,
                title=f"{message.flow.upper()} {message.mode} did not finish",
                severity="error",
                timeout=12,
            )
            return
        if message.mode == "plan":
            self.changed.publish(msg.AppChange.PLAN)
            self._show_plan(message)
            return
        from armstui.flows.step import Outcome

        counts = {
            o.value: sum(1 for s in message.states if s.outcome is o)
            for o in (Outcome.FAILED, Outcome.NEEDS_YOU, Outcome.DRIFT)
        }
        summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n) or "every step holds"
        severity: Literal["information", "warning", "error"] = (
            "error" if counts["failed"] else ("warning" if message.exit_code else "information")
        )
        self.notify(
            summary, title=f"{message.flow.upper()} {message.mode} finished", severity=severity
        )
        offered = message.flow == "rotate" and self._offer_stale_key_removal(message)
        if message.mode == "apply" and not offered:
            self._reverify_after(message.flow)

    def _stopped(self, message: msg.RunFinished) -> None:
        """The operator stopped the run: what finished stays done; an apply can resume."""
        group = message.flow
        setup = self.state.setups.get(group)
        resumable = message.mode == "apply" and setup is not None
        if resumable and setup is not None:
            self.state.stopped[group] = (setup, self.state.actions.get(group, "setup"))
        self.changed.publish(msg.AppChange.RUN)
        self.notify(
            "Steps that finished stay done."
            + (" Resume: t in the checklist, or ctrl+p Resume." if resumable else ""),
            title=f"{group.upper()} {message.mode} stopped",
            severity="warning",
            timeout=10,
        )

    def action_stop_run(self) -> None:
        """Ask, then stop the run in progress (the app stays open; an apply can resume)."""
        if self.job is None or self.state.running is None:
            self.notify("Nothing is running.", severity="information")
            return
        from armstui.tui.screens.confirm import ConfirmScreen

        async def stop(yes: bool | None) -> None:
            if yes:
                await self.stop_run()

        self.push_screen(
            ConfirmScreen(
                "Stop the run?",
                f"Stop {self.state.running}? Steps that finished stay done; the rest show as "
                "stopped, and the run can resume (steps are idempotent).",
                yes="Stop",
                no="Keep running",
            ),
            stop,
        )

    def production_guard(self, setup: Setup) -> str | None:
        """The production aliases a run of ``setup`` may change, to be typed before it goes
        (space-separated), or None."""
        aliases = [a for a in (setup.monitoring, *setup.sources) if self.state.production(a)]
        return " ".join(dict.fromkeys(aliases)) or None

    def apply_guarded(self, setup: Setup, action: str = "setup") -> None:
        """Apply ``setup`` now, or, if it may change a production account, once its alias is
        typed in a question whose focus starts on Cancel."""
        guard = self.production_guard(setup)
        if guard is None:
            self.start_run(setup, "apply", action)
            return
        from armstui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_run(setup, "apply", action)

        self.push_screen(
            ConfirmScreen(
                f"Run {setup.flow.upper()} {'apply' if action == 'setup' else action} again?",
                f"This changes production: {guard}.",
                yes="Run",
                guard=guard,
            ),
            answered,
        )

    def resume(self, group: str) -> None:
        """Run a stopped apply again: what holds shows as already, the rest acts."""
        found = self.state.stopped.get(group)
        if found is not None:
            setup, action = found
            self.apply_guarded(setup, action)

    def _reverify_after(self, group: str) -> None:
        """A rotation or a teardown changed the cloud under the setup's rows: mark them stale
        and verify them again at once, without waiting for a key press."""
        action = self.state.actions.get(group, "setup")
        setup = self.state.setups.get(group)
        if action == "setup" or setup is None:
            return
        affected = setup.flow
        if affected not in self.state.checklist.modes:
            return
        self.state.checklist.stale.add(affected)
        self.changed.publish(msg.AppChange.STEPS)
        self.start_run(self.state.setups.get(affected, setup), "verify")

    def _show_plan(self, message: msg.RunFinished) -> None:
        from armstui.tui.screens.plan import PlanScreen

        setup = self.state.setups[message.flow]
        action = self.state.actions.get(message.flow, "setup")

        def confirmed(answer: bool | dict[str, bool] | None) -> None:
            if isinstance(answer, dict):  # a teardown option flipped: plan again with it
                import dataclasses

                again = dataclasses.replace(
                    setup,
                    include_adopted=answer.get("include_adopted", setup.include_adopted),
                    uninstall_addon=answer.get("uninstall_addon", setup.uninstall_addon),
                )
                self.start_run(again, "plan", action)
            elif answer:
                self.action_show("checklist")
                self.start_run(setup, "apply", action)

        self.push_screen(PlanScreen(setup, message.states, self.state, action), confirmed)

    def _offer_stale_key_removal(self, message: msg.RunFinished) -> bool:
        """A second key armstui does not hold blocks a rotation: ask, then rotate with it
        deleted (the rows are verified again once answered). True if asked."""
        import dataclasses

        from armstui.tui.screens.confirm import ConfirmScreen

        stale = next(
            (s for s in message.states if s.needs_you and "--replace-stale-key" in s.needs_you),
            None,
        )
        setup = self.state.setups.get("rotate")
        if stale is None or setup is None or setup.replace_stale_key:
            return False

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_run(
                    dataclasses.replace(setup, replace_stale_key=True), "apply", "rotate"
                )
            else:
                self._reverify_after("rotate")

        self.push_screen(
            ConfirmScreen(
                "A stale second key",
                f"{stale.detail}. Delete it and go on with the rotation?",
                yes="Delete and rotate",
                danger=True,
                guard=self.production_guard(setup),
            ),
            answered,
        )
        return True

    # --- identity ---------------------------------------------------------------------------

    def refresh_identities(self) -> None:
        if self.state.workspace is not None and self.state.accounts:
            self.whoami(list(self.state.accounts))

    def on_identity_found(self, message: msg.IdentityFound) -> None:
        self._freeze_what_loaded()
        self.state.identities[message.identity.alias] = message.identity
        if message.identity.error:
            self.notify(
                f"{message.identity.alias}: {message.identity.error}",
                title="Who am I failed",
                severity="error",
                timeout=10,
            )
        self.changed.publish(msg.AppChange.IDENTITIES)

    def on_switch_done(self, message: msg.SwitchDone) -> None:
        from armstui.tui.screens.identity import IdentityScreen

        if message.error or message.identity is None:
            error = message.error or "no identity came back"
            self.notify(error, title="Switch failed", severity="error", timeout=12)
        else:
            self.notify(
                f"{message.identity.arn}: {len(message.apps)} ARMS app(s) visible.",
                title="Switched",
            )
        for screen in self.screen_stack:
            if isinstance(screen, IdentityScreen):
                screen.show_switch(message)

    def on_reachability(self, message: msg.Reachability) -> None:
        self.state.reachable[message.alias] = message.text
        self.changed.publish(msg.AppChange.REACHABLE)

    # --- quitting ---------------------------------------------------------------------------

    async def action_quit(self) -> None:
        if self.job is None or self.state.running is None:
            self.exit()
            return
        from armstui.tui.screens.confirm import ConfirmScreen

        text = (
            f"{self.state.running} is in progress. Stop it and quit? Steps that finished stay "
            "done; the journal records where the run stopped and the next start offers to resume."
        )

        async def stop(yes: bool | None) -> None:
            if yes:
                await self.stop_run()
                self.exit()

        self.push_screen(
            ConfirmScreen("Stop the run?", text, yes="Stop and quit", no="Keep running"), stop
        )

    async def stop_run(self, timeout: float = 10.0) -> None:
        """Cancel the run and wait (off the UI loop) until the runner has recorded its steps."""
        job = self.job
        if job is None:
            return
        job.cancel()
        await asyncio.to_thread(job.done.wait, timeout)

    def on_unmount(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.done.wait(10.0)
        if self.state.workspace is not None and self._factory is None:
            self.state.workspace.close()


def setup_from_key(key: str) -> Setup:
    """The journal keeps a setup as ``flow:monitoring:source,...`` (Setup.key); names
    other than the defaults are not in it."""
    from armstui.flows.setup import Setup

    flow, monitoring, sources = key.split(":", 2)
    return Setup(flow, monitoring, tuple(s for s in sources.split(",") if s))


def run_app(sandbox: SandboxOptions | None = None, *, mouse: bool = True) -> None:
    """``mouse=False``: no mouse reporting, so the terminal's own text selection works."""
    try:
        ArmsTui(sandbox).run(mouse=mouse)
    finally:
        gc.enable()  # if the app ended before its first frame
