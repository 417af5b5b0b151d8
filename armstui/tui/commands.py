"""The command palette's armstui commands (ctrl+p): go to a screen, run or check a flow."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from armstui.flows.registry import ALL_FLOWS

if TYPE_CHECKING:
    from armstui.tui.app import ArmsTui


def _commands(app: ArmsTui) -> list[tuple[str, str, Callable[[], object]]]:
    found: list[tuple[str, str, Callable[[], object]]] = [
        (
            "Accounts",
            "list, add, import, remove; pick A and B",
            lambda: app.action_show("accounts"),
        ),
        *(
            (spec.title, spec.palette_text, functools.partial(app.action_show, spec.name))
            for spec in ALL_FLOWS
        ),
        ("Checklist", "every step, live, with its API calls", lambda: app.action_show("checklist")),
        ("Identity", "who am I, assume a role, list apps", lambda: app.action_show("identity")),
        (
            "Fleet",
            "what reports into A now, per cluster and instance",
            lambda: app.action_show("fleet"),
        ),
        (
            "Doctor",
            "read-only preflight: what a flow will trip over",
            lambda: app.action_show("doctor"),
        ),
        ("Toggle call log", "every cloud call, live, redacted", app.action_toggle_call_log),
        ("Who am I (all accounts)", "GetCallerIdentity per account", app.refresh_identities),
    ]
    for flow in app.state.setups:
        found.append(
            (
                f"Verify {flow.upper()}",
                "observe every step again; shows drift",
                functools.partial(app.start_run, app.state.setups[flow], "verify"),
            )
        )
    if app.state.workspace is None or (not app.state.sandbox and not app.state.accounts):
        found.append(("Use the sandbox", "rehearse on the local emulator", app.action_use_sandbox))
    return found


class ArmsCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_text, callback in _commands(self.app):  # type: ignore[arg-type]
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in _commands(self.app):  # type: ignore[arg-type]
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
