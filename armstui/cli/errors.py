"""Errors a subcommand ends with: each carries its exit code and prints one clear message.

Click prints a ``ClickException``'s message on stderr and exits with its ``exit_code``; the
subclasses below name the command-line contract's codes, so a command raises what happened
instead of printing and calling ``SystemExit`` by hand.
"""

from __future__ import annotations

from typing import IO, Any

import click

from armstui.cli.common import EXIT_FAILED, EXIT_NEEDS_YOU, EXIT_USAGE


class CliError(click.ClickException):
    """A command ends with a message and an exit code."""

    code = EXIT_FAILED

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        # Click declares exit_code a class variable; each error carries its own.
        vars(self)["exit_code"] = self.code if exit_code is None else exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        # Click prefixes "Error: "; our messages already say what went wrong and where.
        click.echo(self.format_message(), file=file, err=file is None)


class Failed(CliError):
    """A cloud call or a step failed (exit 1): the message names its code and request ID."""

    code = EXIT_FAILED


class BadInput(CliError):
    """Bad usage or input (exit 2): the message names the flag or field and the rule."""

    code = EXIT_USAGE


class NeedsYou(CliError):
    """Something needs the operator (exit 3): the message says exactly what to do."""

    code = EXIT_NEEDS_YOU
