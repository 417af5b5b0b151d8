"""Odd answers (issue #9, part 3): an endpoint that answers garbage — not JSON, a proxy's
HTML 502 page, an empty body, JSON without the documented fields or with the wrong types,
an error without ``Code``, a message of a megabyte — and SDK exceptions with odd payloads
become a CloudError with a code, a request ID (or "none") and a hint; never a traceback, in
the cloud layer, the CLI or the app.

The garbage comes from a tiny aiohttp server that the official SDK clients reach through
:class:`CloudSession` (endpoint + HTTP, as for the sandbox); it answers the sandbox's health
check properly, so ``--sandbox-state`` and the app can be pointed at it too.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from armstui.cli import main
from armstui.cloud import arms, cs, ecs, sts
from armstui.cloud.errors import CloudError, from_sdk
from armstui.cloud.session import CloudSession, RetryPolicy
from armstui.model import Credentials
from tests.reliability.conftest import FULL, INPUTS_TRIED, property_settings
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.usefixtures("forget_seen_secrets", "forget_keyring_backends")

EXAMPLES = 300 if FULL else 40
PROPERTY = property_settings(EXAMPLES)
KEY = Credentials("LTAIabcdefghijklmnop", "odd-answers-secret-value")


@dataclass
class Answer:
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


class OddServer:
    """Answers every API request with ``self.answer``; /__sandbox/health says ok."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _any(self, request: web.Request) -> web.Response:
        self.requests += 1
        a = self.answer
        return web.Response(
            status=a.status, body=a.body, headers={"Content-Type": a.content_type, **a.headers}
        )

    def start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_get("/__sandbox/health", self._health)
            app.router.add_route("*", "/{tail:.*}", self._any)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


@pytest.fixture
def odd() -> Iterator[OddServer]:
    server = OddServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def session_on(server: OddServer) -> CloudSession:
    return CloudSession(
        "odd",
        "1234567890123456",
        "cn-hangzhou",
        KEY,
        endpoint=server.endpoint,
        retry=RetryPolicy(max_attempts=1),
    )


def assert_well_formed(error: CloudError) -> None:
    """What the operator needs from any failure: a code, a request ID or 'none', a hint."""
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", error.code), error.code
    text = str(error)
    assert re.search(r"\(request ID [A-Za-z0-9._-]+\)", text), text
    assert error.hint, text
    assert len(text) < 2000, len(text)
    assert KEY.access_key_secret not in text + repr(error)


# --- the answers -------------------------------------------------------------------------------

JSONISH = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "AccountId",
    "Arn",
    "IdentityType",
    "TraceApps",
    "clusters",
    "Instances",
    "NextToken",
    "Credentials",
    "RequestId",
    "Code",
    "Message",
    "page_info",
    "Success",
    "LicenseKey",
]
API_LIKE = st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=6)
ERROR_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "Code": st.one_of(
            st.sampled_from(
                ["Throttling.User", "NoPermission", "Forbidden.RAM", "", "\x1b[2J", "a" * 300]
            ),
            JSONISH,
        ),
        "Message": st.one_of(st.text(max_size=50), st.just("m" * 1_000_000), JSONISH),
        "RequestId": st.one_of(
            st.sampled_from(["6C7A2D3B-1F0E-4E1D-9A5B-2B3C4D5E6F70", "", "id\nwith newline"]),
            JSONISH,
        ),
        "AccessDeniedDetail": JSONISH,
    },
)
BODY = st.one_of(
    st.binary(max_size=300),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    API_LIKE.map(lambda v: json.dumps(v).encode()),
    ERROR_LIKE.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b"",
            b"null",
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            b"\xef\xbb\xbf{}",
            b'{"RequestId": "X", "TraceApps": "not a list"}',
            b'{"NextToken": "same", "Instances": {"Instance": []}}',
        ]
    ),
)
ANSWER = st.builds(
    Answer,
    status=st.sampled_from([200, 200, 400, 403, 404, 500, 502, 503]),
    content_type=st.sampled_from(
        ["application/json", "text/html", "text/plain", "application/xml"]
    ),
    body=BODY,
    headers=st.one_of(
        st.just({}), st.just({"x-acs-request-id": "HDR-1"}), st.just({"x-acs-retry-after": "abc"})
    ),
)
CALLS = {
    "sts.GetCallerIdentity": lambda s: sts.get_caller_identity(s),
    "sts.AssumeRole": lambda s: sts.assume_role(s, "acs:ram::1234567890123456:role/r", "armstui"),
    "arms.ListTraceApps": lambda s: arms.list_trace_apps(s),
    "arms.DescribeTraceLicenseKey": lambda s: arms.describe_trace_license_key(s),
    "cs.DescribeClustersV1": lambda s: cs.describe_clusters(s),
    "ecs.DescribeInstances": lambda s: ecs.describe_instances(s),
}


