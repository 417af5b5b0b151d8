"""The ECS flow: B's Java applications on ECS report into A through the ARMS agent.

Steps:
1. A's ARMS license key (DescribeTraceLicenseKey) — the agent reports into whichever
   account's key it starts with;
2. per running instance of B: the ARMS Java agent installed with A's key and the app
   restarted with it, through Cloud Assistant (RunCommand) when the operator allows it,
   otherwise the exact commands to run by hand (``needs-you``);
3. proof: A's ListTraceApps lists the instance's application.

The install follows the ARMS documentation for Java on ECS: download
``AliyunJavaAgent.zip`` from ``arms-apm-<region>.oss-<region>.aliyuncs.com``, unzip it, and
start the JVM with ``-javaagent:<dir>/AliyunJavaAgent/aliyun-java-agent.jar
-Darms.licenseKey=<key> -Darms.appName=<name>`` (here through ``JAVA_TOOL_OPTIONS``, which
every JVM reads, and a restart of the application's systemd service).
"""

from __future__ import annotations

import asyncio
import shlex
import time

from armstui.cloud import arms, ecs
from armstui.flows.context import FlowContext
from armstui.flows.facts import LicenseKeyFound
from armstui.flows.ram_steps import access_steps
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, Observation, Step

AGENT_DIR = "/opt/arms"
INSTALL_TIMEOUT = 600  # seconds Cloud Assistant lets the script run
FINAL_STATES = {
    "Success",
    "Failed",
    "Error",
    "Timeout",
    "Cancelled",
    "Terminated",
    "Invalid",
    "Aborted",
}


def install_script(region: str, license_key: str, app_name: str, service: str) -> str:
    """The shell script that installs the agent and restarts ``service`` with it."""
    url = f"http://arms-apm-{region}.oss-{region}.aliyuncs.com/AliyunJavaAgent.zip"
    options = (
        f"-javaagent:{AGENT_DIR}/AliyunJavaAgent/aliyun-java-agent.jar "
        f"-Darms.licenseKey={license_key} -Darms.appName={app_name}"
    )
    return "\n".join(
        [
            "set -e",
            f"mkdir -p {AGENT_DIR} && cd {AGENT_DIR}",
            f"wget -q -O AliyunJavaAgent.zip {shlex.quote(url)}",
            "unzip -oq AliyunJavaAgent.zip",
            f"mkdir -p /etc/systemd/system/{service}.service.d",
            f"printf '[Service]\\nEnvironment=\"JAVA_TOOL_OPTIONS={options}\"\\n' > /etc/systemd/system/{service}.service.d/arms.conf",
            "systemctl daemon-reload",
            f"systemctl restart {service}",
        ]
    )


class LicenseKey(Step):
    def __init__(self, setup: Setup) -> None:
        super().__init__(
            id=f"ecs/{setup.monitoring}/license-key",
            title=f"ARMS license key of {setup.monitoring}",
            flow="ecs",
            account=setup.monitoring,
        )

    async def observe(self, ctx: FlowContext) -> Observation:
        key = await arms.describe_trace_license_key(ctx.session(self.account))
        if not key:
            return Observation(
                False,
                "ARMS returned no license key",
                needs_you=f"Activate ARMS Application Monitoring in {self.account}, then run again.",
            )
        return Observation(
            True, "license key found (kept in memory only)", fact=LicenseKeyFound(key)
        )


