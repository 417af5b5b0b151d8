"""`armstui rotate` and `armstui teardown`: after a setup, with apply's exit codes.

Both show the plan and ask first when a person is at the terminal; scripts pass ``--yes``.
``--plan`` only shows what would change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from armstui.cli.common import (
    PROOF_WINDOW_HELP,
    SandboxOptions,
    asking_options,
    reporter_user_option,
    sandbox_options,
    window_option,
)
from armstui.cli.flows import _setup, flow_options, interactive_or_yes, run_action
from armstui.flows.registry import ALL_FLOWS, Targets, flow_spec
from armstui.flows.setup import Setup
from armstui.model import InvalidInput


@click.command()
@click.option(
    "--flow",
    type=click.Choice([spec.name for spec in ALL_FLOWS if spec.rotates_key]),
    required=True,
    help="Only the ACK flow has a key to rotate.",
)
@click.option("--monitoring", required=True, metavar="ALIAS", help="The monitoring account (A).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    required=True,
    metavar="ALIAS",
    help="A source account (B) whose clusters report with the key; repeat for several.",
)
@reporter_user_option()
@click.option(
    "--replace-stale-key",
    is_flag=True,
    help="Delete a second key whose secret armstui does not hold, to make room.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Delete the old key even where a cluster shows no data with the new one: a cluster "
    "that still reports with the old key is cut off.",
)
@window_option("data_window_minutes", PROOF_WINDOW_HELP)
@click.option(
    "--plan", "plan_only", is_flag=True, help="Only show the steps and the calls they would make."
)
@asking_options("Rotate")
@sandbox_options
def rotate(
    sandbox: SandboxOptions,
    flow: str,
    monitoring: str,
    sources: tuple[str, ...],
    reporter_user: str,
    replace_stale_key: bool,
    force: bool,
    data_window_minutes: int,
    plan_only: bool,
    yes: bool,
    non_interactive: bool,
) -> None:
    """Rotate the reporting AccessKey in every cluster without cutting one off.

    A second key is created and stored in the vault, written into every cluster's onepilot
    config; each cluster must show data sent after its change, RAM the new key in use and
    the old one unused since. Then the old key is disabled (and enabled again at once if a
    cluster stops sending data), and deleted with its vault entry. A silent cluster stops
    the rotation before the delete (exit 3, naming it) unless --force. The report says
    when the two-key window opened and closed. Run it again to continue a rotation that
    stopped."""
    setup = Setup(
        flow,
        monitoring,
        tuple(dict.fromkeys(sources)),
        reporter_user=reporter_user,
        replace_stale_key=replace_stale_key,
        force=force,
        data_window_minutes=data_window_minutes,
    )
    if force:
        click.echo(
            "--force: the old key is deleted even where a cluster shows no data with the new "
            "one; a cluster still reporting with the old key is cut off.",
            err=True,
        )
    _run(
        sandbox,
        lambda: setup,
        "rotate",
        plan_only,
        yes,
        non_interactive,
        after_plan=_ask_about_a_stale_key,
    )


def _ask_about_a_stale_key(setup: Setup, plan: Any) -> Setup:
    """At a terminal, a stale second key is asked about instead of stopping the rotation."""
    from dataclasses import replace

    stale = next(
        (s for s in plan.states if s.needs_you and "--replace-stale-key" in s.needs_you), None
    )
    if stale is None or setup.replace_stale_key:
        return setup
    if click.confirm(
        f"{stale.detail}. Delete it to make room for the new key?", default=False, err=True
    ):
        return replace(setup, replace_stale_key=True)
    return setup


@click.command()
@flow_options
@click.option(
    "--include-adopted",
    is_flag=True,
    help="Also remove what the setup uses but armstui did not create, and orphan keys "
    "on a user armstui did not create.",
)
@click.option(
    "--uninstall-addon",
    is_flag=True,
    help="ACK: also uninstall ack-onepilot where armstui installed it.",
)
@click.option(
    "--plan",
    "plan_only",
    is_flag=True,
    help="Only show what would be removed, and who created it when.",
)
@asking_options("Tear down")
@sandbox_options
def teardown(
    sandbox: SandboxOptions,
    include_adopted: bool,
    uninstall_addon: bool,
    plan_only: bool,
    yes: bool,
    non_interactive: bool,
    **kw: Any,
) -> None:
    """Undo what armstui created for a setup, newest first; resumable.

    Removes onepilot's reporting config (the addon only with --uninstall-addon), ECS agents,
    AccessKeys (in RAM first, then the vault), login profiles, policy attachments, users,
    roles and custom policies that the journal says armstui created. Anything it only
    adopted is kept unless --include-adopted. An orphan key (armstui never stored its
    secret: an interrupted run, or made outside armstui) is named as such: deleted with a
    user armstui created, else kept unless --include-adopted."""
    from dataclasses import replace

    def make_setup() -> Setup:
        setup = _setup(kw)
        if uninstall_addon and flow_spec(setup.flow).targets is not Targets.CLUSTERS:
            raise InvalidInput(
                "--uninstall-addon", f"not read by --flow {setup.flow} (only by --flow ack)"
            )
        return replace(setup, include_adopted=include_adopted, uninstall_addon=uninstall_addon)

    _run(sandbox, make_setup, "teardown", plan_only, yes, non_interactive)


def _run(
    sandbox: SandboxOptions,
    make_setup: Callable[[], Setup],
    command: str,
    plan_only: bool,
    yes: bool,
    non_interactive: bool,
    after_plan: Any = None,
) -> None:
    if plan_only:
        run_action(sandbox, make_setup, "plan", action=command, command=command)
    confirm = interactive_or_yes(
        command, yes, non_interactive, plan_command=f"armstui {command} --plan"
    )
    run_action(
        sandbox,
        make_setup,
        "apply",
        confirm=confirm,
        action=command,
        command=command,
        after_plan=after_plan,
    )
