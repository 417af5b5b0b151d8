"""The flow registry is the one list of flows: the CLI, the TUI and the report read it."""

from __future__ import annotations

import click
import pytest

from armstui.cli.flows import apply, plan, report, verify
from armstui.cli.lifecycle import rotate, teardown
from armstui.flows.registry import (
    ALL_FLOWS,
    FLOW_NAMES,
    Field,
    FlowOption,
    OptionKind,
    Targets,
    every_option,
    flow_spec,
    flows_run,
    group_title,
    with_options,
)
from armstui.flows.setup import Setup
from armstui.model import InvalidInput
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


def test_the_forms_fields_come_from_the_flows_options() -> None:
    assert flow_spec("ack").fields == {Field.REPORTER_USER, Field.REPLACE_ORPHAN_KEY, Field.ACCESS}
    assert flow_spec("ecs").fields == {Field.INSTALL_AGENT, Field.ACCESS}
    assert flow_spec("role").fields == frozenset()


def test_one_flag_is_one_option_on_every_flow_that_reads_it() -> None:
    flags = [o.flag for o in every_option()]
    assert len(flags) == len(set(flags))
    assert [o.flag for o in every_option()][:2] == ["--cluster", "--reporter-user"]  # ACK's first


def test_with_options_sets_each_kind_of_option() -> None:
    base = Setup("ecs", "monitoring", ("source",))
    setup = with_options(
        base,
        {
            "--instance": ["i-bp1a2b3c4d", "i-bp5e6f7g8h"],
            "--no-install-agent": True,
            "--vpc": False,
        },
    )
    assert setup.instances == ("i-bp1a2b3c4d", "i-bp5e6f7g8h")
    assert setup.install_agent is False  # the flag turns the default over
    assert setup.vpc is False
    assert with_options(base, {"--access": "dedicated-custom"}).access == "dedicated-custom"
    assert with_options(base, {}) == base


def test_with_options_refuses_an_option_the_flow_does_not_read() -> None:
    ack = Setup("ack", "monitoring", ("source",))
    with pytest.raises(InvalidInput, match=r"^--role-name: not read by --flow ack \(only by"):
        with_options(ack, {"--role-name": "viewers"})
    chosen = with_options(ack, {"--access": "role", "--role-name": "viewers"})
    assert (chosen.access, chosen.role_name) == ("role", "viewers")
    assert [s.name for s in flows_run("ack", "role")] == ["ack", "role"]
    assert [s.name for s in flows_run("role", "role")] == ["role"]


def test_every_option_sets_a_setup_field_with_a_default() -> None:
    defaults = {o.flag: o.default for o in every_option()}
    assert defaults["--reporter-user"] == Setup.reporter_user == "armstui-reporter"
    assert defaults["--cluster"] == () and defaults["--no-install-agent"] is True
    with pytest.raises(LookupError, match="--no-such: Setup has no field 'no_such'"):
        _ = FlowOption("--no-such", OptionKind.TEXT, "x").default
    with pytest.raises(ValueError, match="--access: choices go with a choice"):
        FlowOption("--access", OptionKind.TEXT, "x", choices=("keep",))