def _returned_sensibly(call: str, value: Any) -> None:
    if call == "sts.GetCallerIdentity":
        assert all(
            isinstance(x, str) and x for x in (value.account_id, value.identity_type, value.arn)
        ), value
    elif call == "sts.AssumeRole":
        assert isinstance(value.security_token, str) and value.security_token
    elif call == "arms.DescribeTraceLicenseKey":
        assert isinstance(value, str) and value
    else:
        assert isinstance(value, list)


@PROPERTY
@given(answer=ANSWER, call=st.sampled_from(sorted(CALLS)))
def test_any_answer_is_a_result_or_a_well_formed_cloud_error(
    odd: OddServer, answer: Answer, call: str
) -> None:
    INPUTS_TRIED["odd answers"] += 1
    odd.answer = answer

    async def go() -> Any:
        return await asyncio.wait_for(CALLS[call](session_on(odd)), 10)  # a page loop must end

    try:
        value = asyncio.run(go())
    except CloudError as error:
        assert_well_formed(error)
    else:
        _returned_sensibly(call, value)


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            Answer(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "MalformedAnswer",
        ),
        (Answer(200, "text/plain", b"hello"), "MalformedAnswer"),
        (Answer(200, "application/json", b""), "MalformedAnswer"),
        (
            Answer(200, "application/json", b"null"),
            "MalformedAnswer",
        ),  # was AttributeError: 'NoneType' ... 'account_id'
        (
            Answer(200, "application/json", b'{"RequestId": "R-1"}'),
            "MalformedAnswer",
        ),  # was an identity of Nones
        (
            Answer(400, "application/json", b'{"Message": "bad", "RequestId": "R-2"}'),
            "HTTP400",
        ),  # was "ConnectionError"
        (
            Answer(
                403,
                "application/json",
                json.dumps({"Code": "Forbidden", "Message": "m" * 200_000}).encode(),
            ),
            "Forbidden",
        ),
    ],
)
def test_whoami_turns_odd_answers_into_cloud_errors(
    odd: OddServer, answer: Answer, code: str
) -> None:
    INPUTS_TRIED["odd answers"] += 1
    odd.answer = answer
    with pytest.raises(CloudError) as caught:
        asyncio.run(sts.get_caller_identity(session_on(odd)))
    assert caught.value.code == code
    assert_well_formed(caught.value)
    if code == "MalformedAnswer":
        assert (
            "not with an Alibaba Cloud API answer" in caught.value.hint
            and "Could not reach" not in str(caught.value)
        )


def test_a_next_token_that_repeats_ends_the_paging(odd: OddServer) -> None:
    odd.answer = Answer(
        body=json.dumps(
            {
                "RequestId": "R",
                "NextToken": "again",
                "Instances": {"Instance": [{"InstanceId": "i-abcdefgh12"}]},
            }
        ).encode()
    )
    with pytest.raises(CloudError) as caught:
        asyncio.run(asyncio.wait_for(ecs.describe_instances(session_on(odd)), 10))
    assert caught.value.code == "MalformedAnswer" and "NextToken" in caught.value.message
    assert odd.requests == 2


def test_a_proxy_error_page_is_retried_on_a_read_and_never_on_a_change(odd: OddServer) -> None:
    from armstui.cloud import ram

    odd.answer = Answer(502, "text/html", b"<html>502</html>")
    session = CloudSession(
        "odd",
        "1234567890123456",
        "cn-hangzhou",
        KEY,
        endpoint=odd.endpoint,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001),
    )
    with pytest.raises(CloudError):
        asyncio.run(sts.get_caller_identity(session))
    assert odd.requests == 3
    with pytest.raises(CloudError):
        asyncio.run(ram.create_user(session, "u"))
    assert odd.requests == 4


# --- SDK exceptions with odd payloads ----------------------------------------------------------

ODD_VALUE = st.one_of(
    JSONISH, st.just("x" * 100_000), st.sampled_from(["None", "", "\n", "NoPermission"])
)


