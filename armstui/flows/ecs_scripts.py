"""The root shell scripts that put the ARMS Java agent on an ECS instance and take it off.

Every value that comes from the cloud (an instance's tags or name, the license key, the
region) is checked against a strict pattern before it reaches a script, and quoted there as
well: a value that fails the check is refused with :class:`UnsafeValue`, naming the instance
and where the value came from, and no script is made.

The install follows the ARMS documentation for Java on ECS: download ``AliyunJavaAgent.zip``
over https from A's ARMS region (the ``-internal`` OSS host from inside a VPC), unzip it, and
start the JVM with ``-javaagent:<dir>/AliyunJavaAgent/aliyun-java-agent.jar
-Darms.appName=<name>``, the license key given the documented other way: ``arms.licenseKey``
in the agent's ``arms-agent.config``, made 0600 and owned by the unit's user before the key is
written (ARMS "Manually install an agent": "add arms.licenseKey and arms.appName to the
arms-agent.config file of the agent package"). The flags go into ``JAVA_TOOL_OPTIONS`` in a
root-only (0600, in a 0700 directory) environment file that a systemd drop-in names as the
unit's ``EnvironmentFile``; the JVM echoes that variable into the unit's log when it starts,
which is why the key is not in it. The key is in no world-readable file, no process's argv
(``printf`` is a bash builtin) and no log.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from armstui.cloud import ecs

# A systemd unit name (without the ``.service`` suffix) and an ARMS application name: letters,
# digits, ``_ . @ -``, starting with a letter or digit. Nothing a shell or systemd expands.
UNIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}")
APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
LICENSE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_@-]{0,127}")
REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+){1,3}")
# What the operator's shell holds the license key in for the commands shown by hand.
KEY_VARIABLE = "ARMS_LICENSE_KEY"
INSTALL_CLOUD_ASSISTANT = (
    "curl -fsSL --proto =https -o aliyun_assist_latest.rpm "
    "https://aliyun-client-assist-{region}.oss-{region}.aliyuncs.com/linux/aliyun_assist_latest.rpm"
    " && rpm -ivh --force aliyun_assist_latest.rpm"
    " (on Debian or Ubuntu: aliyun_assist_latest.deb and dpkg -i)"
)


class UnsafeValue(ValueError):
    """A cloud-provided value that may not go into a root script."""

    def __init__(self, instance_id: str, source: str, rule: str) -> None:
        self.instance_id = instance_id
        self.source = source
        super().__init__(
            f"{source} of {instance_id} cannot be used in the install script: it must {rule}. "
            f"Set the instance's {source} to such a value (or tag it app=<name>, "
            "service=<systemd unit>), then run again."
        )


@dataclass(frozen=True)
class Paths:
    """Where the scripts write (tests point them at a scratch directory)."""

    agent_dir: str = "/opt/arms"
    env_dir: str = "/etc/armstui"  # root-only: holds the license key
    unit_dir: str = "/etc/systemd/system"

    def drop_in(self, service: str) -> str:
        return f"{self.unit_dir}/{service}.service.d/arms.conf"

    def env_file(self, service: str) -> str:
        return f"{self.env_dir}/{service}.env"

    def agent_jar(self) -> str:
        return f"{self.agent_dir}/AliyunJavaAgent/aliyun-java-agent.jar"

    def agent_config(self) -> str:
        """The agent's own settings file (read by the JVM, as the unit's user)."""
        return f"{self.agent_dir}/AliyunJavaAgent/arms-agent.config"


@dataclass(frozen=True)
class AgentTarget:
    """The checked values of one instance: its application name and systemd unit."""

    instance_id: str
    app_name: str
    service: str


def _checked(value: str, pattern: re.Pattern[str], instance_id: str, source: str) -> str:
    if not pattern.fullmatch(value):
        rule = (
            "be 1-128 letters, digits, '_', '.', '@' or '-', starting with a letter or digit"
            if pattern is UNIT_NAME
            else "be 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
        raise UnsafeValue(instance_id, source, rule)
    return value


def target_of(instance: ecs.Instance) -> AgentTarget:
    """The instance's application (its ``app`` tag, else its name) and systemd unit (its
    ``service`` tag, else the application's name), each checked. Raises UnsafeValue."""
    tags = dict(instance.tags)
    if tags.get("app"):
        app = _checked(tags["app"], APP_NAME, instance.instance_id, "tag 'app'")
    elif instance.instance_name:
        app = _checked(instance.instance_name, APP_NAME, instance.instance_id, "instance name")
    else:
        app = instance.instance_id
    if tags.get("service"):
        service = _checked(tags["service"], UNIT_NAME, instance.instance_id, "tag 'service'")
    else:
        service = _checked(app, UNIT_NAME, instance.instance_id, "application name")
    return AgentTarget(instance.instance_id, app, service.removesuffix(".service"))


