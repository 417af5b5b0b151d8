"""`armstui sandbox serve`: the emulator alone, in the foreground.

Once it listens it writes DIR/sandbox.json (mode 0600) with its endpoint and the seeded
accounts' credentials, so any Alibaba Cloud client can rehearse against it, and prints the
endpoint (never a secret) on stdout. With ``--tls`` it also serves https on a second port
with a self-signed certificate kept in DIR/tls/, and sandbox.json names both
(``endpoint_https``, ``ca_cert``: the certificate a client must trust). SIGTERM or Ctrl+C
stops it; the state stays in DIR for the next start.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
import signal
import sys
from pathlib import Path

import click

from armstui.cli.errors import BadInput


def _host_shaped(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        labels = host.split(".")
        return len(host) <= 253 and all(
            re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", label, flags=re.ASCII)
            for label in labels
        )


@click.group()
def sandbox() -> None:
    """The local emulator of the Alibaba Cloud APIs armstui uses."""


@sandbox.command()
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the state lives (SQLite) and sandbox.json is written.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep it on loopback).",
)
@click.option(
    "--port",
    default=0,
    type=click.IntRange(0, 65535),
    show_default=True,
    help="0 picks a free port.",
)
@click.option(
    "--world",
    default="default",
    show_default=True,
    metavar="default|large[:sources=N,clusters=N,instances=N]|org[:members=N,regions=N]",
    help="What a new state directory is seeded with.",
)
@click.option(
    "--faults",
    default=None,
    metavar="SPEC",
    help="Injected faults, e.g. 'latency=50ms;throttle=0.2;5xx=0.05;drop=0.01;seed=7'.",
)
@click.option(
    "--tls",
    is_flag=True,
    default=False,
    help="Also serve https (self-signed certificate in STATE/tls/, named in sandbox.json).",
)
@click.option(
    "--speed",
    default=1.0,
    type=click.FloatRange(min=0, min_open=True),
    show_default=True,
    help="Simulated durations (addon installs, scripts) run this many times faster.",
)
def serve(
    state_dir: Path,
    host: str,
    port: int,
    world: str,
    faults: str | None,
    tls: bool,
    speed: float,
) -> None:
    """Run the emulator until SIGTERM; write STATE/sandbox.json once it listens."""
    from armstui.sandbox.describe import FILE_NAME, description
    from armstui.sandbox.faults import Faults
    from armstui.sandbox.server import SandboxServer
    from armstui.sandbox.state import open_state
    from armstui.sandbox.tls import ensure_certificate, write_private_json
    from armstui.sandbox.world import parse_world

    if not _host_shaped(host):
        raise BadInput(
            "armstui sandbox serve: --host: must be an IP address or a host name "
            "(labels of 1-63 letters, digits, '-')"
        )
    if not math.isfinite(speed):
        raise BadInput(
            f"armstui sandbox serve: --speed: must be a finite number above 0 (got {speed})"
        )
    try:
        parse_world(world)
    except ValueError as exc:
        raise BadInput(f"armstui sandbox serve: --world: {exc}") from None
    try:
        injector = Faults.from_spec(faults)
    except ValueError as exc:
        raise BadInput(f"armstui sandbox serve: --faults: {exc}") from None
    state = open_state(state_dir, world=world, speed=speed, faults=injector)
    certificate = ensure_certificate(state_dir, host) if tls else None
    server = SandboxServer(
        state, host, port, tls=certificate.server_context() if certificate else None
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        endpoint = await server.start()
        written = description(state, endpoint)
        listening = f"http://{endpoint}"
        if certificate is not None:
            written |= {"endpoint_https": server.endpoint_https, "ca_cert": str(certificate.cert)}
            listening += f" and https://{server.endpoint_https}"
        write_private_json(state_dir / FILE_NAME, written)
        # stdout, flushed: a script reading our output learns the endpoint at once. Never the secrets.
        click.echo(f"sandbox listening on {listening} (credentials in {state_dir / FILE_NAME})")
        sys.stdout.flush()
        await stop.wait()
        await server.stop()

    try:
        asyncio.run(run())
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise BadInput(
            f"armstui sandbox serve: --host/--port: cannot listen on {host}:{port}: {reason}"
        ) from None
    finally:
        state.store.close()
