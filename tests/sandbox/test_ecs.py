"""ECS 2014-05-26 in the sandbox, through the official SDK client: instances, regions,
Cloud Assistant's RunCommand and its results over time, and the ARMS agent install that makes an
instance's Java app report into the account whose license key it starts with. Scripts run for a
nominal 20 s (Pending for the first 2 s), 0.1 s at the fixture's clock speed."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_arms20190808 import models as arms
from alibabacloud_ecs20140526 import models as ecs
from Tea.exceptions import TeaException

from tests.support.sandbox import RunningSandbox

REGION = "cn-hangzhou"
AGENT_URL = "http://arms-apm-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/AliyunJavaAgent.zip"
AGENT_JAR = "/opt/arms/AliyunJavaAgent/aliyun-java-agent.jar"


def _error(fn: Callable[..., Any], *args: Any) -> TeaException:
    with pytest.raises(TeaException) as info:
        fn(*args)
    return info.value


def install_script(license_key: str, app_name: str, service: str) -> str:
    """The ARMS docs' manual install: download, unzip, agent flags for the JVM, restart."""
    flags = f"-javaagent:{AGENT_JAR} -Darms.licenseKey={license_key} -Darms.appName={app_name}"
    return "\n".join(
        [
            "set -e",
            "mkdir -p /opt/arms && cd /opt/arms",
            f"wget -q -O AliyunJavaAgent.zip {AGENT_URL}",
            "unzip -oq AliyunJavaAgent.zip",
            f"mkdir -p /etc/systemd/system/{service}.service.d",
            f"printf '[Service]\\nEnvironment=\"JAVA_TOOL_OPTIONS={flags}\"\\n' > /etc/systemd/system/{service}.service.d/arms.conf",
            "systemctl daemon-reload",
            f"systemctl restart {service}",
        ]
    )


@pytest.fixture
def client(sandbox: RunningSandbox) -> Any:
    return sandbox.client("ecs", "source")


@pytest.fixture
def fast(sandbox: RunningSandbox) -> None:
    """Scripts finish in well under a millisecond, for tests that do not watch them run."""
    sandbox.state.clock.speed = 100_000


def _instances(client: Any, **kwargs: Any) -> list[Any]:
    body = client.describe_instances(ecs.DescribeInstancesRequest(region_id=REGION, **kwargs)).body
    return body.instances.instance or []


def _service(instance: Any) -> str:
    return next(t.tag_value for t in instance.tags.tag if t.tag_key == "service")


def _license(sandbox: RunningSandbox, alias: str) -> str:
    return (
        sandbox.client("arms", alias)
        .describe_trace_license_key(arms.DescribeTraceLicenseKeyRequest(region_id=REGION))
        .body.license_key
    )


def _run(
    client: Any,
    instance_ids: list[str],
    script: str,
    command_type: str = "RunShellScript",
    **kwargs: Any,
) -> str:
    request = ecs.RunCommandRequest(
        region_id=REGION,
        type=command_type,
        command_content=script,
        instance_id=instance_ids,
        content_encoding="PlainText",
        **kwargs,
    )
    return client.run_command(request).body.invoke_id


def _results(client: Any, invoke_id: str, **kwargs: Any) -> list[Any]:
    body = client.describe_invocation_results(
        ecs.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=invoke_id, **kwargs)
    ).body
    return body.invocation.invocation_results.invocation_result or []


