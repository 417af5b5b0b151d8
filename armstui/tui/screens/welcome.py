"""Welcome: what the tool does, and the seed's caution."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

INTRO = (
    "armstui sets up ARMS cross-account monitoring: source accounts report traces, "
    "metrics and topology into one monitoring account, and every step is checked "
    "against the cloud."
)
CAUTION = (
    "Cross-account monitoring adds operational overhead; managing each account on its "
    "own is simpler for most teams."
)


class WelcomeScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="welcome"):
            yield Static(INTRO, id="intro")
            yield Static(CAUTION, id="caution")
        yield Footer()
