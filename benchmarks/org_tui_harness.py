"""Drive the app headless while the ACK flow runs over a whole organisation; print a JSON
line of what was measured.

argv: MEMBERS. The org world (3 regions) is served in its own process with 50 ms on every
call (benchmarks/org_harness.py ``serving_org``); the app applies ``--source rd:all
--all-regions`` from its checklist while keys are pressed and timed, then the same keys on
the same checklist with nothing running (benchmarks/app_harness.py ``keys_during_apply``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from app_harness import keys_during_apply, opened
from org_harness import serving_org

REGIONS = 3


async def org_tui(members: int) -> dict:
    from armstui.accounts import open_sandbox_workspace
    from armstui.flows.setup import Setup
    from armstui.tui.app import ArmsTui

    with serving_org(members, REGIONS) as (_, info):
        tui = ArmsTui(workspace_factory=lambda: open_sandbox_workspace(info, vault_kind="memory"))
        async with tui.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            setup = Setup("ack", "monitoring", ("rd:all",), all_regions=True)
            measured = await keys_during_apply(pilot, setup)
            workspace = tui.state.workspace
            measured["members"] = len(workspace.enrolment.members) if workspace.enrolment else 0
            measured["outcomes"] = dict(
                Counter(
                    str(s.outcome)
                    for _f, _a, states in tui.state.checklist.groups()
                    for s in states
                )
            )
        return measured


def main() -> None:
    print(json.dumps(asyncio.run(org_tui(int(sys.argv[1])))))


if __name__ == "__main__":
    main()