def _finished(client: Any, invoke_id: str, **kwargs: Any) -> list[Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        results = _results(client, invoke_id, **kwargs)
        if results and all(r.invocation_status not in ("Pending", "Running") for r in results):
            return results
        time.sleep(0.005)
    raise AssertionError("the invocation did not finish")


def _apps(sandbox: RunningSandbox, alias: str) -> list[Any]:
    return (
        sandbox.client("arms", alias)
        .list_trace_apps(arms.ListTraceAppsRequest(region_id=REGION))
        .body.trace_apps
        or []
    )


# --- instances --------------------------------------------------------------------------------------


def test_describe_instances_default_world(sandbox: RunningSandbox, client: Any) -> None:
    instances = _instances(client)
    assert sorted(_service(i) for i in instances) == ["billing", "catalog", "orders", "reports"]
    assert all(
        i.status == "Running" and i.instance_id.startswith("i-") and i.region_id == REGION
        for i in instances
    )
    assert _instances(sandbox.client("ecs", "monitoring")) == []


def test_describe_instances_by_ids_and_pages(client: Any) -> None:
    ids = [i.instance_id for i in _instances(client)]
    picked = _instances(client, instance_ids=json.dumps(ids[:2]))
    assert sorted(i.instance_id for i in picked) == sorted(ids[:2])

    seen, token, pages = [], None, 0
    while True:
        body = client.describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION, max_results=2, next_token=token)
        ).body
        pages += 1
        seen += [i.instance_id for i in body.instances.instance]
        token = body.next_token or None
        if not token:
            break
    assert seen == ids and pages == 2
    second = client.describe_instances(
        ecs.DescribeInstancesRequest(region_id=REGION, page_size=2, page_number=2)
    ).body
    assert [i.instance_id for i in second.instances.instance] == ids[
        2:4
    ] and second.total_count == 4


def test_describe_instances_refuses_more_than_100_ids(client: Any) -> None:
    ids = json.dumps([f"i-{n:020d}" for n in range(101)])
    err = _error(
        client.describe_instances, ecs.DescribeInstancesRequest(region_id=REGION, instance_ids=ids)
    )
    assert (err.status_code, err.code) == (400, "InvalidParameter.InstanceIds")
    assert _instances(client, instance_ids=json.dumps([f"i-{n:020d}" for n in range(100)])) == []


def test_describe_regions(client: Any) -> None:
    regions = client.describe_regions(ecs.DescribeRegionsRequest()).body.regions.region
    assert REGION in [r.region_id for r in regions]


# --- Cloud Assistant and the ARMS agent ----------------------------------------------------------------


def test_installing_the_agent_makes_the_app_report_into_the_license_keys_account(
    sandbox: RunningSandbox, client: Any
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "orders")
    invoke_id = _run(
        client,
        [instance.instance_id],
        install_script(_license(sandbox, "monitoring"), "orders-svc", "orders"),
        name="install-arms-agent",
    )
    running = _results(client, invoke_id, content_encoding="PlainText")
    assert [(r.instance_id, r.invocation_status in ("Pending", "Running")) for r in running] == [
        (instance.instance_id, True)
    ]
    assert running[0].exit_code is None and not running[0].output
    assert _apps(sandbox, "monitoring") == []  # not until the app has restarted

    done = _finished(client, invoke_id, content_encoding="PlainText")
    assert (done[0].invocation_status, done[0].exit_code) == ("Success", 0)
    assert "restarted orders" in done[0].output and done[0].finished_time
    apps = _apps(sandbox, "monitoring")
    assert [(a.app_name, a.source, a.workload_name) for a in apps] == [
        ("orders-svc", "ECS", "orders")
    ]
    assert f"instanceId={instance.instance_id}" in apps[0].labels
    assert [a.source for a in _apps(sandbox, "source")] == [
        "ACK",
        "ACK",
    ]  # B: only its staging cluster's apps

    overall = client.describe_invocations(
        ecs.DescribeInvocationsRequest(region_id=REGION, invoke_id=invoke_id)
    ).body
    invocation = overall.invocations.invocation[0]
    assert (invocation.invoke_id, invocation.invocation_status, invocation.command_name) == (
        invoke_id,
        "Success",
        "install-arms-agent",
    )


def test_a_direct_java_start_with_the_agent_also_reports(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "billing")
    script = "\n".join(
        [
            "cd /opt/arms",
            f"curl -sO {AGENT_URL}",
            "unzip -o AliyunJavaAgent.zip",
            f"nohup java -javaagent:{AGENT_JAR} -Darms.licenseKey={_license(sandbox, 'monitoring')} "
            "-Darms.appName=billing-app -jar /opt/billing/billing.jar &",
        ]
    )
    assert _finished(client, _run(client, [instance.instance_id], script))[0].exit_code == 0
    assert [a.app_name for a in _apps(sandbox, "monitoring")] == ["billing-app"]


