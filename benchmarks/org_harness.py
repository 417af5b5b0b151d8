"""The ACK flow over a whole Resource Directory (``--source rd:all --all-regions``) on the
org world; prints a JSON line.

argv: members, regions. The sandbox serves in its own process with 50 ms added to every call
and simulated durations at speed 100; this process is the client, signing as the management
account's RAM user ``admin`` (root keys cannot assume the members' access roles).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

from armstui.sandbox.process import serve_until_listening


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    members, regions = (int(a) for a in sys.argv[1:3])
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        server = serve_until_listening(
            state,
            "--world",
            f"org:members={members},regions={regions}",
            "--faults",
            "latency=50ms",
            "--speed",
            "100",
        )
        try:
            info = state / "sandbox.json"
            described = json.loads(info.read_text())
            management = described["accounts"]["management"]
            management.update(
                {k: management["users"]["admin"][k] for k in ("access_key_id", "access_key_secret")}
            )
            info.write_text(json.dumps(described))
            workspace = open_sandbox_workspace(info)
            setup = Setup("ack", "monitoring", ("rd:all",), all_regions=True)
            cpu_before, started = _cpu_seconds(server.pid), time.perf_counter()
            result = asyncio.run(workspace.run(setup, "apply"))
            wall = time.perf_counter() - started
            sandbox_cpu = _cpu_seconds(server.pid) - cpu_before
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
                        "sandbox_cpu": sandbox_cpu,
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
