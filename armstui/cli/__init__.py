"""The `armstui` command: opens the TUI, or runs one headless subcommand.

Scripts rely on the command-line contract (docs/architecture.md). Exit codes:
0 every step holds, 1 a step failed, 2 bad usage or input, 3 something needs the operator.
Each group of subcommands lives in its own module beside this one.
"""

from __future__ import annotations

import importlib
import sys

import click

from armstui import __version__
from armstui.cli.common import SandboxOptions, sandbox_options
from armstui.cli.errors import BadInput

# Subcommands load only when used: the TUI's first frame must not pay for their imports.
# Each is the attribute of its name in the module armstui.cli.<module>.
SUBCOMMANDS = {
    "accounts": "accounts",
    "plan": "flows",
    "apply": "flows",
    "verify": "flows",
    "report": "flows",
    "whoami": "identity",
    "switch": "identity",
    "secret": "secret",
    "sandbox": "sandbox",
    "rotate": "lifecycle",
    "teardown": "lifecycle",
    "doctor": "doctor",
    "status": "status",
}


# The subcommands that change the cloud: refused up front under --read-only.
MUTATING_COMMANDS = frozenset({"apply", "rotate", "teardown"})


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module = importlib.import_module(f"armstui.cli.{SUBCOMMANDS[name]}")
        command: click.Command = getattr(module, name)
        return command


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="armstui")
@sandbox_options
@click.option(
    "--read-only",
    is_flag=True,
    help="Change nothing: status, verify, plan, doctor and switch work; apply, rotate, "
    "teardown and every other change are refused.",
)
@click.option(
    "--no-mouse",
    is_flag=True,
    help="The app ignores the mouse, so the terminal selects text as usual.",
)
@click.pass_context
def main(ctx: click.Context, sandbox: SandboxOptions, read_only: bool, no_mouse: bool) -> None:
    """Set up Alibaba Cloud ARMS cross-account monitoring, step by step.

    Without a subcommand, opens the terminal app (on the sandbox with --sandbox).
    """
    ctx.obj = sandbox
    _set_read_only(read_only)
    if read_only and ctx.invoked_subcommand in MUTATING_COMMANDS:
        raise BadInput(
            f"armstui {ctx.invoked_subcommand}: refused in read-only mode (--read-only): it "
            "changes the cloud. Nothing was sent; run `armstui plan` to see what it would do."
        )
    if ctx.invoked_subcommand is None:
        import gc

        # Nothing made until the first frame is garbage: no collector passes over it meanwhile.
        # The app turns collection back on once the frame is painted (ArmsTui._open_first_workspace).
        gc.disable()
        from armstui.tui.app import run_app

        run_app(sandbox, mouse=not no_mouse)


def _set_read_only(on: bool) -> None:
    """Every cloud session of this process refuses changes under --read-only (the sessions
    enforce it). The session module loads only when needed: the TUI's first frame must not
    pay for it."""
    if on or "armstui.cloud.session" in sys.modules:
        from armstui.cloud.session import set_read_only_everywhere

        set_read_only_everywhere(on)
