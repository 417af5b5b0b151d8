"""`armstui sandbox serve` in a process of its own, as the cloud would be: for the benchmarks
and tests that must not share the client's process (or its GIL) with the sandbox."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def serve_argv(state: Path, *options: str) -> list[str]:
    """The command line of `armstui sandbox serve --state STATE OPTIONS`."""
    return [sys.executable, "-m", "armstui", "sandbox", "serve", "--state", str(state), *options]


def start_serving(state: Path, *options: str) -> subprocess.Popen[str]:
    """`armstui sandbox serve` on a free loopback port, stdout and stderr piped; returns at
    once, before it listens."""
    return subprocess.Popen(
        serve_argv(state, "--port", "0", *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def serve_until_listening(state: Path, *options: str) -> subprocess.Popen[str]:
    """:func:`start_serving`, returning once it listens: its first line ("sandbox listening on
    ...") comes after STATE/sandbox.json is written."""
    server = start_serving(state, *options)
    assert server.stdout is not None
    server.stdout.readline()
    return server


@contextmanager
def serving_in_process(*options: str) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """:func:`serve_until_listening` on a fresh state dir for the block: yields the state dir
    (its sandbox.json written) and the process, which gets SIGTERM when the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        server = serve_until_listening(state, *options)
        try:
            yield state, server
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(10)