def _sdk_exception(
    kind: str, code: Any, message: Any, data: Any, status: Any, request_id: Any, detail: Any
) -> BaseException:
    from alibabacloud_tea_openapi.exceptions import (
        ClientException,
        ServerException,
        ThrottlingException,
    )
    from darabonba.exceptions import RetryError

    if kind == "plain":
        return RuntimeError(message)
    if kind == "unretryable":

        class Wrapped(Exception):  # the shape of darabonba's UnretryableException
            inner_exception = RetryError(str(message)) if status else ValueError(str(message))

        return Wrapped()
    cls = {"client": ClientException, "server": ServerException, "throttling": ThrottlingException}[
        kind
    ]
    exc = cls(status_code=None, code=None, message=None)
    # Set after construction: the SDK's constructors format some of them into the text.
    exc.code, exc.message, exc.data, exc.status_code = code, message, data, status
    exc.request_id, exc.access_denied_detail = request_id, detail
    return exc


@PROPERTY
@given(
    kind=st.sampled_from(["client", "server", "throttling", "plain", "unretryable"]),
    code=ODD_VALUE,
    message=ODD_VALUE,
    data=st.one_of(st.none(), ODD_VALUE, ERROR_LIKE),
    status=st.one_of(st.none(), ODD_VALUE),
    request_id=ODD_VALUE,
    detail=ODD_VALUE,
)
def test_from_sdk_is_total(
    kind: str, code: Any, message: Any, data: Any, status: Any, request_id: Any, detail: Any
) -> None:
    INPUTS_TRIED["odd SDK exceptions"] += 1
    exc = _sdk_exception(kind, code, message, data, status, request_id, detail)
    error = from_sdk(exc, "ram", "GetUser", "odd", "127.0.0.1:1")
    assert isinstance(error, CloudError)
    assert_well_formed(error)


# --- the CLI and the app -----------------------------------------------------------------------


@pytest.fixture
def odd_state(odd: OddServer, sandbox: RunningSandbox, tmp_path: Path) -> Path:
    """A sandbox state dir whose sandbox.json (accounts and keys from the test sandbox) names
    the odd server as the endpoint."""
    directory = tmp_path / "odd-state"
    sandbox.write_description(directory)
    described = json.loads((directory / "sandbox.json").read_text())
    described["endpoint"] = odd.endpoint
    (directory / "sandbox.json").write_text(json.dumps(described))
    (directory / "config.toml").write_text('vault = "memory"\n')  # its secrets: this session's
    return directory


@pytest.mark.parametrize(
    "answer",
    [
        Answer(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        Answer(200, "application/json", b"[]"),
        Answer(500, "application/json", b'{"Code": 500}'),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["whoami", "--account", "source"],
        ["switch", "--account", "source", "--role-arn", "acs:ram::1234567890123456:role/r"],
        ["plan", "--flow", "ack", "--monitoring", "monitoring", "--source", "source"],
    ],
)
def test_the_cli_shows_code_request_id_and_hint(
    odd: OddServer, odd_state: Path, answer: Answer, command: list[str]
) -> None:
    INPUTS_TRIED["odd answers"] += 1
    odd.answer = answer
    result = CliRunner().invoke(main, ["--sandbox", "--sandbox-state", str(odd_state), *command])
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "request ID" in result.output and "hint:" in result.output, result.output
    assert odd.requests > 0


async def test_the_app_shows_odd_answers_without_a_traceback(
    odd: OddServer, odd_state: Path
) -> None:
    from armstui.accounts import open_sandbox_workspace
    from armstui.tui.app import ArmsTui
    from armstui.tui.screens.identity import IdentityScreen
    from tests.tui.conftest import wait_for

    odd.answer = Answer(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    workspace = open_sandbox_workspace(odd_state / "sandbox.json", vault_kind="memory")
    app = ArmsTui(workspace_factory=lambda: workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: app.state.workspace is not None and len(app.state.identities) == 3,
            what="every whoami to fail",
        )
        await pilot.press("i")
        await wait_for(
            pilot, lambda: isinstance(app.screen, IdentityScreen), what="the identity screen"
        )
        await pilot.pause()
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "MalformedAnswer" in screen
        assert all(
            who.caller is None and "request ID" in who.error and "hint:" in who.error
            for who in app.state.identities.values()
        )
    assert app.return_code in (None, 0)
    workspace.close()
