"""The `armstui` command: opens the TUI, or runs one headless subcommand.

The command-line contract lives in DESIGN.md; scripts rely on it. Exit codes:
0 every step holds, 1 a step failed, 2 bad usage or input, 3 something needs the operator.
Each group of subcommands lives in its own module beside this one.
"""

from __future__ import annotations

import click

from armstui import __version__
from armstui.cli.common import EXIT_USAGE, SandboxOptions, sandbox_options


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="armstui")
@sandbox_options
@click.pass_context
def main(ctx: click.Context, sandbox: SandboxOptions) -> None:
    """Set up Alibaba Cloud ARMS cross-account monitoring, step by step.

    Without a subcommand, opens the terminal app (on the sandbox with --sandbox).
    """
    ctx.obj = sandbox
    if ctx.invoked_subcommand is None:
        from armstui.tui.app import run_app

        run_app(sandbox)


def _not_implemented(name: str, help_text: str) -> click.Command:
    @click.command(name=name, help=help_text, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        click.echo(f"armstui {name}: not implemented yet", err=True)
        raise SystemExit(EXIT_USAGE)

    return command


_PLANNED = {
    "accounts": "Manage accounts: list, add, import, remove.",
    "plan": "Show the steps of a flow and the calls they would make; changes nothing.",
    "apply": "Run the steps of a flow against the cloud.",
    "verify": "Observe only: does every step of a flow still hold?",
    "whoami": "The caller identity behind an account's credentials.",
    "switch": "Assume a role and list the ARMS applications visible as that identity.",
    "report": "The last setup's checklist as Markdown or JSON.",
}


def _register() -> None:
    from armstui.cli import accounts as accounts_cli
    from armstui.cli import sandbox as sandbox_cli

    main.add_command(sandbox_cli.sandbox)
    main.add_command(accounts_cli.accounts)
    for name, help_text in _PLANNED.items():
        if name not in main.commands:
            main.add_command(_not_implemented(name, help_text))


_register()
