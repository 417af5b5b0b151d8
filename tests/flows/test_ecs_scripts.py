"""The ECS install and uninstall scripts under a real bash, with the commands that touch the
machine (curl, unzip, systemctl) replaced by stubs that log their arguments: hostile instance
tags are refused before any script is made, and even unchecked they run nothing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from armstui.cloud import ecs
from armstui.flows.ecs_scripts import (
    AgentTarget,
    Paths,
    UnsafeValue,
    install_script,
    render_uninstall,
    target_of,
    uninstall_script,
)

BASH = shutil.which("bash")
KEY = "fwl6pyphrc@9b1fb669a1ae070"
HOSTILE = [
    "$(touch {canary})",
    "`touch {canary}`",
    "x; touch {canary}",
    "x' ; touch {canary} ; '",
    'x" ; touch {canary} ; "',
    "x\ntouch {canary}",
    "x && touch {canary}",
    "x | touch {canary}",
]
STUBS = """
curl() { printf 'curl' >> "$LOG"; printf ' [%s]' "$@" >> "$LOG"; echo >> "$LOG"; : > AliyunJavaAgent.zip; }
unzip() { printf 'unzip [%s]\\n' "$*" >> "$LOG"; mkdir -p AliyunJavaAgent; }
systemctl() { printf 'systemctl' >> "$LOG"; printf ' [%s]' "$@" >> "$LOG"; echo >> "$LOG"; }
chown() { printf 'chown [%s]\\n' "$1" >> "$LOG"; }
"""


def _paths(root: Path) -> Paths:
    return Paths(str(root / "opt"), str(root / "etc-armstui"), str(root / "units"))


def _run(script: str, root: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    assert BASH is not None
    log = root / "calls.log"
    log.write_text("")
    done = subprocess.run(
        [BASH, "-c", STUBS + script],
        env={"PATH": os.environ["PATH"], "LOG": str(log), **(env or {})},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode, log.read_text()


def _instance(tags: dict[str, str], name: str = "vm-1") -> ecs.Instance:
    return ecs.Instance("i-abc", name, "Running", tags=tuple(tags.items()))


@pytest.mark.parametrize("pattern", HOSTILE)
@pytest.mark.parametrize("tag", ["app", "service"])
def test_a_hostile_tag_is_refused_naming_the_instance_and_the_tag(pattern: str, tag: str) -> None:
    tags = {"app": "orders", "service": "orders", tag: pattern.format(canary="/tmp/x")}
    with pytest.raises(UnsafeValue) as refused:
        target_of(_instance(tags))
    assert "i-abc" in str(refused.value) and f"tag '{tag}'" in str(refused.value)


def test_a_hostile_instance_name_without_tags_is_refused() -> None:
    with pytest.raises(UnsafeValue, match="instance name of i-abc"):
        target_of(_instance({}, name="$(reboot)"))


@pytest.mark.parametrize("pattern", HOSTILE)
def test_the_hostile_values_do_inject_when_not_quoted(pattern: str, tmp_path: Path) -> None:
    """The canary works: each value runs its payload when put into a script bare, or inside
    quotes of the kind it closes."""
    canary = tmp_path / "pwned"
    value = pattern.format(canary=canary)
    for naive in (f"systemctl restart {value}", f"systemctl restart '{value}'", f'echo "{value}"'):
        _run(naive, tmp_path)
    assert canary.exists()


@pytest.mark.parametrize("pattern", HOSTILE)
def test_even_unchecked_values_are_quoted_so_nothing_injected_runs(
    pattern: str, tmp_path: Path
) -> None:
    canary = tmp_path / "pwned"
    value = pattern.format(canary=canary)
    target = AgentTarget("i-abc", value, value)
    for script in (
        install_script(target, "cn-hangzhou", KEY, paths=_paths(tmp_path)),
        render_uninstall(value, paths=_paths(tmp_path)),
    ):
        _, log = _run(script, tmp_path)
        assert not canary.exists(), script
        if "systemctl [restart]" in log:  # the unit reached systemctl whole, as one argument
            assert f"systemctl [restart] [{value}]" in log


def test_the_install_writes_a_root_only_environment_file_and_a_drop_in(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    target = target_of(_instance({"app": "orders", "service": "orders"}))
    code, log = _run(install_script(target, "cn-hangzhou", KEY, paths=paths), tmp_path)
    assert code == 0
    env_file = Path(paths.env_file("orders"))
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(paths.env_dir).stat().st_mode) == 0o700
    # JAVA_TOOL_OPTIONS, which the JVM echoes into the unit's log, holds no key ...
    assert env_file.read_text() == (
        f'JAVA_TOOL_OPTIONS="-javaagent:{paths.agent_jar()} -Darms.appName=orders"\n'
    )
    # ... the agent's own settings do, readable by the unit's user only
    config = Path(paths.agent_config())
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert config.read_text() == f"arms.licenseKey={KEY}\n"
    assert "chown [root]" in log  # the stubbed unit has no User=: root runs it
    drop_in = Path(paths.drop_in("orders")).read_text()
    assert drop_in == f"[Service]\nEnvironmentFile={env_file}\n" and KEY not in drop_in
    assert KEY not in log  # no stubbed command saw the key in its arguments
    assert (
        "curl [-fsSL] [--proto] [=https] [-o] [AliyunJavaAgent.zip] "
        "[https://arms-apm-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/AliyunJavaAgent.zip]" in log
    )
    assert log.splitlines()[-2:] == ["systemctl [daemon-reload]", "systemctl [restart] [orders]"]

    code, log = _run(uninstall_script("orders", paths=paths), tmp_path)
    assert code == 0 and not env_file.exists() and not Path(paths.drop_in("orders")).exists()
    assert log.splitlines()[-1] == "systemctl [restart] [orders]"


def test_the_commands_shown_to_the_operator_make_a_working_unit(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    target = target_of(_instance({"app": "orders"}))
    script = install_script(target, "cn-hangzhou", None, paths=paths)
    assert KEY not in script
    code, _ = _run(script, tmp_path, {"ARMS_LICENSE_KEY": KEY})
    assert code == 0
    assert "-Darms.appName=orders" in Path(paths.env_file("orders")).read_text()
    assert Path(paths.agent_config()).read_text() == f"arms.licenseKey={KEY}\n"
    # Without the key set, the script stops before it touches the unit.
    Path(paths.env_file("orders")).unlink()
    Path(paths.drop_in("orders")).unlink()
    code, log = _run(script, tmp_path)
    assert code != 0 and not Path(paths.drop_in("orders")).exists()
    assert "systemctl" not in log
