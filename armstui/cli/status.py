"""`armstui status`: whether every source, cluster and instance reports into A now.

Exit codes: 0 everything reports, 3 something does not or drifted, 1 could not look,
2 bad usage. ``--watch SECONDS`` prints a fresh table every interval until interrupted.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import click

from armstui.cli.common import (
    SandboxOptions,
    passphrase,
    reporter_user_option,
    sandbox_options,
    survey_options,
    window_option,
    workspace_errors,
)


@click.command()
@survey_options
@reporter_user_option()
@window_option("window_minutes", "An app reports now when A has data from it this recent.")
@click.option(
    "--watch",
    type=click.FloatRange(min=1.0),
    default=None,
    metavar="SECONDS",
    help="Print a fresh table every SECONDS until interrupted (for a tmux pane).",
)
@sandbox_options
def status(sandbox: SandboxOptions, watch: float | None, **survey: Any) -> None:
    """Every source's clusters and instances: reporting into A now? Changes nothing."""
    click.get_current_context().exit(watch_status(sandbox, every=watch, **survey))


def watch_status(
    sandbox: SandboxOptions,
    monitoring: str | None,
    sources: tuple[str, ...],
    *,
    fmt: str,
    reporter_user: str,
    window_minutes: int,
    every: float | None,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Survey once (or every ``every`` seconds, ``rounds`` times when given), print each
    report; the last report's exit code."""
    from armstui.accounts import open_workspace
    from armstui.model import InvalidInput
    from armstui.survey import accounts as chosen_accounts

    with workspace_errors("status"):
        with open_workspace(sandbox, passphrase=passphrase) as ws:
            chosen = chosen_accounts.choose(ws, monitoring, sources)
            if chosen.monitoring is None:
                raise InvalidInput("--monitoring", "is required: no monitoring account is saved")
            done = 0
            while True:
                report = asyncio.run(_survey(ws, chosen, reporter_user, window_minutes))
                if every is not None and fmt == "text":
                    click.echo(f"\x1b[2J\x1b[H{report.checked_at}", nl=True)
                click.echo(
                    json.dumps(report.to_json(), indent=2) if fmt == "json" else render(report)
                )
                done += 1
                if every is None or (rounds is not None and done >= rounds):
                    return int(report.exit_code)
                sleep(every)


async def _survey(ws: Any, chosen: Any, reporter_user: str, window_minutes: int) -> Any:
    from armstui.survey import accounts as chosen_accounts
    from armstui.survey.fleet import survey_fleet

    sessions = await chosen_accounts.sessions(ws, [chosen.monitoring, *chosen.sources])
    a_uid = ws.accounts[chosen.monitoring].uid
    return await survey_fleet(
        sessions[chosen.monitoring],
        {s: sessions[s] for s in chosen.sources},
        reporter_user=reporter_user,
        vault_has=chosen_accounts.vault_has(ws, a_uid, reporter_user),
        window_minutes=window_minutes,
    )


def _yes(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "NO"


def render(report: Any) -> str:
    """The fleet as text: clusters, instances and keys per source, then what to do."""
    lines = [f"monitoring {report.monitoring} ({report.monitoring_id}, {report.region})"]
    for source in report.sources:
        lines.append(f"source {source.account} ({source.account_id})")
        if source.error:
            lines.append(f"  could not look: {source.error}")
        for c in source.clusters:
            onepilot = c.onepilot_version or "none"
            newest = f" (newest {c.onepilot_newest})" if c.onepilot_newest else ""
            lines.append(
                f"  cluster  {c.name:<24} {c.region or '-':<14} onepilot {onepilot}{newest}  "
                f"reporting {_yes(c.reporting_now)}  last data {c.last_data_at or '-'}"
            )
            for drift in c.drift:
                lines.append(f"           drift: {drift}")
        for i in source.instances:
            reporting = _yes(i.reporting_now) if i.monitored else "not monitored"
            lines.append(
                f"  instance {i.name or i.instance_id:<24} app {i.app_name:<16} "
                f"reporting {reporting}  last data {i.last_data_at or '-'}"
            )
    for key in report.keys:
        lines.append(
            f"key {key.user} {key.key_id} {key.status} age {key.age_days if key.age_days is not None else '-'} d "
            f"last used {key.last_used_at or '-'} in vault {_yes(key.in_vault)}"
        )
    lines += [f"could not look: {e}" for e in report.errors]
    lines.append(report.summary())
    lines += [f"  to do: {t}" for t in report.todo()]
    return "\n".join(lines)
