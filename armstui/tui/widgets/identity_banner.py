"""The line on every screen that says which account each side acts as.

Reads :class:`armstui.tui.state.AppState` (monitoring, sources, identities from
GetCallerIdentity). A production account is drawn in the theme's error colour.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from armstui.tui.state import AppState


def _side(label: str, alias: str, state: AppState, detail: int = 2) -> Content:
    """``detail``: 2 the account ID and the principal, 1 the principal, 0 the alias alone."""
    who = state.identities.get(alias)
    if who is None:
        identity = "checking…"
    elif who.caller is not None:
        principal = _principal(who.caller.arn)
        identity = f"{who.caller.account_id}/{principal}" if detail == 2 else principal
    else:
        identity = "unknown identity"
    identity = identity if detail else ""
    style = "bold $text-error" if state.production(alias) else "bold"
    prod = (
        Content.styled(" PROD ", "bold reverse $error") if state.production(alias) else Content("")
    )
    return Content.assemble(
        (label, "$text-muted"),
        " ",
        (alias, style),
        " " if identity else "",
        (identity, "$text-muted"),
        prod,
    )


def _principal(arn: str) -> str:
    """``acs:ram::123:user/ops`` -> ``user/ops``; the root shows as ``root``."""
    return arn.rsplit(":", 1)[-1] if arn else ""


def banner_content(state: AppState, width: int = 1000) -> Content:
    """One line in ``width`` cells: the account IDs go first when it is too narrow, then the
    principals; the aliases, the SANDBOX badge and what is running always show."""
    for detail in (2, 1, 0):
        content = _banner(state, detail)
        if content.cell_length <= width:
            return content
    return content


def _banner(state: AppState, detail: int) -> Content:
    parts: list[Content] = []
    if state.sandbox:
        parts.append(Content.styled(" SANDBOX ", "bold reverse $accent"))
    if state.workspace is None:
        parts.append(Content("no accounts open yet"))
        return Content(" ").join(parts)
    if state.monitoring:
        parts.append(_side("A", state.monitoring, state, detail))
    for alias in state.sources:
        parts.append(_side("B", alias, state, detail))
    if not state.monitoring and not state.sources:
        parts.append(Content("pick the monitoring and source accounts (a)"))
    if state.running:
        parts.append(Content.styled(f"running: {state.running}", "bold $text-warning"))
    return Content(" │ ").join(parts)


class IdentityBanner(Static):
    _shown: tuple[str, bool] | None = None
    _state: AppState | None = None

    def on_resize(self) -> None:
        if self._state is not None:
            self.refresh_banner(self._state)

    def refresh_banner(self, state: AppState) -> None:
        """Redraw if the text changed: every change of app state asks, steps ten times a second
        during a run, and a redraw lays out the screen again."""
        self._state = state
        width = (self.size.width or self.app.size.width) - 2  # the padding
        content = banner_content(state, width)
        production = any(state.production(a) for a in [state.monitoring, *state.sources])
        if (content.plain, production) == self._shown:  # the styles follow the text and the flag
            return
        self._shown = (content.plain, production)
        self.set_class(production, "-production")
        self.update(content)
