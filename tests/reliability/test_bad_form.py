"""Bad input in the app's add-account form (issue #9, part 3): whatever is typed, saving
shows one line naming the field and the rule, keeps the form open, stores nothing, sends
nothing, echoes no secret and never crashes the app. Driven with Textual's Pilot; the values
go in through the Input widgets' own editing (so the account-ID field's digit-only
restriction and length limit apply, as when typed).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Button, Input, Static

from armstui import accounts as account_ops
from armstui.credentials import vault_name
from armstui.flows.journal import Journal
from armstui.flows.workspace import Workspace
from armstui.model import InvalidInput
from armstui.tui.app import ArmsTui
from armstui.tui.screens.add_account import AddAccountScreen
from armstui.vault import MemoryVault
from tests.reliability.conftest import FULL, INPUTS_TRIED, property_settings
from tests.support.bad_inputs import app_on
from tests.support.sandbox import RunningSandbox
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

FORMS_PER_APP = 25
APPS = 10 if FULL else 2

TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
    st.sampled_from(
        ["", " ", "x" * 300, "\x1b[2J", "a\tb", "１２３", "prod a", "-a", "cn-hangzhou "]
    ),
)
FORM = st.fixed_dictionaries(
    {
        "alias": st.one_of(st.just("prod-a"), TEXT),
        "uid": st.one_of(st.just("1234567890123456"), st.text("0123456789", max_size=20), TEXT),
        "region": st.one_of(st.just("cn-hangzhou"), TEXT),
        "key-id": st.one_of(st.just("LTAIabcdefghijklmnop"), TEXT),
        "secret": st.one_of(st.just("S3cret-Value-xyz"), TEXT),
    }
)


def _fill(screen: AddAccountScreen, form: dict[str, str]) -> None:
    for field_id, value in form.items():
        widget = screen.query_one(f"#{field_id}", Input)
        widget.value = ""
        widget.insert_text_at_cursor(value)  # the widget's restrict and max_length apply


# The form's fields as the validation rules name them -> the id of each field's input.
FORM_WIDGET = {
    "alias": "alias",
    "account ID": "uid",
    "region": "region",
    "AccessKey ID": "key-id",
    "secret": "secret",
}


def _held(screen: AddAccountScreen) -> account_ops.NewAccount:
    """What the form holds now, as the form's save reads it."""

    def value(field_id: str) -> str:
        return screen.query_one(f"#{field_id}", Input).value

    return account_ops.NewAccount(
        value("alias").strip(),
        value("uid").strip(),
        value("region").strip(),
        value("key-id").strip(),
        value("secret"),
    )


async def _drive(sandbox: RunningSandbox, tmp_path: Path, forms: list[dict[str, str]]) -> int:
    workspace = Workspace(
        {}, MemoryVault(), Journal(tmp_path / "journal.db"), endpoint=sandbox.endpoint
    )
    app = ArmsTui(workspace_factory=lambda: workspace)
    tried = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None)
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, AddAccountScreen), what="the add-account form"
        )
        screen = app.screen
        for form in forms:
            _fill(screen, form)
            held = _held(screen)
            try:
                held.validated()
                continue  # a valid form is saved elsewhere (tests/tui); here only bad ones
            except InvalidInput as exc:
                expected = exc
            before = sandbox.server.app.request_count
            await pilot.press("ctrl+s")
            await pilot.pause()
            tried += 1
            summary = str(screen.query_one("#form-error", Static).render())
            assert app.screen is screen, "the form closed on bad input"
            assert summary.startswith("Nothing was saved:") and "to fix" in summary, summary
            widget = f"#{FORM_WIDGET[expected.field]}-error"
            shown = str(screen.query_one(widget, Static).render())
            assert expected.rule in shown, (shown, str(expected))  # next to its own field
            assert len(held.secret) < 6 or held.secret not in shown + app.export_screenshot()
            assert (
                app.state.accounts == {}
                and workspace.vault.read(vault_name(held.access_key_id)) is None
            )
            assert sandbox.server.app.request_count == before
    assert app.return_code in (None, 0)
    workspace.close()
    return tried


@property_settings(APPS, app=True)
@given(forms=st.lists(FORM, min_size=FORMS_PER_APP, max_size=FORMS_PER_APP))
def test_the_add_account_form_refuses_bad_input(
    sandbox: RunningSandbox, tmp_path: Path, forms: list[dict[str, str]]
) -> None:
    INPUTS_TRIED["add-account form"] += asyncio.run(_drive(sandbox, tmp_path, forms))


ODD_NAMES = [
    "[bold]x[/]",
    "[/]",
    "[link=http://x]y",
    "\x1b[2Jclear",
    "é" * 200,
    "tab\tname",
    "a" * 5000,
]