def test_the_license_key_decides_the_account(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "catalog")
    _finished(
        client,
        _run(
            client,
            [instance.instance_id],
            install_script(_license(sandbox, "outsider"), "cat", "catalog"),
        ),
    )
    assert [a.app_name for a in _apps(sandbox, "outsider")] == ["cat"]
    assert _apps(sandbox, "monitoring") == []


def test_a_wrong_license_key_reports_nowhere_and_says_so(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "orders")
    invoke_id = _run(
        client,
        [instance.instance_id],
        install_script("zzzzzzzzzz@000000000000000", "orders-svc", "orders"),
    )
    result = _finished(client, invoke_id, content_encoding="PlainText")[0]
    assert "licenseKey is invalid" in result.output
    for alias in ("monitoring", "source", "outsider"):
        assert "orders-svc" not in [a.app_name for a in _apps(sandbox, alias)]


@pytest.mark.parametrize(
    ("script", "exit_code", "says"),
    [
        ("wget -q http://example.com/AliyunJavaAgent.zip", 4, "unable to download"),
        (
            "wget -q http://arms-apm-cn-beijing.oss-cn-beijing.aliyuncs.com/AliyunJavaAgent.zip",
            4,
            "unable to download",
        ),
        ("cd /opt/arms && unzip AliyunJavaAgent.zip", 9, "cannot find or open"),
        ("frobnicate --now", 127, "command not found"),
        ("echo 'unterminated", 2, "syntax error"),
        ("systemctl restart no-such-service", 5, "Unit not found"),
        (
            f"wget -q {AGENT_URL}\nunzip AliyunJavaAgent.zip\njava -javaagent:/wrong/path.jar -Darms.licenseKey=k "
            "-Darms.appName=a -jar /opt/orders/orders.jar",
            1,
            "JAR manifest",
        ),
        (
            f"cd /opt/arms\nwget -q {AGENT_URL}\nunzip AliyunJavaAgent.zip\njava -javaagent:{AGENT_JAR} -jar /opt/orders/orders.jar",
            1,
            "-Darms.licenseKey and -Darms.appName are required",
        ),
    ],
)
def test_a_malformed_script_fails_with_its_exit_code(
    sandbox: RunningSandbox, client: Any, fast: None, script: str, exit_code: int, says: str
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "orders")
    invoke_id = _run(client, [instance.instance_id], script)
    result = _finished(client, invoke_id, content_encoding="PlainText")[0]
    assert (result.invocation_status, result.exit_code) == ("Failed", exit_code)
    assert says in result.output and result.error_code
    assert _apps(sandbox, "monitoring") == []
    overall = client.describe_invocations(
        ecs.DescribeInvocationsRequest(region_id=REGION, invoke_id=invoke_id)
    ).body
    assert overall.invocations.invocation[0].invocation_status == "Failed"


