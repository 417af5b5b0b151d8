"""`armstui plan|apply|verify|report`: the flows, headless, with the contract's exit codes."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from armstui.cli.common import (
    EXIT_FAILED,
    PROOF_WINDOW_HELP,
    SandboxOptions,
    asking_options,
    sandbox_options,
    window_option,
)
from armstui.cli.errors import BadInput, CliError
from armstui.flows.registry import (
    FLOW_NAMES,
    FlowOption,
    OptionKind,
    every_option,
    option_scope,
    with_options,
)
from armstui.flows.report import ICONS, to_json, to_markdown
from armstui.flows.setup import Setup

if TYPE_CHECKING:
    from armstui.flows.runner import RunResult, StepState


def _repeated(flag: str, dest: str, metavar: str, help: str, **more: Any) -> Any:
    return click.option(flag, dest, multiple=True, metavar=metavar, help=help, **more)


def _switch(flag: str, help: str) -> Any:
    return click.option(flag, is_flag=True, help=help)


def _click_option(option: FlowOption) -> Any:
    """The click option for a flow's option; its help starts with the flows that read it."""
    help = f"[{option_scope(option)}] {option.help}"
    if option.kind is OptionKind.FLAG:
        return _switch(option.flag, help)
    if option.kind is OptionKind.REPEATED:
        return _repeated(option.flag, option.dest, option.metavar or "VALUE", help)
    more: dict[str, Any] = {"type": click.Choice(option.choices)} if option.choices else {}
    return click.option(
        option.flag,
        option.dest,
        default=option.default,
        show_default=option.default is not None,
        metavar=option.metavar,
        help=help,
        **more,
    )


def flow_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--flow, the accounts, where to look and the proof window, then every flow's own
    options (a flow declares them in its FlowSpec), grouped by flow."""
    options = [
        click.option("--flow", type=click.Choice(FLOW_NAMES), required=True, help="Which flow."),
        click.option(
            "--monitoring", required=True, metavar="ALIAS", help="The monitoring account (A)."
        ),
        _repeated(
            "--source",
            "sources",
            "ALIAS",
            "A source account (B); repeat for several.",
            required=True,
        ),
        *(_click_option(option) for option in every_option()),
        window_option("data_window_minutes", PROOF_WINDOW_HELP),
        click.option(
            "--region",
            "regions",
            metavar="R1,R2",
            default="",
            help="Look for B's clusters and instances in these regions (default: the account's).",
        ),
        _switch(
            "--all-regions",
            "Look for B's clusters and instances in every region the account can use.",
        ),
        _repeated(
            "--exclude",
            "exclude",
            "ID|FOLDER",
            "With --source rd:…: leave out this member account ID or folder (repeat).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _check_ids(setup: Setup) -> None:
    """InvalidInput (exit 2, no call made) for a malformed --cluster or --instance
    (Workspace.validate checks the names and aliases, not these)."""
    from armstui.model import validate_cluster_id, validate_instance_id

    for cluster in setup.clusters:
        validate_cluster_id(cluster, "--cluster")
    for instance in setup.instances:
        validate_instance_id(instance, "--instance")


def _given(option: FlowOption) -> bool:
    """The operator gave ``option`` (a default does not count)."""
    source = click.get_current_context().get_parameter_source(option.dest)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _setup(kw: dict[str, Any]) -> Setup:
    """The Setup of the options given; InvalidInput for an option the flow does not read."""
    given = {o.flag: kw[o.dest] for o in every_option() if _given(o)}
    setup = Setup(
        flow=kw["flow"],
        monitoring=kw["monitoring"],
        sources=tuple(dict.fromkeys(kw["sources"])),
        data_window_minutes=kw["data_window_minutes"],
        exclude=tuple(kw["exclude"]),
        regions=tuple(r.strip() for r in kw["regions"].split(",") if r.strip()),
        all_regions=kw["all_regions"],
    )
    return with_options(setup, given)


def _check_accounts(accounts: dict[str, Any], setup: Setup) -> None:
    """InvalidInput naming --monitoring or --source when it is not a configured account."""
    from armstui.model import InvalidInput, describe, validate_alias

    known = ", ".join(sorted(accounts)) or "none yet: armstui accounts add"
    for flag, alias in [
        ("--monitoring", setup.monitoring),
        *(("--source", s) for s in setup.sources),
    ]:
        if alias.startswith("rd:"):  # directory members: checked when the directory is listed
            continue
        if alias not in accounts:
            try:
                shown = repr(
                    validate_alias(alias)
                )  # an alias's shape cannot hold anything worth hiding
            except InvalidInput:
                shown = describe(alias)
            raise InvalidInput(flag, f"must name a configured account (known: {known})", shown)


def open_workspace(sandbox: SandboxOptions, command: str, **kw: Any) -> Any:
    """Workspace.open, or exit 2 naming the sandbox state dir when it cannot be used (a
    sandbox.json that is not one, a folder that cannot be created). WorkspaceError passes."""
    from armstui import accounts
    from armstui.flows.workspace import WorkspaceError
    from armstui.secrets.redaction import redact

    try:
        return accounts.open_workspace(sandbox, **kw)
    except WorkspaceError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if not sandbox.enabled:
            raise
        where = sandbox.state_dir or "the default sandbox state dir"
        detail = redact(str(exc))[:300]
        raise BadInput(
            f"armstui {command}: --sandbox-state: {where} cannot be used "
            f"({type(exc).__name__}: {detail})"
        ) from None


def _line(state: StepState) -> str:
    outcome = state.outcome.value
    return f"{ICONS.get(outcome, '?')} {outcome:<9} {state.title} [{state.account}]"


def _one_terminal() -> bool:
    """Both streams go to the same terminal: the live line would repeat the summary."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _progress(state: StepState) -> None:
    """Each finished step as it finishes, on stderr. On a terminal that also shows the
    summary, the line is rewritten in place (and cleared before the summary), so every
    step is printed once."""
    if not state.outcome.final:
        return
    if _one_terminal():
        width = shutil.get_terminal_size().columns - 1
        click.echo(CLEAR_LINE + _line(state)[:width], err=True, nl=False, color=True)
    else:
        click.echo(_line(state), err=True)


