"""Text from the cloud cannot drive the operator's terminal: escape sequences, control
characters and bidirectional overrides are removed before anything shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from armstui.inert import inert, make_inert
from tests.support.cli import sandbox_cli
from tests.support.sandbox import RunningSandbox

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # writes the terminal's clipboard
HOSTILE = f"legacy{OSC52}-orders\x1b[2J\x1b[31m\u202eevil\r\n✓ ok"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"a{OSC52}b", "ab"),
        ("a\x1b]52;c;ZWNobw==\x1b\\b", "ab"),  # OSC ended by ST
        ("\x1b[2J\x1b[1;1Hcleared", "cleared"),
        ("red\x1b[31m!", "red!"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("\u202eesrever", "esrever"),
        ("\x9b31mc1 csi", "c1 csi"),
        ("two\r\nlines\tand a tab", "two  lines and a tab"),
        ("plain: ÄÖÜ, 中文, emoji ✓", "plain: ÄÖÜ, 中文, emoji ✓"),
    ],
)
def test_inert_removes_what_drives_a_terminal(raw: str, shown: str) -> None:
    assert inert(raw) == shown


def test_kept_lines_stay_lines() -> None:
    assert inert("one\r\ntwo\x1b[Athree", keep_lines=True) == "one\ntwothree"


def test_answers_are_made_inert_in_place_at_any_depth() -> None:
    class Model:
        def __init__(self) -> None:
            self.name = f"x{OSC52}"
            self.tags = [{"Key": "app", "Value": "\x1b[31mred"}]
            self.count = 3

    body = Model()
    assert make_inert(body) is body
    assert (body.name, body.tags, body.count) == ("x", [{"Key": "app", "Value": "red"}], 3)


def _hostile_instance_name(sandbox: RunningSandbox) -> str:
    store = sandbox.state.store
    record = next(
        r for r in store.list("ecs.instance") if r["InstanceName"].startswith("legacy-orders")
    )
    key = f"{sandbox.uid('source')}/{record['InstanceId']}"
    record["InstanceName"] = HOSTILE
    record["Tags"]["Tag"][0]["TagValue"] = f"orders{OSC52}"
    store.put("ecs.instance", key, record)
    return record["InstanceId"]


def test_a_hostile_instance_name_reaches_the_plan_inert(
    state_dir: Path, sandbox: RunningSandbox
) -> None:
    _hostile_instance_name(sandbox)
    result = sandbox_cli(
        state_dir, "plan", "--flow", "ecs", "--monitoring", "monitoring", "--source", "source"
    )
    assert result.exit_code in (0, 3), result.output
    assert "legacy-orders" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
