"""What every subcommand shares: exit codes and the --sandbox options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_YOU = 3


@dataclass(frozen=True)
class SandboxOptions:
    """Whether to act on the local emulator instead of Alibaba Cloud, and its state dir."""

    enabled: bool = False
    state_dir: Path | None = None


def sandbox_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --sandbox/--sandbox-state to a command; the command receives `sandbox`.

    Given on the group (`armstui --sandbox apply ...`) or on the subcommand
    (`armstui apply --sandbox ...`): either turns it on.
    """

    @click.option("--sandbox", "sandbox_flag", is_flag=True, help="Act on the local emulator.")
    @click.option(
        "--sandbox-state",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The emulator's state directory (default: under the data dir).",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, sandbox_flag: bool, sandbox_state: Path | None, **kwargs: Any) -> Any:
        parent = click.get_current_context().find_object(SandboxOptions)
        enabled = sandbox_flag or sandbox_state is not None or bool(parent and parent.enabled)
        state = sandbox_state or (parent.state_dir if parent else None)
        return fn(*args, sandbox=SandboxOptions(enabled, state), **kwargs)

    return wrapper