def test_output_is_base64_by_default_and_plain_on_request(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = _instances(client)[0]
    invoke_id = _run(client, [instance.instance_id], "frobnicate")
    plain = _finished(client, invoke_id, content_encoding="PlainText")[0].output
    encoded = _results(client, invoke_id)[0].output
    assert plain.startswith("bash: frobnicate: command not found")
    assert encoded != plain and base64.b64decode(encoded).decode() == plain


def test_the_command_content_may_be_base64(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "orders")
    script = install_script(_license(sandbox, "monitoring"), "orders-b64", "orders")
    request = ecs.RunCommandRequest(
        region_id=REGION,
        type="RunShellScript",
        instance_id=[instance.instance_id],
        command_content=base64.b64encode(script.encode()).decode(),
        content_encoding="Base64",
    )
    _finished(client, client.run_command(request).body.invoke_id)
    assert [a.app_name for a in _apps(sandbox, "monitoring")] == ["orders-b64"]
    bad = ecs.RunCommandRequest(
        region_id=REGION,
        type="RunShellScript",
        instance_id=[instance.instance_id],
        command_content="%%%not base64",
        content_encoding="Base64",
    )
    assert _error(client.run_command, bad).code == "InvalidParameter.CommandContent"


def test_run_command_on_several_instances(sandbox: RunningSandbox, client: Any, fast: None) -> None:
    instances = _instances(client)
    invoke_id = _run(client, [i.instance_id for i in instances], "echo hello")
    results = _finished(client, invoke_id)
    assert sorted(r.instance_id for r in results) == sorted(i.instance_id for i in instances)
    status = {r.instance_id: r.invocation_status for r in results}
    reports = _by_name(client)["legacy-reports-4"].instance_id  # no Cloud Assistant client
    assert status.pop(reports) == "Failed" and set(status.values()) == {"Success"}
    one = _results(client, invoke_id, instance_id=instances[0].instance_id)
    assert [r.instance_id for r in one] == [instances[0].instance_id]


def test_run_command_refusals(sandbox: RunningSandbox, client: Any) -> None:
    too_many = [f"i-{n:020d}" for n in range(101)]
    err = _error(lambda: _run(client, too_many, "echo hi"))
    assert (err.status_code, err.code) == (400, "InvalidParameter.InstanceIds")
    assert (
        _error(lambda: _run(client, ["i-nosuchinstance"], "echo hi")).code
        == "InvalidInstanceId.NotFound"
    )
    theirs = _instances(client)[0].instance_id
    assert (
        _error(lambda: _run(sandbox.client("ecs", "monitoring"), [theirs], "echo hi")).code
        == "InvalidInstanceId.NotFound"
    )
    assert (
        _error(lambda: _run(client, [theirs], "Get-Process", "RunPowerShellScript")).code
        == "InvalidParameter.Type"
    )
    assert sandbox.state.store.count("ecs.invocation") == 0


def test_invocations_are_scoped_per_account(sandbox: RunningSandbox, client: Any) -> None:
    invoke_id = _run(client, [_instances(client)[0].instance_id], "echo hi")
    other = sandbox.client("ecs", "monitoring")
    err = _error(
        other.describe_invocation_results,
        ecs.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=invoke_id),
    )
    assert (err.status_code, err.code) == (404, "InvalidInvokeId.NotFound")


def test_invoke_command_of_an_unknown_command(client: Any) -> None:
    request = ecs.InvokeCommandRequest(region_id=REGION, command_id="c-nosuch", instance_id=["i-x"])
    err = _error(client.invoke_command, request)
    assert (err.status_code, err.code) == (404, "InvalidCommandId.NotFound")


def test_status_goes_pending_running_then_success(sandbox: RunningSandbox, client: Any) -> None:
    sandbox.state.clock.speed = 40  # Pending for 50 ms, Running until 500 ms
    invoke_id = _run(client, [_instances(client)[0].instance_id], "echo hi")
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (not seen or seen[-1] not in ("Success", "Failed")):
        status = _results(client, invoke_id)[0].invocation_status
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.01)
    assert seen == ["Pending", "Running", "Success"]


def test_a_timeout_shorter_than_the_script_ends_it_as_timeout(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "orders")
    script = install_script(_license(sandbox, "monitoring"), "orders-svc", "orders")
    result = _finished(
        client,
        _run(client, [instance.instance_id], script, timeout=10),
        content_encoding="PlainText",
    )[0]
    assert (result.invocation_status, result.exit_code, result.error_code) == (
        "Timeout",
        124,
        "InvocationTimeout",
    )
    assert _apps(sandbox, "monitoring") == []  # terminated before the restart
    done = _finished(client, _run(client, [instance.instance_id], script, timeout=60))[0]
    assert done.invocation_status == "Success" and [
        a.app_name for a in _apps(sandbox, "monitoring")
    ] == ["orders-svc"]


