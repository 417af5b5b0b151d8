"""Bad input in three places the app takes typed answers (issue #9, part 3): the identity
screen's role ARN, and the numbered choice of ``armstui accounts import``. Whatever is
typed: a message naming the field and the rule (or exit 2), never a traceback, no secret
shown, no request sent (the sandbox's ``request_count`` does not move).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from armstui import model
from armstui.cli import accounts as accounts_cli
from armstui.cli import main
from tests.reliability.conftest import FULL, INPUTS_TRIED, property_settings
from tests.support.bad_inputs import app_on, write_aliyun_config
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

EXAMPLES = 300 if FULL else 30
SECRET = "S3cret-Value-xyz"

# --- accounts import: the numbered choice --------------------------------------------------------

ANSWER = st.one_of(
    # No lone surrogates: stdin carries bytes, and CliRunner cannot encode one to feed it.
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r\n"), max_size=40),
    st.integers().map(str),
    st.sampled_from(
        [
            "0",
            "-1",
            "999",
            "abc",
            "1,,",
            "1, 3",
            "²",
            "١",
            "9" * 5000,
            "1" + "0" * 20,
            "\x1b[2J",
            "1\t",
            "[/]",
            " , ",
        ]
    ),
)
PROFILES = ["dev", "ops"]


def _numbers_ok(answer: str) -> bool:
    parts = [p.strip() for p in answer.split(",") if p.strip()]
    return all(
        re.fullmatch(r"[0-9]{1,6}", p, flags=re.ASCII) and 1 <= int(p) <= len(PROFILES)
        for p in parts
    )


@property_settings(EXAMPLES)
@given(answer=ANSWER.filter(lambda a: not _numbers_ok(a)))
def test_the_import_choice_refuses_bad_numbers(
    sandbox: RunningSandbox, isolated_home: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    write_aliyun_config(isolated_home, PROFILES, SECRET)
    monkeypatch.setattr(accounts_cli, "_stdin_is_terminal", lambda: True)
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(main, ["accounts", "import"], input=answer + "\n")
    INPUTS_TRIED["accounts import choice"] += 1
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and SECRET not in result.output
    assert f"choice: must be a number from 1 to {len(PROFILES)}" in result.stderr, result.stderr
    assert sandbox.server.app.request_count == before
    assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()


# --- the identity screen: the role ARN -----------------------------------------------------------

ARN_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60),
    st.sampled_from(
        [
            "[/]",
            "[bold]x",
            "acs:ram::123:role/x",
            "acs:ram::1234567890123456:role/",
            "acs:ram::1234567890123456:role/a b",
            "acs:ram::1234567890123456:user/x",
            "armstui-session",
            "\x1b[2J",
            "a" * 5000,
            "acs:ram::１２３４５６７８９０１２３４５６:role/x",
            "acs:ram::1234567890123456:role/" + "x" * 65,
        ]
    ),
)


def _refused(value: str) -> model.InvalidInput | None:
    try:
        model.validate_role_arn(value.strip(), "role ARN")
    except model.InvalidInput as exc:
        return exc
    return None


async def _drive_identity(
    workspace, sandbox: RunningSandbox, tmp_path: Path, values: list[str]
) -> int:
    from textual.widgets import Input

    from armstui.tui.screens.identity import IdentityScreen
    from tests.tui.conftest import wait_for

    tried = 0
    async with app_on(workspace, tmp_path) as (app, pilot):
        await pilot.press("i")
        await wait_for(
            pilot, lambda: isinstance(app.screen, IdentityScreen), what="the identity screen"
        )
        screen = app.screen
        await pilot.pause()
        for value in values:
            expected = _refused(value)
            if expected is None:
                continue
            await pilot.press("s")
            field = screen.query_one("#role-arn", Input)
            field.value = value
            app.clear_notifications()
            before = sandbox.server.app.request_count
            switches = len(app.workers)
            await pilot.press("enter")
            await pilot.pause()
            tried += 1
            shown = [str(n.message) for n in app._notifications]  # noqa: SLF001
            assert any(m.startswith("role ARN: ") and expected.rule in m for m in shown), (
                value,
                shown,
            )
            assert app.screen is screen
            assert sandbox.server.app.request_count == before
            assert len(app.workers) <= switches
    return tried


@property_settings(10 if FULL else 2, app=True)
@given(values=st.lists(ARN_TEXT, min_size=15, max_size=15))
def test_the_identity_screen_refuses_bad_role_arns(
    workspace, sandbox: RunningSandbox, tmp_path: Path, values: list[str]
) -> None:
    INPUTS_TRIED["identity role ARN"] += asyncio.run(
        _drive_identity(workspace, sandbox, tmp_path, values)
    )
