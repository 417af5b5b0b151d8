"""The ACK flow over a whole Resource Directory (``--source rd:all --all-regions``) on the
org world; prints a JSON line.

argv: members, regions. The sandbox serves in its own process with 50 ms added to every call
and simulated durations at speed 100; this process is the client, signing as the management
account's RAM user ``admin`` (root keys cannot assume the members' access roles).
"""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from armstui.sandbox.process import serve_until_listening


def serve_org(state: Path, members: int, regions: int) -> tuple[subprocess.Popen[str], Path]:
    """The org world served from ``state`` in a process of its own, and its sandbox.json,
    whose ``management`` account signs as its RAM user ``admin``."""
    server = serve_until_listening(
        state,
        "--world",
        f"org:members={members},regions={regions}",
        "--faults",
        "latency=50ms",
        "--speed",
        "100",
    )
    info = state / "sandbox.json"
    described = json.loads(info.read_text())
    management = described["accounts"]["management"]
    management.update(
        {k: management["users"]["admin"][k] for k in ("access_key_id", "access_key_secret")}
    )
    info.write_text(json.dumps(described))
    return server, info


def main() -> None:
    members, regions = (int(a) for a in sys.argv[1:3])
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup

    with tempfile.TemporaryDirectory() as tmp:
        server, info = serve_org(Path(tmp) / "state", members, regions)
        try:
            workspace = open_sandbox_workspace(info, vault_kind="memory")
            setup = Setup("ack", "monitoring", ("rd:all",), all_regions=True)
            started = time.perf_counter()
            result = asyncio.run(workspace.run(setup, "apply"))
            wall = time.perf_counter() - started
            records = workspace.call_log.records()
            print(
                json.dumps(
                    {
                        "wall": wall,
                        "exit_code": result.exit_code,
                        "steps": len(result.states),
                        "members": len(workspace.enrolment.members) if workspace.enrolment else 0,
                        "calls": len(records),
                        "throttled": sum(r.outcome.startswith("Throttling") for r in records),
                        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    }
                )
            )
            workspace.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(10)


if __name__ == "__main__":
    main()
