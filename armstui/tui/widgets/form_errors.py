"""Form errors shown all at once, each just under the field it belongs to.

A field ``#name`` has its error in ``#name-error`` (class ``field-error``), which takes no
room while the field is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.text import Text
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from armstui.model import InvalidInput
from armstui.secrets.redaction import redact


def field_error(field_id: str, classes: str = "") -> Static:
    return Static("", id=f"{field_id}-error", classes=f"field-error {classes}".strip())


def text_field(
    label: str, field_id: str, value: str = "", classes: str = "", **options: Any
) -> Iterator[Widget]:
    """A labelled one-line field, then the line its error shows on; ``classes`` go on all
    three (a form shows or hides them together), ``options`` to the Input (placeholder,
    restrict, max_length)."""
    yield Label(label, classes=f"field-label {classes}".strip())
    yield Input(value, id=field_id, classes=classes, compact=True, **options)
    yield field_error(field_id, classes)


def collect(checks: Iterable[tuple[str, str, Callable[[], object]]]) -> dict[str, str]:
    """Run every ``(field id, field name, check)``; each InvalidInput becomes
    ``{field id: "name: rule (got …)"}``. All checks run: none stops the others."""
    errors: dict[str, str] = {}
    for field_id, name, check in checks:
        try:
            check()
        except InvalidInput as exc:
            got = f" (got {exc.got})" if exc.got else ""
            errors[field_id] = f"{name}: {exc.rule}{got}"
    return errors


def show_errors(root: DOMNode, errors: dict[str, str]) -> None:
    for widget in root.query(".field-error").results(Static):
        text = errors.get((widget.id or "").removesuffix("-error"), "")
        widget.update(Text(redact(text)))  # plain text: a message may hold "[...]"
        widget.display = bool(text)
