"""ECS instances running Java applications, and Cloud Assistant running shell scripts on them.

Records:
- ``ecs.instance``   ``<uid>/<InstanceId>``: the instance as DescribeInstances shows it, plus
  ``java_apps`` — ``{service, agent}`` where ``agent`` is how its JVM runs now
  (``{license_key, app_name, active_at}``) or None — and ``cloud_assistant``: the Cloud
  Assistant client's version, or None when the instance runs none (absent: the default
  version, as on every instance created from a public image since 2017);
- ``ecs.command``    ``<uid>/<CommandId>``: a kept command (CreateCommand, or RunCommand with
  ``KeepCommand=true``) that InvokeCommand runs again: ``{CommandId, Name, Type,
  CommandContent (plain text), Timeout}``;
- ``ecs.invocation`` ``<InvokeId>``: a RunCommand/InvokeCommand: the command's content, and per
  instance status over time, exit code and output.

An instance without a running Cloud Assistant client still accepts RunCommand: the real API
creates the invocation and that instance's result ends ``Failed`` at once with ``ErrorCode``
``ClientNotRunning`` and ``ErrorInfo`` "the aliyun service is not running on the instance" (the
ErrorCode values documented on DescribeInvocations' ``InvokeInstance`` in Alibaba Cloud's
generated ECS SDK models, e.g. aliyun/alibabacloud-ecs20140526 for C#: "ClientNotRunning: The
Cloud Assistant client is not running."). Nothing of the script lands on it.

Each instance's run is ``Pending`` for a nominal 2 s (the agent picks the task up), then
``Running`` until a nominal 20 s, then ``Success`` or ``Failed`` (all divided by the clock's
speed); a ``Timeout`` shorter than those 20 s ends it as ``Timeout`` (exit code 124, as
``timeout(1)`` reports) and nothing of the script lands. Its effects (an application
restarted with the agent) land when it finishes. The interpreter knows the commands the ARMS
documentation's install uses: download ``AliyunJavaAgent.zip`` from ``arms-apm-<region>.oss-<region>
[-internal].aliyuncs.com`` (wget/curl), ``unzip`` it, start the JVM with
``-javaagent:<dir>/AliyunJavaAgent/aliyun-java-agent.jar -Darms.licenseKey=<key>
-Darms.appName=<name>`` (on a ``java`` line, or in ``JAVA_TOOL_OPTIONS`` — exported or in a
systemd drop-in; the key may instead be written as ``arms.licenseKey=<key>`` into the agent's
``arms-agent.config``, the documented other way), and restart the application (``systemctl restart <service>``). A command it
does not know fails with exit code 127 as bash would; an agent started with a license key ARMS
does not know starts, logs an error, and reports nowhere.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from armstui.sandbox.errors import ApiError
from armstui.sandbox.records import AccountRecords

NOMINAL_RUN_SECONDS = 20.0
NOMINAL_PENDING_SECONDS = 2.0
MAX_INSTANCES_PER_CALL = 100  # RunCommand's InstanceId.N limit
DEFAULT_CLOUD_ASSISTANT_VERSION = "2.2.3.512"
CLIENT_NOT_RUNNING = ("ClientNotRunning", "the aliyun service is not running on the instance")
_AGENT_URL = re.compile(
    r"https?://arms-apm-([a-z0-9-]+)\.oss-\1(-internal)?\.aliyuncs\.com/AliyunJavaAgent\.zip"
)
_JAVAAGENT = re.compile(r"-javaagent:(\S+?)(?=[\s\"']|$)")
_LICENSE = re.compile(r"-Darms\.licenseKey=([^\s\"']+)")
_APP_NAME = re.compile(r"-Darms\.appName=([^\s\"']+)")
_HARMLESS = {
    "set",
    "mkdir",
    "echo",
    "true",
    "sleep",
    "chmod",
    "cat",
    "rm",
    "cp",
    "mv",
    "ln",
    "test",
    "[",
    "chown",
    "touch",
    "grep",
}
# The agent's own settings file (the ARMS documentation's second way to give it the license
# key and the application name, instead of -D flags): <dir>/AliyunJavaAgent/arms-agent.config.
_AGENT_CONFIG_KEY = re.compile(r"arms\.licenseKey=([^\s\"'\\]+)")


class ScriptResult:
    def __init__(self) -> None:
        self.exit_code = 0
        self.output: list[str] = []
        self.restarts: dict[str, dict[str, Any] | None] = {}  # service -> agent (None: without)


def run_script(script: str, instance: dict[str, Any], known_license: Any) -> ScriptResult:
    """Interpret the script on the instance (nothing is executed); ``known_license(key)``
    says whether ARMS knows a license key."""
    result = ScriptResult()
    cwd, downloaded, unzipped_jar = "/root", False, None
    config_key: str | None = None  # the license key written into the agent's own settings
    pending: dict[str, Any] | None = None  # agent flags set for the next (re)start
    services = {a["service"] for a in instance.get("java_apps", [])}
    region = instance["RegionId"]
    for raw_line in script.replace(";", "\n").replace("&&", "\n").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            return _fail(result, 2, f"bash: syntax error near: {line[:60]}")
        command = words[0]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", command):  # NAME=value (or $(...))
            continue
        if "arms-agent.config" in line and "arms.licenseKey=" in line:
            found = _AGENT_CONFIG_KEY.search(line)
            config_key = found.group(1) if found else None
            continue
        if "-javaagent:" in line:
            pending = _agent_flags(line, unzipped_jar, result, config_key)
            if pending is None:
                return result
        if command == "cd":
            cwd = _path(cwd, words[1] if len(words) > 1 else "/root")
        elif command in ("wget", "curl"):
            url = next((w for w in words[1:] if w.startswith("http")), "")
            match = _AGENT_URL.fullmatch(url)
            if match is None or match.group(1) != region:
                return _fail(
                    result,
                    4 if command == "wget" else 6,
                    f"{command}: unable to download {url or '(no URL)'}",
                )
            downloaded = True
            result.output.append(f"downloaded {url}")
        elif command == "unzip":
            if not downloaded or not any(w.endswith("AliyunJavaAgent.zip") for w in words):
                return _fail(result, 9, "unzip: cannot find or open AliyunJavaAgent.zip")
            unzipped_jar = f"{cwd.rstrip('/')}/AliyunJavaAgent/aliyun-java-agent.jar"
            result.output.append(f"unzipped the ARMS agent to {cwd}")
        elif command == "systemctl":
            if len(words) >= 3 and words[1] in ("restart", "start"):
                if words[2].removesuffix(".service") not in services:
                    return _fail(result, 5, f"Failed to restart {words[2]}: Unit not found.")
                result.restarts[words[2].removesuffix(".service")] = pending
                result.output.append(f"restarted {words[2]}")
        elif command in ("export", "printf") or command in _HARMLESS:
            continue
        elif command in ("java", "nohup"):
            jar = next(
                (w for w in words if w.endswith(".jar") and "aliyun-java-agent" not in w), ""
            )
            service = next((s for s in services if s in jar), None)
            if service is None:
                return _fail(result, 1, f"Error: Unable to access jarfile {jar or '(none)'}")
            result.restarts[service] = pending
        else:
            return _fail(result, 127, f"bash: {command}: command not found")
    for service, agent in result.restarts.items():
        if agent and not known_license(agent["license_key"]):
            result.output.append(
                f"[ARMS] {service}: licenseKey is invalid; the agent will not report"
            )
    return result


def _agent_flags(
    line: str, unzipped_jar: str | None, result: ScriptResult, config_key: str | None = None
) -> dict[str, Any] | None:
    jar = _JAVAAGENT.search(line)
    flag, name = _LICENSE.search(line), _APP_NAME.search(line)
    key = flag.group(1) if flag else config_key
    if jar is None or jar.group(1) != unzipped_jar:
        _fail(
            result,
            1,
            f"Error opening zip file or JAR manifest missing : {jar.group(1) if jar else '(none)'}",
        )
        return None
    if key is None or name is None:
        _fail(result, 1, "[ARMS] -Darms.licenseKey and -Darms.appName are required")
        return None
    return {"license_key": key, "app_name": name.group(1)}


def _path(cwd: str, target: str) -> str:
    return target if target.startswith("/") else f"{cwd.rstrip('/')}/{target}"


def _fail(result: ScriptResult, code: int, message: str) -> ScriptResult:
    result.exit_code = code
    result.output.append(message)
    return result


class Instances(AccountRecords):
    """The instances one account owns, and the commands it ran on them."""

    kind = "ecs.instance"

    def get(self, instance_id: str) -> dict[str, Any]:
        return self._owned("ecs.instance", instance_id, "InvalidInstanceId", "instance")

    def _owned(self, kind: str, item_id: str, code: str, noun: str) -> dict[str, Any]:
        """This account's ``kind`` record ``item_id``; else 404 ``<code>.NotFound``."""
        record = self.owned(item_id, kind)
        if record is None:
            raise ApiError(404, f"{code}.NotFound", f"The {noun} {item_id} does not exist.")
        return record

    def run_command(
        self, instance_ids: list[str], command: dict[str, Any], known_license: Any, new_id: Any
    ) -> str:
        """Run ``command`` (``{CommandId, Name, CommandContent, Timeout}``) on the instances;
        returns the InvokeId."""
        if not instance_ids:
            raise ApiError(
                400, "MissingParameter.InstanceIds", "The input parameter InstanceId is required."
            )
        if len(instance_ids) > MAX_INSTANCES_PER_CALL:
            raise ApiError(
                400,
                "InvalidParameter.InstanceIds",
                f"At most {MAX_INSTANCES_PER_CALL} instances per call (got {len(instance_ids)}).",
            )
        instances = [self.get(i) for i in instance_ids]
        for instance in instances:
            if instance["Status"] != "Running":
                raise ApiError(
                    400,
                    "IncorrectInstanceStatus",
                    f"The instance {instance['InstanceId']} is not running.",
                )
        now = self.clock.now()
        timed_out = command["Timeout"] < NOMINAL_RUN_SECONDS
        ends = now + self.clock.scaled(min(NOMINAL_RUN_SECONDS, command["Timeout"]))
        invoke_id: str = new_id("t-")
        per_instance: dict[str, dict[str, Any]] = {}
        for instance in instances:
            instance_id = instance["InstanceId"]
            if cloud_assistant_version(instance) is None:
                per_instance[instance_id] = {"ExitCode": None, "Output": "", "NoClient": True}
                continue
            if timed_out:
                per_instance[instance_id] = {"ExitCode": 124, "Output": "", "Timeout": True}
                continue
            outcome = run_script(command["CommandContent"], instance, known_license)
            for app in instance.get("java_apps", []):
                if app["service"] in outcome.restarts:
                    agent = outcome.restarts[app["service"]]
                    app["agent"] = {**agent, "active_at": ends} if agent else None
            self.store.put("ecs.instance", f"{self.uid}/{instance_id}", instance)
            per_instance[instance_id] = {
                "ExitCode": outcome.exit_code,
                "Output": "\n".join(outcome.output) + "\n",
            }
        self.store.put(
            "ecs.invocation",
            invoke_id,
            {
                "InvokeId": invoke_id,
                "CommandId": command["CommandId"],
                "AccountId": self.uid,
                "Name": command["Name"],
                "Type": command.get("Type", "RunShellScript"),
                "CommandContent": command["CommandContent"],
                "Timeout": command["Timeout"],
                "StartTime": self.clock.iso(now),
                "RunningAt": now + self.clock.scaled(NOMINAL_PENDING_SECONDS),
                "EndsAt": ends,
                "FinishedTime": self.clock.iso(ends),
                "Instances": per_instance,
            },
        )
        return invoke_id

    def keep_command(self, command: dict[str, Any]) -> None:
        self.store.put("ecs.command", f"{self.uid}/{command['CommandId']}", command)

    def command(self, command_id: str) -> dict[str, Any]:
        return self._owned("ecs.command", command_id, "InvalidCommandId", "command")

    def invocation(self, invoke_id: str) -> dict[str, Any]:
        record = self.store.get("ecs.invocation", invoke_id)
        if record is None or record["AccountId"] != self.uid:
            raise ApiError(
                404, "InvalidInvokeId.NotFound", f"The invocation {invoke_id} does not exist."
            )
        return record

    def invocations(self) -> list[dict[str, Any]]:
        """The account's invocations, oldest first."""
        return [r for r in self.store.list("ecs.invocation") if r["AccountId"] == self.uid]

    def results(self, invoke_id: str) -> list[dict[str, Any]]:
        record = self.invocation(invoke_id)
        now = self.clock.now()
        out = []
        for instance_id, r in record["Instances"].items():
            done = now >= record["EndsAt"] or bool(r.get("NoClient"))
            if r.get("NoClient"):
                status = "Failed"
            elif done:
                status = (
                    "Timeout"
                    if r.get("Timeout")
                    else ("Success" if r["ExitCode"] == 0 else "Failed")
                )
            else:
                status = "Running" if now >= record.get("RunningAt", 0) else "Pending"
            out.append(
                {
                    "InstanceId": instance_id,
                    "InvokeId": invoke_id,
                    "CommandId": record["CommandId"],
                    "InvocationStatus": status,
                    "InvokeRecordStatus": "Finished" if done else "Running",
                    "ExitCode": r["ExitCode"] if done else None,
                    "Output": r["Output"] if done else "",
                    "StartTime": record["StartTime"],
                    "FinishedTime": record["FinishedTime"] if done else None,
                    "ErrorCode": _error_code(done, r),
                    "ErrorInfo": _error_info(done, r),
                }
            )
        return out


def cloud_assistant_version(instance: dict[str, Any]) -> str | None:
    """The instance's Cloud Assistant client version, or None when it runs none."""
    version = instance.get("cloud_assistant", DEFAULT_CLOUD_ASSISTANT_VERSION)
    return None if version is None else str(version)


def _error_code(done: bool, result: dict[str, Any]) -> str:
    if result.get("NoClient"):
        return CLIENT_NOT_RUNNING[0]
    if not done or result["ExitCode"] == 0:
        return ""
    return "InvocationTimeout" if result.get("Timeout") else "CommandFailed"


def _error_info(done: bool, result: dict[str, Any]) -> str:
    if result.get("NoClient"):
        return CLIENT_NOT_RUNNING[1]
    if not done or result["ExitCode"] == 0:
        return ""
    if result.get("Timeout"):
        return "the command did not finish within its Timeout and was terminated"
    return "the command exited with a non-zero code"
