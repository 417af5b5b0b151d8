"""The ACK flow over a whole Resource Directory (``--source rd:all --all-regions``) on the
org world; prints a JSON line.

argv: members, regions. The sandbox serves in its own process with 50 ms added to every call
and simulated durations at speed 100; this process is the client, signing as the management
account's RAM user ``admin`` (root keys cannot assume the members' access roles). Besides the
wall time it reports the CPU seconds each process used during the flow.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from armstui.sandbox.process import serving_in_process


@contextmanager
def serving_org(members: int, regions: int) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """The org world served in a process of its own for the block, and its sandbox.json,
    whose ``management`` account signs as its RAM user ``admin``."""
    world = f"org:members={members},regions={regions}"
    with serving_in_process("--world", world, "--faults", "latency=50ms", "--speed", "100") as (
        state,
        server,
    ):
        info = state / "sandbox.json"
        described = json.loads(info.read_text())
        management = described["accounts"]["management"]
        management.update(
            {k: management["users"]["admin"][k] for k in ("access_key_id", "access_key_secret")}
        )
        info.write_text(json.dumps(described))
        yield server, info


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(members: int, regions: int) -> dict[str, Any]:
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup

    with serving_org(members, regions) as (server, info):
        workspace = open_sandbox_workspace(info, vault_kind="memory")
        setup = Setup("ack", "monitoring", ("rd:all",), all_regions=True)
        cpu = _cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        result = asyncio.run(workspace.run(setup, "apply"))
        wall = time.perf_counter() - started
        sandbox_cpu, client_cpu = _cpu_seconds(server.pid) - cpu[0], time.process_time() - cpu[1]
        records = workspace.call_log.records()
        workspace.close()
    return {
        "wall": wall,
        "exit_code": result.exit_code,
        "steps": len(result.states),
        "members": len(workspace.enrolment.members) if workspace.enrolment else 0,
        "calls": len(records),
        "throttled": sum(r.outcome.startswith("Throttling") for r in records),
        "sandbox_cpu": sandbox_cpu,
        "client_cpu": client_cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(measure(*(int(a) for a in sys.argv[1:3]))))
