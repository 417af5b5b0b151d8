"""Bad input: every flag of every subcommand, fed values that break its
rule, is refused with exit 2 and a message naming the flag and the rule; never a traceback;
and no request reaches the sandbox (its ``request_count`` does not move).

Each property runs a moderate number of examples in CI; ARMSTUI_RELIABILITY=full widens
them. Every input tried is counted (conftest.INPUTS_TRIED) and the total is printed at the
end of the run. Which values break a rule, and the message that names it, are written out
here by hand (a good value with a character the rule forbids, too long, empty), never
computed by calling the validators under test. Files the app reads (aliyun CLI config, config.toml) and environment
variables are in test_bad_files_and_env.py; the add-account form in test_bad_form.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from armstui.cli import main
from tests.reliability.conftest import FULL, INPUTS_TRIED, property_settings
from tests.support.bad_inputs import os_text, write_aliyun_config
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

EXAMPLES = 300 if FULL else 30
PROPERTY = property_settings(EXAMPLES)

ARG = st.one_of(
    os_text(80, 40),
    st.sampled_from(
        [
            "",
            " ",
            "-",
            "--",
            "--help",
            "monitoring ",
            " source",
            "MONITORING",
            "x" * 5000,
            "../../etc/passwd",
            "$(id)",
            "\x1b[2J",
            "a\nb",
            "\u202emonitoring",
            "１２３４５６７８９０１２３４５６",
        ]
    ),
)
SANDBOX_ALIASES = ("monitoring", "source", "outsider")


def broken(good: str, forbidden: str, longest: int | None) -> st.SearchStrategy[str]:
    """Values that break a rule, built by hand: ``good`` with one ``forbidden`` character
    put inside it, ``good`` grown past ``longest`` characters, or nothing at all."""
    inside = st.tuples(st.integers(1, len(good) - 1), st.sampled_from(forbidden)).map(
        lambda at: good[: at[0]] + at[1] + good[at[0] :]
    )
    grown = [st.just(good + good[-1] * (longest + 1 - len(good)))] if longest else []
    return st.one_of(inside, *grown, st.just(""))


def run(state_dir: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--sandbox", "--sandbox-state", str(state_dir), *args], input=input
    )


def assert_refused(
    result: Result, sandbox: RunningSandbox, before: int, flag: str, rule: str | None, kind: str
) -> None:
    """Exit 2, the flag and the rule named on stderr, no traceback, no request sent."""
    INPUTS_TRIED[kind] += 1
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert flag in result.stderr, result.stderr
    if rule is not None:
        assert rule in result.stderr, result.stderr
    assert sandbox.server.app.request_count == before, "a request reached the sandbox"


# --- plan / apply / verify ---------------------------------------------------------------------

BASE = {"--flow": "ack", "--monitoring": "monitoring", "--source": "source"}
USER_RULE = "must be 1-64 of letters, digits, '.', '_', '-'"
# flag -> (a good value, the rule as the message words it, characters it forbids, max length)
FLOW_NAMES = {
    "--reporter-user": ("arms-reporter", USER_RULE, " /!$:@\u00e9\n", 64),
    "--people-user": ("arms-people", USER_RULE, " /!$:@\u00e9\n", 64),
    "--operator-user": ("arms-operator", USER_RULE, " /!$:@\u00e9\n", 64),
    "--role-name": ("arms-admin", "must be 1-64 of letters, digits, '-'", " _./!\u00e9", 64),
    "--cluster": ("c0123456789abcdef", "must be 'c' followed by 16-40 of a-z, 0-9", " A_-!;", 41),
    "--instance": ("i-bp1a2b3c4d", "must be 'i-' followed by 8-32 of a-z, 0-9", " A_!;", 34),
}


# each flow command, with what it needs to run without a terminal
FLOW_COMMANDS = {
    "plan": [],
    "apply": ["--yes"],
    "verify": [],
    "teardown": ["--plan"],
    "rotate": ["--plan"],
}


@PROPERTY
@given(
    command=st.sampled_from(sorted(FLOW_COMMANDS)),
    flag=st.sampled_from(sorted(FLOW_NAMES)),
    data=st.data(),
)
def test_flow_names_and_ids(
    state_dir: Path, sandbox: RunningSandbox, command: str, flag: str, data: st.DataObject
) -> None:
    if command == "rotate" and flag != "--reporter-user":
        flag = "--reporter-user"  # rotate takes the ACK reporting user's flags only
    good, rule, forbidden, longest = FLOW_NAMES[flag]
    value = data.draw(broken(good, forbidden, longest), label=flag)
    flow = {"--instance": "ecs", "--role-name": "role", "--operator-user": "role"}.get(flag, "ack")
    if command == "rotate":
        flow = "ack"  # the one flow with a key to rotate
    args = [f"{k}={v}" for k, v in dict(BASE, **{"--flow": flow}).items()] + [f"{flag}={value}"]
    before = sandbox.server.app.request_count
    result = run(state_dir, command, *args, *FLOW_COMMANDS[command])
    assert_refused(result, sandbox, before, flag, rule, "flow flags")


@PROPERTY
@given(
    command=st.sampled_from(sorted(FLOW_COMMANDS)),
    flag=st.sampled_from(["--monitoring", "--source"]),
    value=ARG.filter(lambda v: v not in SANDBOX_ALIASES),
)
def test_flow_accounts_must_be_configured(
    state_dir: Path, sandbox: RunningSandbox, command: str, flag: str, value: str
) -> None:
    chosen = dict(BASE, **{flag: value})
    before = sandbox.server.app.request_count
    result = run(
        state_dir, command, *[f"{k}={v}" for k, v in chosen.items()], *FLOW_COMMANDS[command]
    )
    assert_refused(result, sandbox, before, flag, None, "flow accounts")


@pytest.mark.parametrize(
    "args",
    [
        ("--monitoring", "source", "--source", "source"),  # A and B the same account
        ("--monitoring", "monitoring", "--source", "monitoring"),
    ],
)
def test_a_source_must_differ_from_the_monitoring_account(
    state_dir: Path, sandbox: RunningSandbox, args: tuple[str, ...]
) -> None:
    before = sandbox.server.app.request_count
    result = run(state_dir, "plan", "--flow", "role", *args)
    assert_refused(
        result, sandbox, before, "--source", "must differ from --monitoring", "flow accounts"
    )


CHOICES = {
    "--flow": ("ack", "ecs", "role"),
    "--access": ("keep", "dedicated-full", "dedicated-custom", "role"),
    "--role-policy": ("full", "custom"),
}


@PROPERTY
@given(flag=st.sampled_from(["--flow", "--access", "--role-policy"]), value=ARG)
def test_flow_choices(state_dir: Path, sandbox: RunningSandbox, flag: str, value: str) -> None:
    allowed = CHOICES[flag]
    if value in allowed:
        return
    args = dict(BASE, **{flag: value})
    before = sandbox.server.app.request_count
    result = run(state_dir, "plan", *[f"{k}={v}" for k, v in args.items()])
    assert_refused(result, sandbox, before, flag, "is not one of", "flow choices")


@PROPERTY
@given(value=ARG.filter(lambda v: v not in ("md", "json")))
def test_report_format(state_dir: Path, sandbox: RunningSandbox, value: str) -> None:
    before = sandbox.server.app.request_count
    assert_refused(
        run(state_dir, "report", f"--format={value}"),
        sandbox,
        before,
        "--format",
        "is not one of",
        "report flags",
    )


# --- whoami / switch ---------------------------------------------------------------------------

ARN = "acs:ram::1234567890123456:role/arms-admin"


@PROPERTY
@given(
    command=st.sampled_from(["whoami", "switch"]),
    value=ARG.filter(lambda v: v not in SANDBOX_ALIASES),
)
def test_identity_account(
    state_dir: Path, sandbox: RunningSandbox, command: str, value: str
) -> None:
    extra = ["--role-arn", ARN] if command == "switch" else []
    before = sandbox.server.app.request_count
    result = run(state_dir, command, f"--account={value}", *extra)
    assert_refused(
        result, sandbox, before, "--account", "must name a configured account", "identity flags"
    )


SWITCH = {
    "--role-arn": (
        ARN,
        "must be acs:ram::<16-digit account ID>:role/<role name>",
        " _!;\u00e9",
        None,
    ),
    "--session-name": (
        "armstui-switch",
        "must be 2-64 of letters, digits, '.', '@', '-', '_'",
        " /!:;\u00e9",
        64,
    ),
}


@PROPERTY
@given(flag=st.sampled_from(sorted(SWITCH)), data=st.data())
def test_switch_arn_and_session_name(
    state_dir: Path, sandbox: RunningSandbox, flag: str, data: st.DataObject
) -> None:
    good, rule, forbidden, longest = SWITCH[flag]
    value = data.draw(broken(good, forbidden, longest), label=flag)
    args = {"--account": "source", "--role-arn": ARN, flag: value}
    before = sandbox.server.app.request_count
    result = run(state_dir, "switch", *[f"{k}={v}" for k, v in args.items()])
    assert_refused(result, sandbox, before, flag, rule, "identity flags")


@PROPERTY
@given(
    value=st.one_of(
        st.integers().filter(lambda n: not 900 <= n <= 43200).map(str),
        st.sampled_from(["899", "43201", "0", "-3600", "1e3", "3600.5", "", "x", "\u0663\u0666"]),
    )
)
def test_switch_duration(state_dir: Path, sandbox: RunningSandbox, value: str) -> None:
    before = sandbox.server.app.request_count
    result = run(
        state_dir, "switch", "--account", "source", "--role-arn", ARN, f"--duration={value}"
    )
    assert_refused(result, sandbox, before, "--duration", None, "identity flags")


# --- accounts ----------------------------------------------------------------------------------

GOOD_ADD = {
    "alias": "prod-a",
    "--uid": "1234567890123456",
    "--access-key-id": "LTAIabcdefghijklmnop",
    "--region": "cn-hangzhou",
}
ALIAS_RULE = "must be 1-32 of a-z, 0-9, '-', '_', starting with a letter"
ALIAS_BREAKS = ("prod-a", ALIAS_RULE, " A./!\u00e9", 32)
# field -> (a good value, the rule as the message words it, characters it forbids, max length)
ADD_RULES = {
    "alias": ALIAS_BREAKS,
    "--uid": ("1234567890123456", "must be 16 digits", "a -\u0661", 16),
    "--access-key-id": (
        "LTAIabcdefghijklmnop",
        "must be 'LTAI' followed by 12-28 letters or digits",
        " -_!\u00e9",
        32,
    ),
    "--region": (
        "cn-hangzhou",
        "must be a region ID such as cn-hangzhou or ap-southeast-1",
        " A_/!",
        None,
    ),
}
# What a secret file or pipe may hold that the rule refuses (the first line, stripped).
SECRET_LINE = st.one_of(
    broken("S3cret-Value-xyz", " \t\u00a0\u00e9\x1b", 128),
    st.sampled_from(["", " \n", "\u00a0 \u00a0", "\u00e9" * 10]),  # strip() takes NBSP too
)


def _add_args(values: dict[str, str]) -> list[str]:
    return [
        "accounts",
        "add",
        "--vault",
        "file",
        *[f"{k}={v}" for k, v in values.items() if k != "alias"],
        "--",
        values["alias"],
    ]


@PROPERTY
@given(field=st.sampled_from(sorted(ADD_RULES)), data=st.data())
def test_accounts_add_fields(
    sandbox: RunningSandbox, isolated_home: Path, tmp_path: Path, field: str, data: st.DataObject
) -> None:
    good, rule, forbidden, longest = ADD_RULES[field]
    value = data.draw(broken(good, forbidden, longest), label=field)
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(
        main, _add_args(dict(GOOD_ADD, **{field: value})), input="S3cret-Value-xyz\n"
    )
    assert_refused(
        result, sandbox, before, field if field != "alias" else "alias", rule, "accounts add"
    )
    assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()


@settings(
    PROPERTY, max_examples=EXAMPLES // 3
)  # each example opens the encrypted file vault (a slow KDF)
@given(secret=SECRET_LINE)
def test_accounts_add_secret_from_stdin(
    sandbox: RunningSandbox,
    isolated_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct-horse-battery")
    passphrase.chmod(0o600)
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(passphrase))
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(main, _add_args(GOOD_ADD), input=secret + "\n")
    assert_refused(result, sandbox, before, "secret", "1-128 printable characters", "accounts add")
    assert "nothing was stored" in result.stderr
    assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()


@PROPERTY
@given(command=st.sampled_from(["remove", "add"]), value=broken(*ALIAS_BREAKS[::2], 32))
def test_accounts_alias_argument(sandbox: RunningSandbox, command: str, value: str) -> None:
    before = sandbox.server.app.request_count
    extra = (
        ["--uid", "1234567890123456", "--access-key-id", "LTAIabcdefghijklmnop"]
        if command == "add"
        else []
    )
    result = CliRunner().invoke(
        main, ["accounts", command, *extra, "--", value], input="S3cret-Value-xyz\n"
    )
    assert_refused(result, sandbox, before, "alias", None, "accounts alias")


@PROPERTY
@given(flag=st.sampled_from(["--alias", "--uid", "--region", "--profile"]), data=st.data())
def test_accounts_import_flags(
    sandbox: RunningSandbox, isolated_home: Path, flag: str, data: st.DataObject
) -> None:
    write_aliyun_config(isolated_home, ["dev"], "S3cret-Value-xyz")
    # the value is refused when this is true (an empty --alias or --region means "the profile's")
    # an empty --alias or --region means "the profile's"
    refused = {
        "--alias": broken("prod-a", " A./!", 32).filter(bool),
        "--uid": broken("1234567890123456", "a -\u0661", 16),
        "--region": broken("cn-hangzhou", " A_/!", None).filter(bool),
        "--profile": ARG.filter(lambda v: v != "dev"),
    }
    value = data.draw(refused[flag], label=flag)
    args = {"--profile": "dev", "--uid": "1234567890123456", flag: value}
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(
        main, ["accounts", "import", *[f"{k}={v}" for k, v in args.items()]]
    )
    assert_refused(result, sandbox, before, flag, None, "accounts import flags")
    assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()


# --- sandbox serve -----------------------------------------------------------------------------


class _Listening(Exception):
    """Raised in place of opening the state: the flags were all accepted."""


# flag -> (values it refuses, written out by hand; what the message names)
SERVE = {
    "--world": (
        ["huge", "", "large:sources=0", "large:sources=x", "large:foo=1", "default:sources=2"],
        "world:",
    ),
    "--faults": (["x", "throttle", "throttle=2", "throttle=-1", "nonsense=1"], "faults:"),
    "--port": (["-1", "65536", "x", "", "80.5"], "--port"),
    "--speed": (["0", "-1", "x", "", "nan", "inf"], "--speed"),
    "--host": (["a b", "a" * 300, "-a", "a..b", "exa_mple.com", "\u202ehost"], "--host"),
}


@PROPERTY
@given(flag=st.sampled_from(sorted(SERVE)), data=st.data())
def test_sandbox_serve_flags(
    sandbox: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    data: st.DataObject,
) -> None:
    import armstui.sandbox.state

    def never(*_a: Any, **_k: Any) -> Any:
        raise _Listening

    monkeypatch.setattr(armstui.sandbox.state, "open_state", never)
    values, named = SERVE[flag]
    value = data.draw(st.sampled_from(values), label=flag)
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(
        main, ["sandbox", "serve", "--state", str(tmp_path / "s"), f"{flag}={value}"]
    )
    assert not isinstance(result.exception, _Listening), f"{flag}={value!r} was accepted"
    assert_refused(result, sandbox, before, named, None, "sandbox serve flags")


@pytest.mark.parametrize(
    ("flag", "value", "rule"),
    [
        ("--speed", "nan", "must be a finite number"),  # click's FloatRange lets NaN through
        ("--speed", "inf", "must be a finite number"),
        (
            "--world",
            "large:sources=²",
            "whole number from 1 to",
        ),  # str.isdigit() took '²', int() did not
        (
            "--world",
            "large:instances=99999999999",
            "whole number from 0 to",
        ),  # would seed for hours
        (
            "--host",
            "a" * 300,
            "must be an IP address or a host name",
        ),  # was UnicodeError from the idna codec
    ],
)
def test_sandbox_serve_refuses_what_it_once_took(
    sandbox: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    value: str,
    rule: str,
) -> None:
    import armstui.sandbox.state

    monkeypatch.setattr(
        armstui.sandbox.state, "open_state", lambda *a, **k: (_ for _ in ()).throw(_Listening())
    )
    before = sandbox.server.app.request_count
    result = CliRunner().invoke(
        main, ["sandbox", "serve", "--state", str(tmp_path / "s"), f"{flag}={value}"]
    )
    assert_refused(result, sandbox, before, flag, rule, "sandbox serve flags")


@pytest.mark.parametrize(
    ("flag", "value"), [("--cluster", "c; rm -rf /"), ("--instance", "i-" + "x" * 500)]
)
def test_ids_are_checked_before_any_listing(
    state_dir: Path, sandbox: RunningSandbox, flag: str, value: str
) -> None:
    before = sandbox.server.app.request_count
    result = run(
        state_dir,
        "plan",
        "--flow",
        "ecs" if flag == "--instance" else "ack",
        "--monitoring",
        "monitoring",
        "--source",
        "source",
        flag,
        value,
    )
    assert_refused(result, sandbox, before, flag, "must be", "flow flags")