def agent_url(region: str, *, vpc: bool) -> str:
    if not REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not a region ID")
    host = f"oss-{region}-internal" if vpc else f"oss-{region}"
    return f"https://arms-apm-{region}.{host}.aliyuncs.com/AliyunJavaAgent.zip"


def install_script(
    target: AgentTarget,
    region: str,
    license_key: str | None,
    *,
    vpc: bool = False,
    paths: Paths = Paths(),
) -> str:
    """The script that installs the agent and restarts the unit with it. With no
    ``license_key`` the script reads it from ``$ARMS_LICENSE_KEY`` (the commands shown to an
    operator, who sets it first).

    The target's names are checked by :func:`target_of`; here every value is shell-quoted
    all the same."""
    if license_key is not None and not LICENSE_KEY.fullmatch(license_key):
        raise ValueError("the ARMS license key is not in the expected form")
    q, service = shlex.quote, target.service
    options = q(
        f'JAVA_TOOL_OPTIONS="-javaagent:{paths.agent_jar()} -Darms.appName={target.app_name}"'
    )
    if license_key is not None:
        key_line = q(f"arms.licenseKey={license_key}")
    else:
        # The key expands in the operator's shell, inside double quotes; the rest is quoted.
        key_line = f'"arms.licenseKey=${{{KEY_VARIABLE}:?set {KEY_VARIABLE} first}}"'
    config = q(paths.agent_config())
    write_options = f"printf '%s\\n' {options} > {q(paths.env_file(service))}"
    unit_dir = f"{paths.unit_dir}/{service}.service.d"
    # The commands shown by hand stop at once, before anything changes, without the key.
    check = (
        [] if license_key is not None else [f': "${{{KEY_VARIABLE}:?set {KEY_VARIABLE} first}}"']
    )
    return "\n".join(
        [
            "set -eu",
            *check,
            f"mkdir -p {q(paths.agent_dir)}",
            f"cd {q(paths.agent_dir)}",
            f"curl -fsSL --proto =https -o AliyunJavaAgent.zip {q(agent_url(region, vpc=vpc))}",
            "unzip -oq AliyunJavaAgent.zip",
            # The key goes into the agent's own settings, readable by the unit's user only: a
            # -D flag in JAVA_TOOL_OPTIONS would be echoed by the JVM into the unit's log.
            f"owner=$(systemctl show -p User --value {q(service)})",
            f"touch {config}",
            f"chmod 600 {config}",
            f'chown "${{owner:-root}}" {config}',
            f"printf '%s\\n' {key_line} >> {config}",
            f"mkdir -p -m 700 {q(paths.env_dir)}",
            f"chmod 700 {q(paths.env_dir)}",
            # Made empty and 0600 first: the key is never in a file others can read.
            f"printf '' > {q(paths.env_file(service))}",
            f"chmod 600 {q(paths.env_file(service))}",
            write_options,
            f"mkdir -p {q(unit_dir)}",
            f"printf '[Service]\\nEnvironmentFile=%s\\n' {q(paths.env_file(service))}"
            f" > {q(paths.drop_in(service))}",
            "systemctl daemon-reload",
            f"systemctl restart {q(service)}",
        ]
    )


def uninstall_script(service: str, *, paths: Paths = Paths()) -> str:
    """Undo the install: drop the unit's drop-in and environment file, restart without the
    agent. ``service`` comes from the journal or the instance's tags: checked here too."""
    if not UNIT_NAME.fullmatch(service):
        raise ValueError(f"{service!r} is not a systemd unit name")
    return render_uninstall(service, paths=paths)


def render_uninstall(service: str, *, paths: Paths = Paths()) -> str:
    q = shlex.quote
    return "\n".join(
        [
            "set -eu",
            f"rm -f {q(paths.drop_in(service))} {q(paths.env_file(service))}",
            "systemctl daemon-reload",
            f"systemctl restart {q(service)}",
        ]
    )


def install_cloud_assistant(region: str) -> str:
    """The commands, run as root on the instance, that install the Cloud Assistant client."""
    return INSTALL_CLOUD_ASSISTANT.format(region=region if REGION.fullmatch(region) else "<region>")
