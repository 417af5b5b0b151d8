"""The ECS flow: B's Java applications on ECS report into A through the ARMS agent.

Steps:
1. A's ARMS license key (DescribeTraceLicenseKey) — the agent reports into whichever
   account's key it starts with;
2. per running instance of B: the ARMS Java agent installed with A's key and the app
   restarted with it, through Cloud Assistant (RunCommand) when the operator allows it and
   the instance runs the Cloud Assistant client, otherwise the exact commands to run by hand
   (``needs-you``); the scripts are made by :mod:`armstui.flows.ecs_scripts`;
3. proof by effect: A holds data from the instance's application in the recent window
   (an application stays listed in ARMS after it stops, so a listing proves nothing now).

A source with no running instance in its region still gets a row saying so.
"""

from __future__ import annotations

import asyncio
import datetime
import time

from armstui.cloud import arms, ecs
from armstui.flows.context import FlowContext
from armstui.flows.ecs_scripts import (
    KEY_VARIABLE,
    LICENSE_KEY,
    AgentTarget,
    Paths,
    UnsafeValue,
    install_cloud_assistant,
    install_script,
    target_of,
)
from armstui.flows.facts import LicenseKeyFound
from armstui.flows.ram_steps import access_steps
from armstui.flows.setup import Setup
from armstui.flows.step import Managed, NothingToSetUp, Observation, Step

INSTALL_TIMEOUT = 600  # seconds Cloud Assistant lets the script run
AGENT_LOGS = f"{Paths().agent_dir}/AliyunJavaAgent/logs"
LAST_DATA_LOOKBACK_MINUTES = 7 * 24 * 60  # how far back "last data" is looked for
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


class LicenseKey(Step):
    def __init__(self, setup: Setup) -> None:
        super().__init__(
            id=f"ecs/{setup.monitoring}/license-key",
            title=f"ARMS license key of {setup.monitoring}",
            flow="ecs",
            account=setup.monitoring,
        )

    async def observe(self, ctx: FlowContext) -> Observation:
        session = ctx.session(self.account)
        key = await arms.describe_trace_license_key(session)
        if not key:
            return Observation(
                False,
                f"ARMS returned no license key in {session.region}",
                needs_you=(
                    f"Activate ARMS Application Monitoring in {self.account}, region "
                    f"{session.region}, then run again."
                ),
            )
        if not LICENSE_KEY.fullmatch(key):
            return Observation(
                False,
                "ARMS returned a license key in an unexpected form",
                needs_you=(
                    f"ARMS in {self.account}, region {session.region}, returned a license key "
                    "armstui will not put into a root script. Install the agent by hand with "
                    "the key from the ARMS console (Settings)."
                ),
            )
        return Observation(
            True, "license key found (kept in memory only)", fact=LicenseKeyFound(key)
        )


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )


