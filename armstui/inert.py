"""Text from elsewhere (the cloud, files) made inert before it reaches a terminal.

A name or tag set by whoever controls a source account could carry terminal escape
sequences (an OSC 52 sequence writes the operator's clipboard), control characters that
move the cursor or forge lines, or bidirectional overrides that make text read differently
than it is. :func:`inert` removes them; line breaks become spaces unless kept on purpose.
"""

from __future__ import annotations

import re
from typing import Any

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement, erasing
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, clipboard (52), hyperlinks
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b.?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit CSI and OSC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]")


def inert(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without escape sequences and control characters; with ``keep_lines`` line
    breaks and tabs stay, else they become spaces."""
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    if keep_lines:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return _BREAKS.sub(" ", text)


def make_inert(value: Any, _depth: int = 0) -> Any:
    """Every string inside ``value`` (an SDK model, dict or list, changed in place) made
    inert; returns ``value`` (or the inert string)."""
    if isinstance(value, str):
        return inert(value)
    if _depth > 32:  # answers are shallow; a deeper one is left as it is
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = make_inert(item, _depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = make_inert(item, _depth + 1)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        for key, item in vars(value).items():
            if isinstance(item, str | dict | list) or hasattr(item, "__dict__"):
                setattr(value, key, make_inert(item, _depth + 1))
    return value
