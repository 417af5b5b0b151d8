"""What the subcommands share: exit codes, the --sandbox options, the options of the
read-only surveys, the vault passphrase prompt and the mapping of workspace errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_YOU = 3


@dataclass(frozen=True)
class SandboxOptions:
    """Whether to act on the local emulator instead of Alibaba Cloud, and its state dir."""

    enabled: bool = False
    state_dir: Path | None = None


def sandbox_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --sandbox/--sandbox-state to a command; the command receives `sandbox`.

    Given on the group (`armstui --sandbox apply ...`) or on the subcommand
    (`armstui apply --sandbox ...`): either turns it on.
    """

    @click.option("--sandbox", "sandbox_flag", is_flag=True, help="Act on the local emulator.")
    @click.option(
        "--sandbox-state",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The emulator's state directory (default: under the data dir).",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, sandbox_flag: bool, sandbox_state: Path | None, **kwargs: Any) -> Any:
        parent = click.get_current_context().find_object(SandboxOptions)
        enabled = sandbox_flag or sandbox_state is not None or bool(parent and parent.enabled)
        state = sandbox_state or (parent.state_dir if parent else None)
        return fn(*args, sandbox=SandboxOptions(enabled, state), **kwargs)

    return wrapper


def passphrase() -> str | None:
    """The encrypted file vault's passphrase: from its file, else asked at a terminal."""
    from armstui.vault import read_passphrase_file

    given = read_passphrase_file()
    if given is None and sys.stdin.isatty():
        given = click.prompt("Vault passphrase", hide_input=True, err=True)
    return given


def reporter_user_option(help: str = "The RAM user in A whose key reports.") -> Decorator:
    from armstui.flows.setup import Setup

    return click.option(
        "--reporter-user", default=Setup.reporter_user, show_default=True, help=help
    )


PROOF_WINDOW_HELP = "Proofs: an app reports when A has data from it this recent."


def window_option(dest: str, help: str) -> Decorator:
    from armstui.flows.setup import Setup

    return click.option(
        "--window",
        dest,
        type=click.IntRange(1, 1440),
        default=Setup.data_window_minutes,
        show_default=True,
        metavar="MINUTES",
        help=help,
    )


def survey_options(fn: Any) -> Any:
    """--monitoring, --source and --format of the read-only surveys (doctor, status)."""
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


def asking_options(doing: str) -> Decorator:
    """``--yes`` (``doing`` without asking) and ``--non-interactive`` of a changing command."""

    def add(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option(
            "--non-interactive", is_flag=True, help="Never prompt; fail naming the missing flag."
        )(fn)
        return click.option("--yes", is_flag=True, help=f"{doing} without asking (for scripts).")(
            fn
        )

    return add


@contextmanager
def workspace_errors(command: str) -> Iterator[None]:
    """Bad input exits 2, an unreadable credential or vault 1, a workspace error its own
    code; each message starts with ``armstui <command>:``."""
    from armstui.cli.errors import BadInput, CliError, Failed
    from armstui.credentials import CredentialError
    from armstui.flows.workspace import WorkspaceError
    from armstui.model import InvalidInput
    from armstui.vault import VaultUnavailable

    try:
        yield
    except InvalidInput as exc:
        raise BadInput(f"armstui {command}: {exc}") from None
    except (CredentialError, VaultUnavailable) as exc:
        raise Failed(f"armstui {command}: {exc}") from None
    except WorkspaceError as exc:
        raise CliError(f"armstui {command}: {exc}", exit_code=exc.exit_code) from None