class AgentReports(Step):
    """The instance's application reports into A with the ARMS agent."""

    settle_timeout = 900.0
    poll_interval = 5.0
    expected_seconds = 20.0  # download, unzip, restart

    def __init__(
        self, setup: Setup, source: str, instance: ecs.Instance, key_step: str, region: str
    ) -> None:
        app_name = app_name_of(instance)
        host = instance.instance_name or instance.instance_id
        super().__init__(
            id=f"ecs/{source}/{instance.instance_id}/agent",
            title=f"{app_name} on {host} reports into {setup.monitoring}",
            flow="ecs",
            account=source,
            depends_on=(key_step,),
        )
        self.instance = instance
        self.monitoring = setup.monitoring
        self.install = setup.install_agent
        self.key_step = key_step
        self.region = region
        self.app_name = app_name
        self.service = service_of(instance)
        self._invoke_id: str | None = None
        self._installed_at = 0.0

    def _is_mine(self, app: arms.TraceApp) -> bool:
        """This instance's application: its name, and (where ARMS lists it) the instance.

        Apps of the same name on other hosts are not this one's proof. ARMS's per-host
        detail for ECS apps is UNCONFIRMED in the reference; the sandbox labels each ECS app
        ``instanceId=<id>``."""
        if app.app_name != self.app_name:
            return False
        hosts = [label.split("=", 1)[1] for label in app.labels if label.startswith("instanceId=")]
        return not hosts or self.instance.instance_id in hosts

    def _script(self, ctx: FlowContext) -> str:
        found = ctx.fact(self.key_step, LicenseKeyFound)
        key = found.license_key if found else ""
        return install_script(self.region, key, self.app_name, self.service)

    async def observe(self, ctx: FlowContext) -> Observation:
        if self._invoke_id:
            results = await ecs.describe_invocation_results(
                ctx.session(self.account), self._invoke_id
            )
            mine = [r for r in results if r.instance_id == self.instance.instance_id]
            if mine and mine[0].status not in FINAL_STATES:
                return Observation(
                    False, f"Cloud Assistant: install is {mine[0].status}", pending=True
                )
            if mine and mine[0].status != "Success":
                output = (mine[0].output or "").strip().splitlines()[-3:]
                return Observation(
                    False,
                    f"install {mine[0].status} (exit {mine[0].exit_code}): {' / '.join(output)}",
                )
            self._installed_at = (
                time.monotonic()
            )  # the app restarted with the agent: look after this
        apps = [
            a
            for a in await ctx.trace_apps(self.monitoring, newer_than=self._installed_at)
            if self._is_mine(a)
        ]
        if apps:
            return Observation(True, f"{self.app_name} reports into {self.monitoring}")
        if not self.install:
            return Observation(
                False,
                f"{self.app_name} does not report into {self.monitoring}",
                needs_you=(
                    f"On {self.instance.instance_id}, as root, set ARMS_LICENSE_KEY to "
                    f"{self.monitoring}'s ARMS license key (ARMS console > Settings; "
                    "armstui never prints it), then run:\n"
                    + install_script(self.region, "$ARMS_LICENSE_KEY", self.app_name, self.service)
                ),
            )
        return Observation(False, f"{self.app_name} does not report into {self.monitoring}")

    async def apply(self, ctx: FlowContext, seen: Observation) -> None:
        invocations = await ecs.run_command(
            ctx.session(self.account),
            [self.instance.instance_id],
            self._script(ctx),
            name="armstui-install-arms-agent",
            timeout=INSTALL_TIMEOUT,
        )
        self._invoke_id = invocations[0].invoke_id

    def planned_calls(self, seen: Observation | None) -> list[str]:
        return [
            f"ECS.RunCommand (install the ARMS agent on {self.instance.instance_id} and restart {self.service})"
        ]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        return [Managed("arms-agent", f"{self.instance.instance_id}:{self.service}")]


def app_name_of(instance: ecs.Instance) -> str:
    """The application's name: the instance's ``app`` tag, else its name."""
    return dict(instance.tags).get("app") or instance.instance_name or instance.instance_id


def service_of(instance: ecs.Instance) -> str:
    """The systemd service that runs the application: the ``service`` tag, else the app name."""
    return dict(instance.tags).get("service") or app_name_of(instance)


async def build_steps(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    key = LicenseKey(setup)
    steps: list[Step] = [key]
    wanted = list(setup.instances) or None
    listings = await asyncio.gather(
        *(ecs.describe_instances(ctx.session(source), wanted) for source in setup.sources)
    )
    for source, instances in zip(setup.sources, listings):
        for instance in instances:
            if instance.status == "Running":
                steps.append(
                    AgentReports(setup, source, instance, key.id, ctx.session(source).region)
                )
    return steps + access_steps("ecs", setup)
