"""Injected faults (armstui/sandbox/faults.py), as an official SDK client observes them:
throttling and 5xx at their configured rates (seeded, so a run replays exactly), dropped
connections, added latency, apply-then-fail, ``only=``; and bad specs refused naming the key."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from alibabacloud_ram20150501 import models as ram
from Tea.exceptions import TeaException, UnretryableException

from armstui.sandbox.faults import Faults
from tests.support.sandbox import RunningSandbox, serving

CALLS = 200


def _faults(sandbox: RunningSandbox, spec: dict[str, Any]) -> requests.Response:
    return requests.post(f"http://{sandbox.endpoint}/__sandbox/faults", json=spec, timeout=5)


def _outcomes(client: Any, calls: int = CALLS) -> list[str]:
    """What each of ``calls`` GetCallerIdentity calls came back as: "ok", an error code, or "dropped"."""
    out = []
    for _ in range(calls):
        try:
            client.get_caller_identity()
            out.append("ok")
        except UnretryableException:
            out.append("dropped")
        except TeaException as err:
            out.append(f"{err.status_code} {err.code}")
    return out


def test_throttling_at_the_configured_rate(sandbox: RunningSandbox) -> None:
    assert _faults(sandbox, {"throttle": 0.3, "seed": 7}).status_code == 200
    outcomes = _outcomes(sandbox.client("sts", "source"))
    throttled = outcomes.count("400 Throttling.User")
    assert set(outcomes) == {"ok", "400 Throttling.User"}
    assert abs(throttled / CALLS - 0.3) < 0.08, throttled
    assert (
        sandbox.state.faults.stats["throttle"] == throttled
    )  # the client does not retry on its own


def test_a_seed_replays_the_same_run(sandbox: RunningSandbox) -> None:
    client = sandbox.client("sts", "source")
    _faults(sandbox, {"throttle": 0.4, "seed": 11})
    first = _outcomes(client, 60)
    _faults(sandbox, {"throttle": 0.4, "seed": 11})
    assert _outcomes(client, 60) == first
    _faults(sandbox, {"throttle": 0.4, "seed": 12})
    assert _outcomes(client, 60) != first


def test_5xx_at_the_configured_rate(sandbox: RunningSandbox) -> None:
    _faults(sandbox, {"5xx": 0.25, "seed": 3})
    outcomes = _outcomes(sandbox.client("sts", "source"))
    failed = [o for o in outcomes if o != "ok"]
    assert set(failed) == {"503 ServiceUnavailable", "500 InternalError"}
    assert abs(len(failed) / CALLS - 0.25) < 0.08, len(failed)


def test_dropped_connections_are_connection_errors(sandbox: RunningSandbox) -> None:
    _faults(sandbox, {"drop": 0.5, "seed": 5})
    outcomes = _outcomes(sandbox.client("sts", "source"), 60)
    assert set(outcomes) == {"ok", "dropped"}
    assert abs(outcomes.count("dropped") / 60 - 0.5) < 0.2
    assert sandbox.state.faults.stats["drop"] == outcomes.count("dropped")


def test_every_call_dropped(sandbox: RunningSandbox) -> None:
    _faults(sandbox, {"drop": 1})
    with pytest.raises(UnretryableException) as info:
        sandbox.client("sts", "source").get_caller_identity()
    assert "closed connection" in str(info.value) or "aborted" in str(info.value)


def test_fixed_and_ranged_latency(sandbox: RunningSandbox) -> None:
    client = sandbox.client("sts", "source")
    client.get_caller_identity()  # warm up the connection
    started = time.perf_counter()
    client.get_caller_identity()
    base = time.perf_counter() - started

    _faults(sandbox, {"latency": "100ms"})
    started = time.perf_counter()
    for _ in range(2):
        client.get_caller_identity()
    fixed = (time.perf_counter() - started) / 2
    assert 0.1 <= fixed < 0.1 + base + 0.25, fixed

    _faults(sandbox, {"latency": "20-60ms", "seed": 1})
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        client.get_caller_identity()
        timings.append(time.perf_counter() - started)
    assert min(timings) >= 0.02 and max(timings) < 0.06 + base + 0.2
    assert max(timings) - min(timings) > 0.005  # a range, not one value


def test_apply_then_fail_makes_the_change_and_loses_the_answer(sandbox: RunningSandbox) -> None:
    client = sandbox.client("ram", "monitoring")
    assert _faults(sandbox, {"apply-then-fail": "CreateUser"}).status_code == 200
    with pytest.raises(TeaException) as info:
        client.create_user(ram.CreateUserRequest(user_name="half-done"))
    assert (info.value.status_code, info.value.code) == (503, "ServiceUnavailable")
    assert sandbox.state.store.get("ram.user", f"{sandbox.uid('monitoring')}/half-done") is not None
    assert (
        client.get_user(ram.GetUserRequest(user_name="half-done")).body.user.user_name
        == "half-done"
    )
    with pytest.raises(TeaException) as again:  # a blind retry meets the change it made
        client.create_user(ram.CreateUserRequest(user_name="half-done"))
    assert again.value.code == "EntityAlreadyExists.User"
    assert (
        client.create_user(ram.CreateUserRequest(user_name="next")).body.user.user_name == "next"
    )  # once only
    assert sandbox.state.faults.stats["apply-then-fail"] == 1


def test_apply_then_fail_on_the_secret_only_response(sandbox: RunningSandbox) -> None:
    client = sandbox.client("ram", "monitoring")
    client.create_user(ram.CreateUserRequest(user_name="reporter"))
    _faults(sandbox, {"apply-then-fail": ["CreateAccessKey:2"]})
    for _ in range(2):
        with pytest.raises(TeaException):
            client.create_access_key(ram.CreateAccessKeyRequest(user_name="reporter"))
    keys = client.list_access_keys(
        ram.ListAccessKeysRequest(user_name="reporter")
    ).body.access_keys.access_key
    assert len(keys) == 2  # two orphans: their secrets were never seen
    with pytest.raises(TeaException) as info:
        client.create_access_key(ram.CreateAccessKeyRequest(user_name="reporter"))
    assert info.value.code == "LimitExceeded.User.AccessKey"


def test_apply_then_fail_star_spares_reads(sandbox: RunningSandbox) -> None:
    client = sandbox.client("ram", "monitoring")
    _faults(sandbox, {"apply-then-fail": "*:3"})
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin"
    ]
    for name in ("u1", "u2", "u3"):
        with pytest.raises(TeaException):
            client.create_user(ram.CreateUserRequest(user_name=name))
    client.create_user(ram.CreateUserRequest(user_name="u4"))
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin",
        "u1",
        "u2",
        "u3",
        "u4",
    ]


def test_a_refused_change_is_not_applied_then_failed(sandbox: RunningSandbox) -> None:
    client = sandbox.client("ram", "monitoring")
    _faults(sandbox, {"apply-then-fail": "CreateUser"})
    with pytest.raises(TeaException) as info:
        client.create_user(ram.CreateUserRequest(user_name="bad name"))
    assert info.value.code == "InvalidParameter.UserName.InvalidChars"  # the real error, not a 503
    with pytest.raises(TeaException) as lost:
        client.create_user(ram.CreateUserRequest(user_name="good"))
    assert lost.value.code == "ServiceUnavailable"  # the fault is still armed


def test_only_limits_random_faults_to_the_named_actions(sandbox: RunningSandbox) -> None:
    _faults(sandbox, {"throttle": 1, "only": ["ListUsers"]})
    client = sandbox.client("ram", "monitoring")
    assert _outcomes(sandbox.client("sts", "source"), 10) == ["ok"] * 10
    assert client.get_user is not None
    with pytest.raises(TeaException) as info:
        client.list_users(ram.ListUsersRequest())
    assert info.value.code == "Throttling.User"
    _faults(sandbox, {"throttle": 1, "only": "GetCallerIdentity,ListRoles"})
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "admin"
    ]
    assert set(_outcomes(sandbox.client("sts", "source"), 5)) == {"400 Throttling.User"}


def test_an_empty_spec_clears_every_fault(sandbox: RunningSandbox) -> None:
    _faults(sandbox, {"throttle": 1, "latency": "200ms"})
    _faults(sandbox, {})
    assert _outcomes(sandbox.client("sts", "source"), 5) == ["ok"] * 5
    assert sandbox.state.faults.spec.latency == (0.0, 0.0)  # the 200 ms latency is gone too


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"bogus": 1}, "bogus"),
        ({"throttle": 2}, "throttle"),
        ({"5xx": "lots"}, "5xx"),
        ({"drop": -0.1}, "drop"),
        ({"latency": "fast"}, "latency"),
        ({"latency": "80-20ms"}, "latency"),
        ({"seed": "abc"}, "seed"),
        ({"apply-then-fail": ["CreateUser:-1"]}, "apply-then-fail"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_key(
    sandbox: RunningSandbox, spec: dict[str, Any], named: str
) -> None:
    _faults(sandbox, {"throttle": 1})
    answer = _faults(sandbox, spec)
    assert answer.status_code == 400 and named in answer.json()["error"]
    assert sandbox.state.faults.spec.throttle == 1  # the previous faults stay


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"throttle"'])
def test_the_admin_endpoint_wants_a_json_object(sandbox: RunningSandbox, body: bytes) -> None:
    for path in ("faults", "clock"):
        answer = requests.post(f"http://{sandbox.endpoint}/__sandbox/{path}", data=body, timeout=5)
        assert answer.status_code == 400 and "JSON object" in answer.json()["error"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus=1", "bogus"),
        ("throttle=1.5", "throttle"),
        ("5xx=x", "5xx"),
        ("latency=10-", "latency"),
        ("throttle", "'throttle' is not key=value"),
        ("seed=7;drop=2", "drop"),
        ("seed=abc", "seed"),
        ("apply-then-fail=CreateUser:x", "apply-then-fail"),
        ("apply-then-fail=CreateUser:0", "apply-then-fail"),
    ],
)
def test_from_spec_refuses_bad_text_naming_the_key(text: str, named: str) -> None:
    with pytest.raises(ValueError) as info:
        Faults.from_spec(text)
    assert named in str(info.value)


def test_from_spec_parses_every_key() -> None:
    faults = Faults.from_spec(
        "latency=10-80ms; throttle=0.2; 5xx=0.05; drop=0.01; "
        "apply-then-fail=CreateAccessKey:2,ModifyClusterAddon; only=CreateUser,ListUsers; seed=7"
    )
    spec = faults.spec
    assert spec.latency == pytest.approx((0.01, 0.08))
    assert (spec.throttle, spec.error_5xx, spec.drop, spec.seed) == (0.2, 0.05, 0.01, 7)
    assert spec.apply_then_fail == {"CreateAccessKey": 2, "ModifyClusterAddon": 1}
    assert spec.only == frozenset({"CreateUser", "ListUsers"})
    assert (
        Faults.from_spec(None).spec.throttle == 0
        and Faults.from_spec("").spec.apply_then_fail == {}
    )


def test_faults_at_startup_are_observed(tmp_path: Any) -> None:
    """``open_state(faults=...)`` is what ``sandbox serve --faults`` does."""
    from armstui.sandbox.state import open_state

    state = open_state(None, speed=200, faults=Faults.from_spec("throttle=1;only=ListUsers"))
    with serving(state) as running:
        with pytest.raises(TeaException) as info:
            running.client("ram", "monitoring").list_users(ram.ListUsersRequest())
        assert info.value.code == "Throttling.User"
        assert (
            running.client("sts", "monitoring").get_caller_identity().body.identity_type
            == "Account"
        )


def test_apply_then_fail_as_drop_commits_then_closes_the_connection(
    sandbox: RunningSandbox,
) -> None:
    import json

    from alibabacloud_cs20151215 import models as cs

    sandbox.state.clock.speed = 100_000
    client = sandbox.client("cs", "source")
    staging = sandbox.cluster_id("source", "shop-staging")
    assert (
        _faults(
            sandbox, {"apply-then-fail": "ModifyClusterAddon", "apply-then-fail-as": "drop"}
        ).status_code
        == 200
    )
    with pytest.raises(UnretryableException):  # the client sees a broken connection, no answer
        client.modify_cluster_addon(
            staging,
            "ack-onepilot",
            cs.ModifyClusterAddonRequest(config=json.dumps({"logLevel": "debug"})),
        )
    deadline = time.monotonic() + 5
    while (
        client.get_cluster_addon_instance(staging, "ack-onepilot").body.state != "active"
        and time.monotonic() < deadline
    ):
        time.sleep(0.005)
    assert json.loads(client.get_cluster_addon_instance(staging, "ack-onepilot").body.config) == {
        "logLevel": "debug"
    }
    assert sandbox.state.faults.stats["apply-then-fail"] == 1


def test_a_per_service_rate_limit_throttles_only_that_service(sandbox: RunningSandbox) -> None:
    assert _faults(sandbox, {"rate": "sts:5"}).status_code == 200
    sts, ram_client = sandbox.client("sts", "source"), sandbox.client("ram", "source")
    started = time.monotonic()
    burst = _outcomes(sts, 8)
    assert (
        time.monotonic() - started < 1.0
    )  # all eight within one second: the limit bites after five
    assert burst == ["ok"] * 5 + ["400 Throttling.User"] * 3
    assert all(
        ram_client.list_users(ram.ListUsersRequest()).body is not None for _ in range(8)
    )  # RAM has no limit
    time.sleep(1.0)
    assert _outcomes(sts, 1) == ["ok"]  # a new second, a new allowance
    assert sandbox.state.faults.stats["rate"] >= 1


def test_from_spec_parses_rates_and_the_lost_answer_mode() -> None:
    spec = Faults.from_spec(
        "rate=ram:5,cs:2;apply-then-fail=CreateUser;apply-then-fail-as=drop"
    ).spec
    assert spec.rates == {"ram": 5, "cs": 2} and spec.apply_then_fail_as == "drop"
    assert Faults.from_spec("rate=20").spec.rates == {"*": 20}
    assert Faults.from_spec("seed=1").spec.apply_then_fail_as == "5xx"
    for bad, named in (
        ("rate=ram:0", "rate"),
        ("rate=ram:x", "rate"),
        ("apply-then-fail-as=maybe", "apply-then-fail-as"),
    ):
        with pytest.raises(ValueError) as info:
            Faults.from_spec(bad)
        assert named in str(info.value)
