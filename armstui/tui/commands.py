"""The command palette's armstui commands (ctrl+p): every action a key offers, by name.

Each entry of :data:`PALETTE` lists the commands of one part of the app given its state;
a new screen adds its own with :func:`add_commands` (the palette reads the list each time
it opens, so what a screen adds shows from then on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from armstui.flows.registry import ALL_FLOWS

if TYPE_CHECKING:
    from armstui.tui.app import ArmsTui

Command = tuple[str, str, Callable[[], object]]  # title, help, what it does
CommandSource = Callable[["ArmsTui"], Iterable[Command]]


def on_screen(app: ArmsTui, screen: str, action: str) -> Callable[[], object]:
    """Go to ``screen``, then run its key's ``action`` there (as pressing the key would)."""

    def run() -> None:
        app.action_show(screen)
        app.call_after_refresh(lambda: app.screen.run_action(action))

    return run


def _screens(app: ArmsTui) -> Iterable[Command]:
    yield (
        "Accounts",
        "list, add, import, remove; pick A and B",
        lambda: app.action_show("accounts"),
    )
    for spec in ALL_FLOWS:
        yield (spec.title, spec.palette_text, functools.partial(app.action_show, spec.name))
    yield (
        "Checklist",
        "every step, live, with its API calls",
        lambda: app.action_show("checklist"),
    )
    yield ("Identity", "who am I, assume a role, list apps", lambda: app.action_show("identity"))
    yield (
        "Fleet",
        "what reports into A now, per cluster and instance",
        lambda: app.action_show("fleet"),
    )
    yield (
        "Doctor",
        "read-only preflight: what a flow will trip over",
        lambda: app.action_show("doctor"),
    )
    yield ("Toggle call log", "every cloud call, live, redacted", app.action_toggle_call_log)
    yield ("Who am I (all accounts)", "GetCallerIdentity per account", app.refresh_identities)


def _accounts(app: ArmsTui) -> Iterable[Command]:
    if app.state.workspace is not None and not app.state.sandbox:
        yield (
            "Add an account",
            "its secret goes to the vault",
            on_screen(app, "accounts", "add_account"),
        )
        yield (
            "Import accounts",
            "aliyun CLI profiles, ALIBABA_CLOUD_* variables",
            on_screen(app, "accounts", "import_accounts"),
        )
    if app.state.workspace is None or (not app.state.sandbox and not app.state.accounts):
        yield ("Use the sandbox", "rehearse on the local emulator", app.action_use_sandbox)


def _runs(app: ArmsTui) -> Iterable[Command]:
    state = app.state
    for spec in ALL_FLOWS:
        yield (
            f"Plan {spec.short}",
            "what apply would change; nothing is changed",
            on_screen(app, spec.name, "plan"),
        )
    for group, setup in state.setups.items():
        action = state.actions.get(group, "setup")
        yield (
            f"Verify {group.upper()}",
            "observe every step again; shows drift",
            functools.partial(app.start_run, setup, "verify", action),
        )
    if state.setups:
        yield (
            "Rotate key",
            "plan a new reporting key, then swap it",
            on_screen(app, "checklist", "rotate"),
        )
        yield (
            "Teardown",
            "plan removing what a flow created",
            on_screen(app, "checklist", "teardown"),
        )
        yield ("Retry", "run the selected step's flow again", on_screen(app, "checklist", "retry"))
    if len(state.checklist):
        yield (
            "Export report",
            "write each flow's report as Markdown",
            on_screen(app, "checklist", "export"),
        )
    if "role" in state.setups:
        yield (
            "Reveal console password",
            "the role flow's password for B's user; masked until asked",
            on_screen(app, "checklist", "reveal_password"),
        )
    for group in state.stopped:
        yield (
            f"Resume {group.upper()}",
            "run the stopped apply again",
            functools.partial(app.resume, group),
        )
    if state.running:
        yield ("Stop the run", f"stop {state.running}; it can resume", app.action_stop_run)


PALETTE: list[CommandSource] = [_screens, _accounts, _runs]


def add_commands(source: CommandSource) -> None:
    """Offer more commands in the palette (a screen added later lists its own here)."""
    if source not in PALETTE:
        PALETTE.append(source)


def commands(app: ArmsTui) -> list[Command]:
    return [command for source in PALETTE for command in source(app)]


class ArmsCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_text, callback in commands(self.app):  # type: ignore[arg-type]
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in commands(self.app):  # type: ignore[arg-type]
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