class AgentReports(Step):
    """The instance's application sends data into A with the ARMS agent."""

    settle_timeout = 900.0
    poll_interval = 5.0
    expected_seconds = 20.0  # download, unzip, restart

    def __init__(
        self,
        setup: Setup,
        source: str,
        instance: ecs.Instance,
        key_step: str,
        arms_region: str,
        assistant: bool,
    ) -> None:
        self.unsafe: str | None = None
        try:
            self.target = target_of(instance)
        except UnsafeValue as error:
            self.unsafe = str(error)
            self.target = AgentTarget(instance.instance_id, instance.instance_id, "")
        host = instance.instance_name or instance.instance_id
        super().__init__(
            id=f"ecs/{source}/{instance.instance_id}/agent",
            title=f"{self.target.app_name} on {host} reports into {setup.monitoring}",
            flow="ecs",
            account=source,
            depends_on=(key_step,),
        )
        self.instance = instance
        self.monitoring = setup.monitoring
        self.install = setup.install_agent
        self.assistant = assistant
        self.key_step = key_step
        self.region = arms_region
        self.vpc = setup.vpc
        self.window = setup.data_window_minutes
        self._invoke_id: str | None = None
        self._installed_at = 0.0

    @property
    def app_name(self) -> str:
        return self.target.app_name

    @property
    def service(self) -> str:
        return self.target.service

    @property
    def can_install(self) -> bool:
        return self.install and self.assistant and self.unsafe is None

    def _is_mine(self, app: arms.TraceApp) -> bool:
        """This instance's application: its name, and (where ARMS lists it) the instance.

        Apps of the same name on other hosts are not this one's proof. ARMS's per-host
        detail for ECS apps is unconfirmed; the sandbox labels each ECS app
        ``instanceId=<id>``."""
        if app.app_name != self.app_name:
            return False
        hosts = [label.split("=", 1)[1] for label in app.labels if label.startswith("instanceId=")]
        return not hosts or self.instance.instance_id in hosts

    def _script(self, ctx: FlowContext) -> str:
        found = ctx.fact(self.key_step, LicenseKeyFound)
        return install_script(
            self.target, self.region, found.license_key if found else "", vpc=self.vpc
        )

    def _manual(self) -> str:
        return (
            f"On {self.instance.instance_id}, as root: read {self.monitoring}'s ARMS license key "
            f"(ARMS console > Settings; armstui never prints it) into {KEY_VARIABLE} with "
            f"`read -rs {KEY_VARIABLE} && export {KEY_VARIABLE}`, save these lines as "
            "install-arms-agent.sh and run `bash install-arms-agent.sh`:\n"
            + install_script(self.target, self.region, None, vpc=self.vpc)
        )

    def _checks(self) -> str:
        return (
            f"check the agent's logs on {self.instance.instance_id} "
            f"(journalctl -u {self.service}; {AGENT_LOGS}) and that the instance reaches "
            f"ARMS in {self.region}"
        )

    async def _install_state(self, ctx: FlowContext) -> Observation | None:
        """The Cloud Assistant run in progress or failed, or None when it finished well."""
        if not self._invoke_id:
            return None
        results = await ecs.describe_invocation_results(ctx.session(self.account), self._invoke_id)
        mine = [r for r in results if r.instance_id == self.instance.instance_id]
        if mine and mine[0].status not in FINAL_STATES:
            return Observation(False, f"Cloud Assistant: install is {mine[0].status}", pending=True)
        if mine and mine[0].status != "Success":
            output = (mine[0].output or mine[0].error_info or "").strip().splitlines()[-3:]
            return Observation(
                False,
                f"install {mine[0].status} (exit {mine[0].exit_code}): {' / '.join(output)}",
            )
        self._installed_at = time.monotonic()  # the app restarted with the agent: look after
        return None

    async def observe(self, ctx: FlowContext) -> Observation:
        if self.unsafe:
            return Observation(False, "unsafe value for a root script", needs_you=self.unsafe)
        running = await self._install_state(ctx)
        if running is not None:
            return running
        apps = [
            a
            for a in await ctx.trace_apps(self.monitoring, newer_than=self._installed_at)
            if self._is_mine(a)
        ]
        windows = await asyncio.gather(
            *(ctx.recent_data(self.monitoring, a.pid, self.window) for a in apps)
        )
        sending = [w for w in windows if w.reporting]
        if sending:
            newest = max((w.newest_ms or 0) for w in sending) or None
            return Observation(
                True,
                f"{self.app_name} sends data into {self.monitoring}: "
                f"{sum(w.spans for w in sending)} span(s) in the last {self.window} min, "
                f"newest {_when(newest)}",
            )
        if apps:
            earlier = await asyncio.gather(
                *(ctx.recent_data(self.monitoring, a.pid, LAST_DATA_LOOKBACK_MINUTES) for a in apps)
            )
            last = max((w.newest_ms or 0 for w in earlier), default=0) or None
            silent = (
                f"{self.app_name} is listed in {self.monitoring} but sent no data in the last "
                f"{self.window} min (last data: {_when(last)})"
            )
        else:
            silent = f"{self.app_name} does not report into {self.monitoring}"
        if self._invoke_id:  # installed and restarted just now: the first data takes a while
            return Observation(
                False,
                f"{silent}; waiting for the first data (up to {self.settle_timeout:g} s)",
                pending=True,
            )
        if not self.install:
            return Observation(False, silent, needs_you=self._manual())
        if not self.assistant:
            return Observation(
                False,
                f"{silent}; Cloud Assistant is not running on {self.instance.instance_id}",
                needs_you=(
                    f"Cloud Assistant is not running on {self.instance.instance_id}, so armstui "
                    "cannot run the install there. Install it (ECS console > Cloud Assistant, "
                    f"or as root on the instance: {install_cloud_assistant(self.region)}), "
                    "then run again; or run the install by hand:\n" + self._manual()
                ),
            )
        return Observation(False, f"{silent}; {self._checks()}" if apps else silent)

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
        if not self.can_install:
            return []
        return [
            f"ECS.RunCommand (install the ARMS agent on {self.instance.instance_id} "
            f"and restart {self.service})"
        ]

    def manages(
        self, before: Observation | None, after: Observation | None = None
    ) -> list[Managed]:
        if not self.can_install:
            return []
        return [Managed("arms-agent", f"{self.instance.instance_id}:{self.service}")]


async def _assistants(ctx: FlowContext, source: str, ids: list[str]) -> dict[str, bool]:
    if not ids:
        return {}
    found = await ecs.describe_cloud_assistant_status(ctx.session(source), ids)
    return {i: found[i].running for i in ids}


async def build_steps(setup: Setup, ctx: FlowContext, uids: dict[str, str]) -> list[Step]:
    key = LicenseKey(setup)
    steps: list[Step] = [key]
    wanted = list(setup.instances) or None
    arms_region = ctx.session(setup.monitoring).region
    listings = await asyncio.gather(
        *(ecs.describe_instances(ctx.session(source), wanted) for source in setup.sources)
    )
    running = [[i for i in found if i.status == "Running"] for found in listings]
    assistants = (
        await asyncio.gather(
            *(
                _assistants(ctx, source, [i.instance_id for i in found])
                for source, found in zip(setup.sources, running)
            )
        )
        if setup.install_agent
        else [dict.fromkeys((i.instance_id for i in found), False) for found in running]
    )
    for source, found, assistant in zip(setup.sources, running, assistants):
        if not found:
            which = "none of the chosen instances is" if wanted else "no instance is"
            where = f"{which} running in {source}, region {ctx.session(source).region}"
            steps.append(
                NothingToSetUp("ecs", source, "instances", f"ECS instances of {source}", where)
            )
        for instance in found:
            steps.append(
                AgentReports(
                    setup, source, instance, key.id, arms_region, assistant[instance.instance_id]
                )
            )
    return steps + access_steps("ecs", setup)
