"""Counts the inputs the bad-input properties tried, by kind, summed over pytest-xdist
workers, and prints the total at the end of the run (issue #9 asks for the figure).

Loaded by the root conftest (``pytest_plugins``) so that the controller has these hooks
whichever paths pytest was given.
"""

from __future__ import annotations

from collections import Counter

import pytest

INPUTS_TRIED: Counter[str] = Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["armstui_inputs_tried"] = dict(INPUTS_TRIED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    INPUTS_TRIED.update(getattr(node, "workeroutput", {}).get("armstui_inputs_tried", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if INPUTS_TRIED:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(INPUTS_TRIED.items()))
        terminalreporter.write_line(
            f"armstui bad input: {sum(INPUTS_TRIED.values())} inputs tried ({kinds})"
        )
