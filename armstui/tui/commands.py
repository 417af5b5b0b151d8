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
from armstui.tui.navigation import DESTINATIONS

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


def keys_of(app: ArmsTui, screen: str, *keys: tuple[str, str, str]) -> Iterable[Command]:
    """The commands that press keys of ``screen``, each given as (action, title, help)."""
    for action, title, help_text in keys:
        yield (title, help_text, on_screen(app, screen, action))


def _screens(app: ArmsTui) -> Iterable[Command]:
    for d in DESTINATIONS:
        yield (d.title, d.palette_text, functools.partial(app.action_show, d.name))
    yield ("Toggle call log", "every cloud call, live, redacted", app.action_toggle_call_log)
    yield ("Who am I (all accounts)", "GetCallerIdentity per account", app.refresh_identities)


def _accounts(app: ArmsTui) -> Iterable[Command]:
    if app.state.workspace is not None and not app.state.sandbox:
        yield from keys_of(
            app,
            "accounts",
            ("add_account", "Add an account", "its secret goes to the vault"),
            (
                "import_accounts",
                "Import accounts",
                "aliyun CLI profiles, ALIBABA_CLOUD_* variables",
            ),
        )
    if app.state.workspace is None or (not app.state.sandbox and not app.state.accounts):
        yield ("Use the sandbox", "rehearse on the local emulator", app.action_use_sandbox)


def _runs(app: ArmsTui) -> Iterable[Command]:
    state = app.state
    for spec in ALL_FLOWS:
        plan = ("plan", f"Plan {spec.short}", "what apply would change; nothing is changed")
        yield from keys_of(app, spec.name, plan)
    for group, setup in state.setups.items():
        action = state.actions.get(group, "setup")
        yield (
            f"Verify {group.upper()}",
            "observe every step again; shows drift",
            functools.partial(app.start_run, setup, "verify", action),
        )
    if state.setups:
        yield from keys_of(
            app,
            "checklist",
            ("rotate", "Rotate key", "plan a new reporting key, then swap it"),
            ("teardown", "Teardown", "plan removing what a flow created"),
            ("retry", "Retry", "run the selected step's flow again"),
        )
    if len(state.checklist):
        yield from keys_of(
            app, "checklist", ("export", "Export report", "write each flow's report as Markdown")
        )
    if "role" in state.setups:
        yield from keys_of(
            app,
            "checklist",
            (
                "reveal_password",
                "Reveal console password",
                "the role flow's password for B's user; masked until asked",
            ),
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
