"""Where the app goes: every main screen, by the name it carries (Textual's ``Screen.name``),
with the key that opens it and what the footer, the welcome menu and the palette call it.
The app's bindings, the welcome menu and the palette are all made from
:data:`DESTINATIONS`; the flows' screens come from the flow registry.

Welcome is not a destination: it is the bottom of the screen stack, which escape goes
back to (``ArmsTui.action_show``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from armstui.flows.registry import ALL_FLOWS, FLOW_NAMES

if TYPE_CHECKING:
    from armstui.tui.screens.base import ArmsScreen


@dataclass(frozen=True)
class Destination:
    name: str  # the screen's name, and the argument of the app's show action
    key: str  # the app's key binding, shown in the welcome menu
    title: str  # the welcome menu's, the palette's and (unless ``label``) the footer's
    menu_text: str  # one line in the welcome menu
    palette_text: str  # one line in the command palette
    in_footer: bool = True
    needs_workspace: bool = True  # refused, with a word why, until accounts are open
    label: str = ""  # the footer's name for it, if not the title
    binding_id: str = ""  # the key binding's id (what a keymap names it by), if not the name


DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        "accounts",
        "a",
        "Accounts",
        "pick the monitoring (A) and source (B) accounts",
        "list, add, import, remove; pick A and B",
    ),
    *(
        Destination(
            f.name,
            f.menu_key,
            f.title,
            f.menu_text,
            f.palette_text,
            in_footer=False,
            label=f.short,
            binding_id=f"flow-{f.name}",
        )
        for f in ALL_FLOWS
    ),
    Destination(
        "checklist",
        "c",
        "Checklist",
        "every step, live, with the API calls behind it",
        "every step, live, with its API calls",
        needs_workspace=False,
    ),
    Destination(
        "identity",
        "i",
        "Identity",
        "who am I; assume a role; list apps as that identity",
        "who am I, assume a role, list apps",
    ),
    Destination(
        "fleet",
        "f",
        "Fleet",
        "what reports into A now, per cluster and instance",
        "what reports into A now, per cluster and instance",
        in_footer=False,
    ),
    Destination(
        "doctor",
        "D",
        "Doctor",
        "a read-only preflight: what a flow will trip over",
        "read-only preflight: what a flow will trip over",
        in_footer=False,
    ),
)
NAMES = tuple(d.name for d in DESTINATIONS)
NEEDS_WORKSPACE = frozenset(d.name for d in DESTINATIONS if d.needs_workspace)


def make_screen(name: str) -> ArmsScreen:
    """A new screen for the destination ``name``, carrying it as its Textual name: the app
    compares ``App.screen.name``. Each visit builds the screen afresh from the app's state
    (the screen modules load on first use, not at start)."""
    from armstui.tui.screens import accounts, checklist, flow, identity

    if name in FLOW_NAMES:
        return flow.FlowScreen(name)
    if name in ("fleet", "doctor"):
        from armstui.tui.screens import doctor, fleet

        return (fleet.FleetScreen if name == "fleet" else doctor.DoctorScreen)(name=name)
    screens: dict[str, type[ArmsScreen]] = {
        "accounts": accounts.AccountsScreen,
        "checklist": checklist.ChecklistScreen,
        "identity": identity.IdentityScreen,
    }
    if name not in screens:
        raise ValueError(f"screen: must be one of {', '.join(NAMES)}")
    return screens[name](name=name)
