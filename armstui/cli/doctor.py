"""`armstui doctor`: a read-only preflight of the accounts, the cloud and this machine.

Exit codes: 0 nothing fails, 3 something needs the operator, 1 a check could not run,
2 bad usage.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from armstui.cli.common import SandboxOptions, sandbox_options
from armstui.cli.errors import BadInput, CliError, Failed
from armstui.flows.setup import Setup

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "error": "?"}


def passphrase() -> str | None:
    """The encrypted file vault's passphrase: from its file, else asked at a terminal."""
    import sys

    from armstui.vault import read_passphrase_file

    given = read_passphrase_file()
    if given is None and sys.stdin.isatty():
        given = click.prompt("Vault passphrase", hide_input=True, err=True)
    return given


def survey_options(fn: Any) -> Any:
    fn = click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
    )(fn)
    fn = click.option(
        "--source",
        "sources",
        multiple=True,
        metavar="ALIAS",
        help="A source account (B); repeat for several (default: the saved ones, else all).",
    )(fn)
    fn = click.option(
        "--monitoring", default=None, metavar="ALIAS", help="The monitoring account (A)."
    )(fn)
    return fn


@click.command()
@survey_options
@click.option(
    "--reporter-user",
    default=Setup.reporter_user,
    show_default=True,
    help="The RAM user in A whose key reports.",
)
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
    from armstui.credentials import CredentialError
    from armstui.flows.workspace import WorkspaceError
    from armstui.model import InvalidInput
    from armstui.survey import accounts as chosen_accounts
    from armstui.survey.doctor import Role, run_doctor
    from armstui.survey.local import file_modes_finding, vault_finding
    from armstui.vault import VaultUnavailable

    try:
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
    except InvalidInput as exc:
        raise BadInput(f"armstui doctor: {exc}") from None
    except (CredentialError, VaultUnavailable) as exc:
        raise Failed(f"armstui doctor: {exc}") from None
    except WorkspaceError as exc:
        raise CliError(f"armstui doctor: {exc}", exit_code=exc.exit_code) from None
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