CLEAR_LINE = "\r\x1b[2K"  # back to the line's start, then erase it (ECMA-48 EL 2)


def _print_result(result: RunResult) -> None:
    for s in result.states:
        click.echo(_line(s))
        if s.detail:
            click.echo(f"      {s.detail}")
        for call in s.planned:
            click.echo(f"      + {call}")
        if s.error_code:
            click.echo(f"      error {s.error_code}, request ID {s.request_id or '-'}")
            if s.hint:
                click.echo(f"      hint: {s.hint}")
        if s.needs_you:
            click.echo(f"      to do: {s.needs_you}")


def _run(sandbox: SandboxOptions, kw: dict[str, Any], mode: str, *, confirm: bool = False) -> None:
    run_action(sandbox, lambda: _setup(kw), mode, confirm=confirm)


def run_action(
    sandbox: SandboxOptions,
    make_setup: Callable[[], Setup],
    mode: str,
    *,
    confirm: bool = False,
    action: str = "setup",
    command: str | None = None,
    after_plan: Callable[[Setup, Any], Setup] | None = None,
) -> None:
    """Run a setup's steps (``action``: setup, rotate or teardown) in ``mode``, print the
    checklist and exit with the contract's code. ``confirm``: show the plan and ask first;
    ``after_plan(setup, plan)`` may ask more and return the setup to apply."""
    from armstui.flows.workspace import WorkspaceError
    from armstui.model import InvalidInput

    command = command or mode
    try:
        setup = make_setup()
        _check_ids(setup)
        with open_workspace(sandbox, command) as ws:
            _check_accounts(ws.accounts, setup)
            ws.validate(setup)
            if confirm:
                plan = asyncio.run(ws.run(setup, "plan", action=action))
                _print_result(plan)
                if plan.exit_code == 1:
                    click.get_current_context().exit(EXIT_FAILED)  # the plan says why
                if after_plan is not None:
                    setup = after_plan(setup, plan)
                if not click.confirm("Apply these changes?", default=False, err=True):
                    click.echo("Nothing applied: you declined.", err=True)
                    click.get_current_context().exit(0)
            result = asyncio.run(ws.run(setup, mode, listener=_progress, action=action))
            if ws.enrolment is not None:
                click.echo(ws.enrolment.summary())
    except InvalidInput as exc:
        raise BadInput(f"armstui {command}: {exc}") from None
    except WorkspaceError as exc:
        raise CliError(f"armstui {command}: {exc}", exit_code=exc.exit_code) from None
    if _one_terminal():
        click.echo(CLEAR_LINE, err=True, nl=False, color=True)
    _print_result(result)
    click.get_current_context().exit(result.exit_code)


def interactive_or_yes(
    command: str, yes: bool, non_interactive: bool, plan_command: str = "armstui plan"
) -> bool:
    """Whether to ask before changing anything; exits 2 when it cannot ask and --yes is missing."""
    interactive = not (yes or non_interactive) and sys.stdin.isatty()
    if not yes and not interactive:
        raise BadInput(
            f"armstui {command}: --yes is required when not interactive (no terminal, or "
            f"--non-interactive): run `{plan_command}` first to see what would change"
        )
    return interactive


def _observing(mode: str, help: str) -> click.Command:
    """``plan`` or ``verify``: a flow's options, nothing to confirm."""

    @click.command(name=mode, help=help)
    @flow_options
    @sandbox_options
    def command(sandbox: SandboxOptions, **kw: Any) -> None:
        _run(sandbox, kw, mode)

    return command


plan = _observing(
    "plan", "Show every step of a flow and the calls apply would make; changes nothing."
)
verify = _observing(
    "verify", "Observe only: does every step of a flow still hold? Exit 3 names what drifted."
)


@click.command()
@flow_options
@asking_options("Apply")
@sandbox_options
def apply(sandbox: SandboxOptions, yes: bool, non_interactive: bool, **kw: Any) -> None:
    """Run the steps of a flow against the cloud, then show the checklist."""
    _run(sandbox, kw, "apply", confirm=interactive_or_yes("apply", yes, non_interactive))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "--flow", type=click.Choice(FLOW_NAMES), default=None, help="Only this flow's last run."
)
@sandbox_options
def report(sandbox: SandboxOptions, fmt: str, flow: str | None) -> None:
    """The last setup's checklist as Markdown or JSON."""
    from armstui.flows.workspace import WorkspaceError

    try:
        with open_workspace(sandbox, "report", start_sandbox=False) as ws:
            run = ws.last_run(flow)
    except WorkspaceError as exc:
        raise CliError(f"armstui report: {exc}", exit_code=exc.exit_code) from None
    if run is None:
        raise BadInput(
            "armstui report: no setup has run yet (run `armstui apply` or `armstui verify` first)"
        )
    click.echo(to_json(run) if fmt == "json" else to_markdown(run), nl=False)