async def test_the_import_form_lists_odd_profiles_and_refuses_bad_input(
    sandbox: RunningSandbox, tmp_path: Path, isolated_home: Path
) -> None:
    """Profile names with markup, escapes and huge lengths are listed as text; a bad alias or
    account ID is named; nothing is saved."""
    import json

    from textual.widgets import OptionList

    from armstui.tui.screens.import_accounts import ImportScreen

    profiles = [
        {
            "name": n,
            "mode": "AK",
            "access_key_id": "LTAIabcdefghijklmnop",
            "access_key_secret": "S3cret-Value-xyz",
        }
        for n in ODD_NAMES
    ] + [{"name": "typed", "mode": {"x": 1}, "access_key_id": 5}]
    (isolated_home / ".aliyun").mkdir()
    (isolated_home / ".aliyun" / "config.json").write_text(json.dumps({"profiles": profiles}))
    workspace = Workspace(
        {}, MemoryVault(), Journal(tmp_path / "journal.db"), endpoint=sandbox.endpoint
    )
    app = ArmsTui(workspace_factory=lambda: workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state.workspace is not None)
        screen = ImportScreen(workspace)
        await app.push_screen(screen)
        await wait_for(
            pilot, lambda: len(screen.candidates) == len(profiles), what="the candidates"
        )
        options = screen.query_one("#candidates", OptionList)
        shown = app.export_screenshot()
        assert "\x1b" not in shown and "S3cret-Value-xyz" not in shown
        for index, (alias, uid) in enumerate(
            [
                ("Bad Alias", "1234567890123456"),
                ("ok-alias", "123"),
                ("", ""),
                ("x" * 40, "1234567890123456"),
            ]
            * 2
        ):
            options.highlighted = index % len(ODD_NAMES)
            await pilot.pause()
            screen.query_one("#alias", Input).value = alias
            screen.query_one("#uid", Input).value = uid
            screen.query_one("#import", Button).press()
            await wait_for(
                pilot,
                lambda: str(screen.query_one("#form-error", Static).render()) != "",
                what="the error",
            )
            error = str(screen.query_one("#form-error", Static).render())
            INPUTS_TRIED["import form"] += 1
            assert error.startswith(("alias:", "account ID:")), error
            screen.query_one("#form-error", Static).update("")
            assert app.screen is screen and app.state.accounts == {}
        assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()
    workspace.close()


# --- the flow forms ---------------------------------------------------------------------------

FLOW_FIELDS = {  # flow -> input id -> the field the message names
    "ack": {
        "#targets": "clusters",
        "#reporter-user": "--reporter-user",
        "#people-user": "--people-user",
    },
    "ecs": {"#targets": "instances", "#people-user": "--people-user"},
    "role": {"#role-name": "--role-name", "#operator-user": "--operator-user"},
}


def _flow_error(flow: str, field_id: str, value: str) -> InvalidInput | None:
    from armstui import model
    from armstui.tui.screens.flow import split_ids

    try:
        if field_id == "#targets":
            check = model.validate_cluster_id if flow == "ack" else model.validate_instance_id
            for target in split_ids(value):
                check(target)
        elif field_id == "#role-name":
            model.validate_role_name(value.strip())
        else:
            model.validate_user_name(value.strip())
    except InvalidInput as exc:
        return exc
    return None


async def _drive_flow_form(
    workspace: Workspace,
    sandbox: RunningSandbox,
    tmp_path: Path,
    values: list[tuple[str, str, str]],
) -> int:
    from armstui.tui.screens.flow import FlowScreen

    tried = 0
    async with app_on(workspace, tmp_path) as (app, pilot):
        for flow, field_id, value in values:
            expected = _flow_error(flow, field_id, value)
            if expected is None:
                continue  # a valid value would plan for real (tests/tui cover that)
            await pilot.press("escape", {"ack": "k", "ecs": "e", "role": "r"}[flow])
            await wait_for(
                pilot,
                lambda flow=flow: isinstance(app.screen, FlowScreen) and app.screen.flow == flow,
            )
            screen = app.screen
            for other in FLOW_FIELDS[flow]:  # the others hold valid values
                screen.query_one(other, Input).value = "" if other == "#targets" else "armstui-ok"
            field = screen.query_one(field_id, Input)
            if not field.display or not field.parent or not field.parent.display:
                continue  # hidden (e.g. the people user while access is "keep"): not typed in
            field.value = value
            before = sandbox.server.app.request_count
            screen.action_plan()
            await pilot.pause()
            tried += 1
            summary = str(screen.query_one("#form-error", Static).render())
            assert "to fix" in summary, summary
            shown = str(screen.query_one(f"{field_id}-error", Static).render())
            assert expected.rule in shown, (shown, str(expected))  # next to its own field
            assert app.state.running is None
            assert sandbox.server.app.request_count == before
    return tried


FLOW_VALUE = st.sampled_from([(f, i) for f, ids in FLOW_FIELDS.items() for i in ids]).flatmap(
    lambda fi: st.tuples(
        st.just(fi[0]),
        st.just(fi[1]),
        st.one_of(
            TEXT,
            st.sampled_from(
                ["c" + "a" * 32 + ", bad", "i-abc", "c123", "[/]", "i-" + "x" * 20 + " i-Y"]
            ),
        ),
    )
)


@property_settings(APPS, app=True)
@given(values=st.lists(FLOW_VALUE, min_size=12, max_size=12))
def test_the_flow_forms_refuse_bad_names_and_ids(
    workspace: Workspace,
    sandbox: RunningSandbox,
    tmp_path: Path,
    values: list[tuple[str, str, str]],
) -> None:
    INPUTS_TRIED["flow forms"] += asyncio.run(
        _drive_flow_form(workspace, sandbox, tmp_path, values)
    )
