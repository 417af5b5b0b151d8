"""Bad input from files and the environment: the aliyun CLI's
~/.aliyun/config.json, armstui's config.toml (and $ARMSTUI_CONFIG), the ALIBABA_CLOUD_*
variables and PYTHON_KEYRING_BACKEND. Whatever they hold: no traceback, exit 2 with a
message naming the file, the entry or the variable, no secret echoed, and no request sent
for credentials that cannot be right.

Accounts saved in config.toml act on the real cloud; here every session is pointed at the
test sandbox instead (``session_for`` wrapped), so "no request" is measured, never assumed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import armstui.cloud.session
from armstui.cli import main
from tests.reliability.conftest import FULL, INPUTS_TRIED, property_settings
from tests.support.bad_inputs import os_text
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

EXAMPLES = 200 if FULL else 25
PROPERTY = property_settings(EXAMPLES)
UID = "1234567890123456"


@pytest.fixture
def to_sandbox(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """Every session any command opens talks to the test sandbox, not to Alibaba Cloud."""
    real = armstui.cloud.session.session_for

    async def session_for(account: Any, vault: Any = None, **kw: Any) -> Any:
        kw["sandbox_endpoint"] = sandbox.endpoint
        return await real(account, vault, **kw)

    monkeypatch.setattr(armstui.cloud.session, "session_for", session_for)
    return sandbox


def no_traceback(result: Result, *allowed: int) -> None:
    assert result.exit_code in allowed, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit) or result.exception is None, repr(
        result.exception
    )


def leaked(result: Result, secrets: list[str]) -> list[str]:
    return [s for s in secrets if len(s) >= 6 and s in result.output]


# --- ~/.aliyun/config.json ---------------------------------------------------------------------

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
GOODISH = {
    "name": st.sampled_from(["default", "Prod A", "x", "a\nb", "\x1b[31mred", "é" * 70, ""]),
    "mode": st.sampled_from(["AK", "StsToken", "RamRoleArn", "EcsRamRole", "ak", "", "External"]),
    "access_key_id": st.sampled_from(
        ["LTAIabcdefghijklmnop", "LTAI", "STS.abcdefgh12", "key id", "LTAI" + "x" * 60]
    ),
    "access_key_secret": st.sampled_from(
        ["S3cret-Value-xyz", "", "with space secret", "x" * 300, "tab\tsecret"]
    ),
    "sts_token": st.sampled_from(["tok-abcdef-123456", "", "bad token value", "t" * 9000]),
    "region_id": st.sampled_from(["cn-hangzhou", "", "Hangzhou", "cn-hangzhou\n", "x" * 40]),
    "ram_role_arn": st.sampled_from([f"acs:ram::{UID}:role/r", "acs:ram::1:role/r", "", "arn"]),
    "ram_session_name": st.sampled_from(["s", "armstui", "bad name!", "x" * 80]),
}
PROFILE = st.fixed_dictionaries({}, optional={k: st.one_of(v, ODD) for k, v in GOODISH.items()})


def _nested(max_leaves: int) -> st.SearchStrategy[bytes]:
    """JSON documents of ODD values nested in lists and objects, encoded."""
    return st.recursive(
        ODD,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    ).map(lambda v: json.dumps(v).encode())


CLI_CONFIG = st.one_of(
    st.binary(max_size=200),  # not JSON, not UTF-8
    _nested(10),
    st.fixed_dictionaries(
        {"profiles": st.one_of(st.lists(st.one_of(PROFILE, ODD), max_size=4), ODD)},
        optional={"current": st.one_of(GOODISH["name"], ODD)},
    ).map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b"[" * 100_000,
            b'\xef\xbb\xbf{"profiles": []}',
            b'{"profiles": [' + b'{"name": "n"},' * 10 + b"{}]}",
            b"\xff\xfe{\x00}\x00",
            b"",
            b"null",
            b"{" * 3 + b"}" * 3,
        ]
    ),
)


def _secrets_in(content: bytes) -> list[str]:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return []
    profiles = data.get("profiles") if isinstance(data, dict) else None
    found = []
    for p in profiles if isinstance(profiles, list) else []:
        if isinstance(p, dict):
            found += [
                v
                for k, v in p.items()
                if k in ("access_key_secret", "sts_token") and isinstance(v, str)
            ]
    return found


@PROPERTY
@given(content=CLI_CONFIG)
def test_aliyun_cli_config(to_sandbox: RunningSandbox, isolated_home: Path, content: bytes) -> None:
    INPUTS_TRIED["aliyun config files"] += 1
    config_toml = isolated_home / ".config" / "armstui" / "config.toml"
    config_toml.unlink(missing_ok=True)
    (isolated_home / ".aliyun").mkdir(exist_ok=True)
    (isolated_home / ".aliyun" / "config.json").write_bytes(content)
    secrets = _secrets_in(content)
    before = to_sandbox.server.app.request_count

    listed = CliRunner().invoke(main, ["accounts", "import"])
    no_traceback(listed, 0, 2)
    imported = CliRunner().invoke(main, ["accounts", "import", "--all", "--uid", UID])
    no_traceback(imported, 0, 2)
    assert to_sandbox.server.app.request_count == before, "importing sent a request"
    assert not leaked(listed, secrets) and not leaked(imported, secrets)
    if listed.exit_code == 2:
        assert "~/.aliyun/config.json" in listed.stderr

    if imported.exit_code == 0 and config_toml.exists():
        import tomllib

        for alias in tomllib.loads(config_toml.read_text())["accounts"]:
            before = to_sandbox.server.app.request_count
            used = CliRunner().invoke(main, ["whoami", "--account", alias])
            no_traceback(used, 1, 2)  # no profile here holds a key the sandbox knows
            assert not leaked(used, secrets)
            if used.exit_code == 2:  # the profile was refused before any call
                assert to_sandbox.server.app.request_count == before, used.stderr
                assert "profile" in used.stderr
            else:  # its credentials had the right shape: the cloud's refusal, with code and hint
                assert "InvalidAccessKeyId" in used.stderr and "hint:" in used.stderr, used.stderr


@pytest.mark.parametrize(
    ("profile", "named"),
    [
        (
            {"access_key_id": 12345},
            "access_key_id: must be a string",
        ),  # was a TypeError in short_key_id
        ({"mode": ["AK"]}, "mode"),
        ({"region_id": "\x1b[2J"}, "region_id: must be a region ID"),
    ],
)
def test_a_mistyped_profile_is_named_and_the_others_still_listed(
    isolated_home: Path, profile: dict, named: str
) -> None:
    good = {
        "name": "good",
        "mode": "AK",
        "access_key_id": "LTAIabcdefghijklmnop",
        "access_key_secret": "S3cret-Value-xyz",
    }
    bad = dict(good, name="bad", **profile)
    (isolated_home / ".aliyun").mkdir()
    (isolated_home / ".aliyun" / "config.json").write_text(json.dumps({"profiles": [bad, good]}))
    result = CliRunner().invoke(main, ["accounts", "import"])
    INPUTS_TRIED["aliyun config files"] += 1
    no_traceback(result, 0)
    assert "'bad': " in result.stdout and named in result.stdout
    assert "'good': AK, key LTAI…mnop, cn-hangzhou\n" in result.stdout
    assert "\x1b" not in result.output


@pytest.mark.parametrize("content", [b"[" * 100_000, b" " * (5 * 1024 * 1024) + b"{}"])
def test_a_deep_or_huge_aliyun_config_is_refused_plainly(
    isolated_home: Path, content: bytes
) -> None:
    (isolated_home / ".aliyun").mkdir()
    (isolated_home / ".aliyun" / "config.json").write_bytes(content)
    result = CliRunner().invoke(main, ["accounts", "import"])
    INPUTS_TRIED["aliyun config files"] += 1
    no_traceback(result, 2)
    assert "~/.aliyun/config.json" in result.stderr and (
        "RecursionError" in result.stderr or "larger than" in result.stderr
    )


# --- config.toml -------------------------------------------------------------------------------

TOML_VALUE = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
)
ACCOUNT_TABLE = st.fixed_dictionaries(
    {},
    optional={
        "uid": st.one_of(st.just(UID), TOML_VALUE),
        "region": st.one_of(st.just("cn-hangzhou"), TOML_VALUE),
        "production": TOML_VALUE,
        "credential": st.one_of(
            TOML_VALUE,
            st.fixed_dictionaries(
                {},
                optional={
                    "source": st.one_of(
                        st.sampled_from(["vault", "aliyun-cli", "env", "keyring"]), TOML_VALUE
                    ),
                    "access_key_id": st.one_of(st.just("LTAIabcdefghijklmnop"), TOML_VALUE),
                    "profile": TOML_VALUE,
                },
            ),
        ),
    },
)
CONFIG_TOML = st.one_of(
    st.binary(max_size=200),
    st.fixed_dictionaries(
        {},
        optional={
            "vault": st.one_of(
                st.sampled_from(["keyring", "file", "memory", "plaintext"]), TOML_VALUE
            ),
            "monitoring": TOML_VALUE,
            "sources": TOML_VALUE,
            "accounts": st.one_of(
                TOML_VALUE,
                st.dictionaries(
                    st.one_of(st.sampled_from(["prod-a", "b"]), st.text(max_size=10)),
                    st.one_of(ACCOUNT_TABLE, TOML_VALUE),
                    max_size=3,
                ),
            ),
        },
    ).map(lambda d: tomli_w.dumps(d).encode()),
    st.sampled_from(
        [b"a = " + b"[" * 5000 + b"]" * 5000, b"\xff\xfe", b"vault = 'keyring'\nvault = 'file'\n"]
    ),
)


@PROPERTY
@given(content=CONFIG_TOML)
def test_config_toml(
    to_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    INPUTS_TRIED["config.toml files"] += 1
    path = tmp_path / "odd-config.toml"
    path.write_bytes(content)
    monkeypatch.setenv("ARMSTUI_CONFIG", str(path))
    before = to_sandbox.server.app.request_count
    for args in (
        ["accounts", "list"],
        ["whoami", "--account", "prod-a"],
        ["plan", "--flow", "role", "--monitoring", "prod-a", "--source", "b"],
    ):
        result = CliRunner().invoke(main, args)
        no_traceback(result, 0, 2)
        if result.exit_code == 2 and args[0] == "accounts":
            assert str(path) in result.stderr, result.stderr
    assert to_sandbox.server.app.request_count == before  # no account here has usable credentials


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            b"accounts = [1]\n",
            "accounts: must be a table",
        ),  # was AttributeError: 'list' object has no attribute 'items'
        (
            b'[accounts.a]\ncredential = "vault"\nuid = "1234567890123456"\n',
            "accounts.a.credential: must be a table",
        ),
        (
            b'[accounts."a\\u001b[2J"]\nuid = "1234567890123456"\n',
            "accounts.'a\\x1b[2J'.alias: must be",
        ),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),  # was RecursionError
    ],
)
def test_config_toml_mistakes_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, named: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    monkeypatch.setenv("ARMSTUI_CONFIG", str(path))
    result = CliRunner().invoke(main, ["accounts", "list"])
    INPUTS_TRIED["config.toml files"] += 1
    no_traceback(result, 2)
    assert named in result.stderr and str(path) in result.stderr
    assert "\x1b" not in result.output


@pytest.mark.parametrize("where", ["a directory", "under a file", "/proc (not writable)"])
def test_an_unwritable_armstui_config_is_named_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    path = {
        "a directory": tmp_path,
        "under a file": blocker / "config.toml",
        "/proc (not writable)": Path("/proc/armstui-test/config.toml"),
    }[where]
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct-horse-battery")
    monkeypatch.setenv("ARMSTUI_CONFIG", str(path))
    monkeypatch.setenv("ARMSTUI_VAULT_PASSPHRASE_FILE", str(passphrase))
    result = CliRunner().invoke(
        main,
        [
            "accounts",
            "add",
            "prod-a",
            "--uid",
            UID,
            "--access-key-id",
            "LTAIabcdefghijklmnop",
            "--vault",
            "file",
        ],
        input="S3cret-Value-xyz\n",
    )
    INPUTS_TRIED["ARMSTUI_CONFIG paths"] += 1
    no_traceback(result, 2)
    assert str(path) in result.stderr
    from armstui.vault import open_vault

    assert (
        open_vault("file", "correct-horse-battery").read("accesskey/LTAIabcdefghijklmnop") is None
    )


# --- environment variables ---------------------------------------------------------------------

ENV_TEXT = st.one_of(
    os_text(60, 30),
    st.sampled_from(
        [
            "LTAIabcdefghijklmnop",
            "STS.abcdefgh12",
            "S3cret-Value-xyz",
            "cn-hangzhou",
            " LTAIabcdefghijklmnop",
            "S3cret Value",
            "tok\nen",
            "x" * 9000,
        ]
    ),
)


@PROPERTY
@given(
    key_id=ENV_TEXT,
    secret=ENV_TEXT,
    token=st.one_of(st.none(), ENV_TEXT),
    region=st.one_of(st.none(), ENV_TEXT),
)
def test_alibaba_cloud_variables(
    to_sandbox: RunningSandbox,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    key_id: str,
    secret: str,
    token: str | None,
    region: str | None,
) -> None:
    INPUTS_TRIED["ALIBABA_CLOUD_* variables"] += 1
    (isolated_home / ".config" / "armstui" / "config.toml").unlink(missing_ok=True)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
    for name, value in (
        ("ALIBABA_CLOUD_SECURITY_TOKEN", token),
        ("ALIBABA_CLOUD_REGION_ID", region),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    before = to_sandbox.server.app.request_count
    imported = CliRunner().invoke(
        main, ["accounts", "import", "--env", "--alias", "env-a", "--uid", UID]
    )
    no_traceback(imported, 0, 2)
    assert not leaked(imported, [secret, token or ""])
    if imported.exit_code == 2:
        # "contains a secret": the redactor knows a secret (from this or an earlier example)
        # that the settings would hold, e.g. a secret "cn-hangzhou": nothing is written.
        assert any(
            n in imported.stderr for n in ("ALIBABA_CLOUD_", "region", "--env", "contains a secret")
        ), imported.stderr
        return
    used = CliRunner().invoke(main, ["whoami", "--account", "env-a"])
    no_traceback(used, 1, 2)
    assert not leaked(used, [secret, token or ""])
    if used.exit_code == 2:
        assert "ALIBABA_CLOUD_" in used.stderr and "must be" in used.stderr, used.stderr
        assert to_sandbox.server.app.request_count == before
    else:  # well-shaped, unknown to the sandbox: refused by the cloud, code and hint shown
        assert "InvalidAccessKeyId" in used.stderr or "InvalidSecurityToken" in used.stderr, (
            used.stderr
        )
        assert "hint:" in used.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "not-a-key-id"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "has a space"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok en"),
    ],
)
def test_a_malformed_variable_is_named_and_nothing_is_sent(
    to_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIabcdefghijklmnop")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "S3cret-Value-xyz")
    monkeypatch.setenv(name, value)
    assert (
        CliRunner()
        .invoke(main, ["accounts", "import", "--env", "--alias", "env-a", "--uid", UID])
        .exit_code
        == 0
    )
    before = to_sandbox.server.app.request_count
    result = CliRunner().invoke(main, ["whoami", "--account", "env-a"])
    INPUTS_TRIED["ALIBABA_CLOUD_* variables"] += 1
    no_traceback(result, 2)
    assert f"{name}: must be" in result.stderr
    assert to_sandbox.server.app.request_count == before


@pytest.mark.parametrize(
    "backend",
    [
        "",
        "no.such.Backend",
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
        "x" * 300,
        "é.è",
    ],
)
def test_python_keyring_backend(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path, backend: str
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    result = CliRunner().invoke(
        main,
        ["accounts", "add", "prod-a", "--uid", UID, "--access-key-id", "LTAIabcdefghijklmnop"],
        input="S3cret-Value-xyz\n",
    )
    INPUTS_TRIED["PYTHON_KEYRING_BACKEND values"] += 1
    no_traceback(result, 2)
    assert "keyring" in result.stderr.lower() and "S3cret-Value-xyz" not in result.output
    assert not (isolated_home / ".config" / "armstui" / "config.toml").exists()


# --- sandbox.json and --sandbox-state ----------------------------------------------------------

SANDBOX_JSON = st.one_of(
    st.binary(max_size=100),
    _nested(8),
    st.fixed_dictionaries(
        {},
        optional={
            "endpoint": ODD,
            "region": ODD,
            "speed": ODD,
            "accounts": st.one_of(
                ODD,
                st.dictionaries(
                    st.sampled_from(["monitoring", "Bad Alias"]),
                    st.one_of(
                        ODD,
                        st.fixed_dictionaries(
                            {},
                            optional={"uid": ODD, "access_key_id": ODD, "access_key_secret": ODD},
                        ),
                    ),
                    max_size=2,
                ),
            ),
        },
    ).map(lambda v: json.dumps(v).encode()),
)


@PROPERTY
@given(content=SANDBOX_JSON)
def test_sandbox_json(tmp_path: Path, content: bytes) -> None:
    """`report` reads sandbox.json without starting a sandbox: whatever it holds, exit 0 or 2."""
    INPUTS_TRIED["sandbox.json files"] += 1
    state = tmp_path / "odd-sandbox"
    state.mkdir(exist_ok=True)
    (state / "sandbox.json").write_bytes(content)
    for args in (["report"], ["accounts", "list"]):
        result = CliRunner().invoke(main, ["--sandbox", "--sandbox-state", str(state), *args])
        no_traceback(result, 0, 2)
        if result.exit_code == 2:
            assert "sandbox" in result.stderr or "no setup has run yet" in result.stderr, (
                result.stderr
            )


@pytest.mark.parametrize("content", [b'{"endpoint": 5', b"[]", b'{"accounts": {}}'])
def test_report_names_a_broken_sandbox_json(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "sandbox.json").write_bytes(content)  # was JSONDecodeError / ConfigError / KeyError
    result = CliRunner().invoke(main, ["report", "--sandbox-state", str(tmp_path)])
    INPUTS_TRIED["sandbox.json files"] += 1
    no_traceback(result, 2)
    assert f"--sandbox-state: {tmp_path} cannot be used" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["whoami", "--account", "source"],
        ["plan", "--flow", "role", "--monitoring", "monitoring", "--source", "source"],
    ],
)
def test_an_unusable_sandbox_state_dir_is_named(command: list[str]) -> None:
    result = CliRunner().invoke(
        main, ["--sandbox-state", "/proc/armstui-test/state", *command]
    )  # was FileNotFoundError
    INPUTS_TRIED["--sandbox-state paths"] += 1
    no_traceback(result, 2)
    assert "--sandbox-state: /proc/armstui-test/state cannot be used" in result.stderr