def test_create_command_then_invoke_it(sandbox: RunningSandbox, client: Any, fast: None) -> None:
    instance = next(i for i in _instances(client) if _service(i) == "billing")
    script = install_script(_license(sandbox, "monitoring"), "billing-kept", "billing")
    created = client.create_command(
        ecs.CreateCommandRequest(
            region_id=REGION,
            name="install-agent",
            type="RunShellScript",
            command_content=base64.b64encode(script.encode()).decode(),
        )
    )  # CreateCommand's default encoding: Base64
    command_id = created.body.command_id
    assert command_id.startswith("c-") and _apps(sandbox, "monitoring") == []
    invoked = client.invoke_command(
        ecs.InvokeCommandRequest(
            region_id=REGION, command_id=command_id, instance_id=[instance.instance_id]
        )
    )
    assert _finished(client, invoked.body.invoke_id)[0].invocation_status == "Success"
    assert [a.app_name for a in _apps(sandbox, "monitoring")] == ["billing-kept"]
    theirs = ecs.InvokeCommandRequest(
        region_id=REGION, command_id=command_id, instance_id=[instance.instance_id]
    )
    assert (
        _error(sandbox.client("ecs", "monitoring").invoke_command, theirs).code
        == "InvalidCommandId.NotFound"
    )
    too_many = ecs.InvokeCommandRequest(
        region_id=REGION, command_id=command_id, instance_id=[f"i-{n:020d}" for n in range(101)]
    )
    assert _error(client.invoke_command, too_many).code == "InvalidParameter.InstanceIds"


def test_run_command_keeps_the_command_only_when_asked(
    sandbox: RunningSandbox, client: Any, fast: None
) -> None:
    instance_id = _instances(client)[0].instance_id
    kept = client.run_command(
        ecs.RunCommandRequest(
            region_id=REGION,
            type="RunShellScript",
            command_content="echo kept",
            instance_id=[instance_id],
            keep_command=True,
        )
    ).body.command_id
    dropped = _run(client, [instance_id], "echo once")
    dropped_command = _results(client, dropped)[0].command_id
    again = client.invoke_command(
        ecs.InvokeCommandRequest(region_id=REGION, command_id=kept, instance_id=[instance_id])
    )
    assert (
        _finished(client, again.body.invoke_id, content_encoding="PlainText")[0].invocation_status
        == "Success"
    )
    missing = ecs.InvokeCommandRequest(
        region_id=REGION, command_id=dropped_command, instance_id=[instance_id]
    )
    assert _error(client.invoke_command, missing).code == "InvalidCommandId.NotFound"


# --- Cloud Assistant status, tags, invocations by instance ---------------------------------------


def _assistant(client: Any, instance_ids: list[str] | None = None) -> dict[str, Any]:
    body = client.describe_cloud_assistant_status(
        ecs.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=instance_ids)
    ).body
    return {
        s.instance_id: s
        for s in body.instance_cloud_assistant_status_set.instance_cloud_assistant_status
    }


def _by_name(client: Any) -> dict[str, Any]:
    return {i.instance_name: i for i in _instances(client)}


def test_cloud_assistant_status_is_per_instance(client: Any) -> None:
    instances = _by_name(client)
    statuses = _assistant(client)
    assert set(statuses) == {i.instance_id for i in instances.values()}
    without = statuses[instances["legacy-reports-4"].instance_id]
    assert without.cloud_assistant_status == "false" and not without.cloud_assistant_version
    others = [s for i, s in statuses.items() if i != without.instance_id]
    assert len(others) == 3
    assert all(s.cloud_assistant_status == "true" and s.cloud_assistant_version for s in others)
    one = _assistant(client, [instances["legacy-orders-1"].instance_id])
    assert list(one) == [instances["legacy-orders-1"].instance_id]


def test_run_command_without_cloud_assistant_fails_with_client_not_running(
    sandbox: RunningSandbox, client: Any
) -> None:
    target = _by_name(client)["legacy-reports-4"]
    key = _license(sandbox, "monitoring")
    invoke_id = _run(client, [target.instance_id], install_script(key, "reports", "reports"))
    (result,) = _results(client, invoke_id)  # at once: nothing was delivered
    assert result.invocation_status == "Failed"
    assert result.error_code == "ClientNotRunning"
    assert "not running" in result.error_info
    assert _apps(sandbox, "monitoring") == []


