"""`armstui doctor`: a read-only preflight of the accounts, the cloud and this machine.

Exit codes: 0 nothing fails, 3 something needs the operator, 1 a check could not run,
2 bad usage.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from armstui.cli.common import (
    SandboxOptions,
    passphrase,
    reporter_user_option,
    sandbox_options,
    survey_options,
    workspace_errors,
)

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "error": "?"}


@click.command()
@survey_options
@reporter_user_option()
@sandbox_options
def doctor(
    sandbox: SandboxOptions,
    monitoring: str | None,
    sources: tuple[str, ...],
    fmt: str,
    reporter_user: str,
) -> None:
    """Check the accounts, the cloud and this machine; changes nothing."""
    from armstui import paths
    from armstui.accounts import open_workspace
    from armstui.survey import accounts as chosen_accounts
    from armstui.survey.doctor import Role, run_doctor
    from armstui.survey.local import file_modes_finding, vault_finding

    with workspace_errors("doctor"):
        with open_workspace(sandbox, passphrase=passphrase) as ws:
            chosen = chosen_accounts.choose(ws, monitoring, sources)
            aliases = [a for a in (chosen.monitoring, *chosen.sources) if a]
            local = [vault_finding(ws.vault)]
            if not sandbox.enabled:
                local.append(file_modes_finding(paths.data_dir()))

            async def run() -> Any:
                sessions = await chosen_accounts.sessions(ws, aliases)
                roles = [
                    Role(
                        sessions[a],
                        monitoring=a == chosen.monitoring,
                        saved_uid=ws.accounts[a].uid,
                    )
                    for a in aliases
                ]
                a_uid = ws.accounts[chosen.monitoring].uid if chosen.monitoring else ""
                return await run_doctor(
                    roles,
                    reporter_user=reporter_user,
                    vault_has=chosen_accounts.vault_has(ws, a_uid, reporter_user),
                    local=local,
                )

            report = asyncio.run(run())
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(render_text(report))
    click.get_current_context().exit(report.exit_code)


def render_text(report: Any) -> str:
    """One table per account: check, status, what was seen, the fix."""
    lines: list[str] = []
    by_account: dict[str, list[Any]] = {}
    for finding in report.findings:
        by_account.setdefault(finding.account, []).append(finding)
    for account, findings in by_account.items():
        lines.append(f"{account}")
        width = max(len(f.check) for f in findings)
        for f in findings:
            status = f.status.value
            lines.append(f"  {MARKS[status]} {status:<5} {f.check:<{width}}  {f.detail}")
            if f.fix:
                lines.append(f"  {'':<7} {'':<{width}}  fix: {f.fix}")
        lines.append("")
    counts = {s: sum(f.status.value == s for f in report.findings) for s in MARKS}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no checks ran")
    return "\n".join(lines)
