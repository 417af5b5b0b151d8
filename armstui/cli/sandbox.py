"""`armstui sandbox serve`: the emulator alone, in the foreground."""

from __future__ import annotations

import click

from armstui.cli.common import EXIT_USAGE


@click.group()
def sandbox() -> None:
    """The local emulator of the Alibaba Cloud APIs armstui uses."""


@sandbox.command()
@click.option("--state", "state_dir", required=True, type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, type=int, show_default=True)
@click.option("--world", type=click.Choice(["default", "large"]), default="default", show_default=True)
@click.option("--faults", default=None, help="Fault spec, e.g. 'latency=50ms;throttle=0.2'.")
def serve(state_dir: str, host: str, port: int, world: str, faults: str | None) -> None:
    """Run the emulator until SIGTERM; write STATE/sandbox.json once it listens."""
    click.echo("armstui sandbox serve: not implemented yet", err=True)
    raise SystemExit(EXIT_USAGE)