def _tags(client: Any, instance_id: str) -> dict[str, str]:
    body = client.list_tag_resources(
        ecs.ListTagResourcesRequest(
            region_id=REGION, resource_type="instance", resource_id=[instance_id]
        )
    ).body
    return {t.tag_key: t.tag_value for t in body.tag_resources.tag_resource}


def test_tag_untag_and_list_instance_tags(client: Any) -> None:
    target = _by_name(client)["legacy-orders-1"]
    assert _tags(client, target.instance_id) == {"app": "orders", "service": "orders"}
    client.tag_resources(
        ecs.TagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[target.instance_id],
            tag=[
                ecs.TagResourcesRequestTag(key="app", value="orders-api"),
                ecs.TagResourcesRequestTag(key="team", value="shop"),
            ],
        )
    )
    assert _tags(client, target.instance_id) == {
        "app": "orders-api",
        "service": "orders",
        "team": "shop",
    }
    # DescribeInstances shows what TagResources set: that is what the ECS flow reads.
    assert _service(_by_name(client)["legacy-orders-1"]) == "orders"
    shown = {t.tag_key: t.tag_value for t in _by_name(client)["legacy-orders-1"].tags.tag}
    assert shown["app"] == "orders-api"
    by_tag = client.list_tag_resources(
        ecs.ListTagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            tag=[ecs.ListTagResourcesRequestTag(key="team", value="shop")],
        )
    ).body.tag_resources.tag_resource
    assert {t.resource_id for t in by_tag} == {target.instance_id}

    client.untag_resources(
        ecs.UntagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[target.instance_id],
            tag_key=["team"],
        )
    )
    assert "team" not in _tags(client, target.instance_id)
    client.untag_resources(
        ecs.UntagResourcesRequest(
            region_id=REGION, resource_type="instance", resource_id=[target.instance_id], all=True
        )
    )
    assert _tags(client, target.instance_id) == {}


def test_tag_refusals(client: Any) -> None:
    target = _by_name(client)["legacy-orders-1"].instance_id

    def tag(resource_type: str, ids: list[str], *tags: tuple[str, str]) -> TeaException:
        request = ecs.TagResourcesRequest(
            region_id=REGION,
            resource_type=resource_type,
            resource_id=ids,
            tag=[ecs.TagResourcesRequestTag(key=k, value=v) for k, v in tags],
        )
        return _error(client.tag_resources, request)

    assert tag("instance", [target], ("aliyun:x", "1")).code == "InvalidParameter.Tag.N.Key"
    assert tag("disk", [target], ("a", "1")).code == "InvalidParameter.ResourceType"
    assert tag("instance", ["i-missing"], ("a", "1")).code == "InvalidInstanceId.NotFound"
    assert tag("instance", [target], ("a", "1"), ("a", "2")).code == "InvalidParameter.Tag.N.Key"
    many = [(f"k{n}", "v") for n in range(19)]
    assert tag("instance", [target], *many).code == "InvalidTagCount"  # 2 seeded + 19 > 20


def test_describe_invocations_by_instance_with_the_command_content(client: Any, fast: None) -> None:
    instances = _by_name(client)
    first, second = (
        instances["legacy-orders-1"].instance_id,
        instances["legacy-billing-2"].instance_id,
    )
    one = _run(client, [first], "echo one")
    two = _run(client, [first, second], "echo two")
    _finished(client, two)
    body = client.describe_invocations(
        ecs.DescribeInvocationsRequest(region_id=REGION, instance_id=first)
    ).body
    found = body.invocations.invocation
    assert [i.invoke_id for i in found] == [two, one]  # newest first
    assert base64.b64decode(found[1].command_content).decode() == "echo one"
    plain = client.describe_invocations(
        ecs.DescribeInvocationsRequest(
            region_id=REGION, invoke_id=one, content_encoding="PlainText"
        )
    ).body.invocations.invocation
    assert plain[0].command_content == "echo one"
    only_second = client.describe_invocations(
        ecs.DescribeInvocationsRequest(region_id=REGION, instance_id=second)
    ).body.invocations.invocation
    assert [i.invoke_id for i in only_second] == [two]
    assert [x.instance_id for x in only_second[0].invoke_instances.invoke_instance] == [second]
