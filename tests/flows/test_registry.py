"""The flow registry is the one list of flows: the CLI, the TUI and the report read it."""

from __future__ import annotations

import click
import pytest

from armstui.cli.flows import apply, plan, report, verify
from armstui.cli.lifecycle import rotate, teardown
from armstui.flows.registry import ALL_FLOWS, FLOW_NAMES, Targets, flow_spec, group_title
from armstui.tui.navigation import DESTINATIONS
from armstui.tui.widgets.step_list import FLOW_TITLES


def _flow_choices(command: click.Command) -> list[str]:
    option = next(p for p in command.params if p.name == "flow")
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


def test_every_command_offers_exactly_the_registered_flows() -> None:
    for command in (plan, apply, verify, report, teardown):
        assert _flow_choices(command) == list(FLOW_NAMES), command.name
    assert _flow_choices(rotate) == [f.name for f in ALL_FLOWS if f.rotates_key] == ["ack"]


def test_the_welcome_menu_and_the_step_list_name_every_registered_flow() -> None:
    menu = {d.name: (d.key, d.title) for d in DESTINATIONS}
    for spec in ALL_FLOWS:
        assert menu[spec.name] == (spec.menu_key, spec.title)
        assert FLOW_TITLES[spec.name] == spec.title == group_title(spec.name)
    keys = [d.key for d in DESTINATIONS]
    assert len(keys) == len(set(keys))  # one key per destination


def test_targets_and_unknown_flows() -> None:
    assert flow_spec("ack").targets is Targets.CLUSTERS
    assert flow_spec("ecs").targets is Targets.INSTANCES
    assert flow_spec("role").targets is Targets.NONE
    assert group_title("rotate") == "Key rotation"
    with pytest.raises(LookupError, match="ack, ecs, role"):
        flow_spec("eks")
