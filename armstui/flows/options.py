"""A flow's own command-line options as plain data: which flag sets which field of
:class:`~armstui.flows.setup.Setup`, and how. The CLI turns them into options; a flow
declares them in its :class:`~armstui.flows.registry.FlowSpec`."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from enum import Enum
from typing import TYPE_CHECKING, Any

from armstui.flows.setup import Setup

if TYPE_CHECKING:
    from armstui.flows.registry import Field


class OptionKind(Enum):
    FLAG = "flag"  # given: the field takes the opposite of its default
    TEXT = "text"
    CHOICE = "choice"  # one of ``choices``
    REPEATED = "repeated"  # given once per value; the field holds them all, in order


_DEFAULTS = {f.name: f.default for f in fields(Setup) if f.default is not MISSING}


@dataclass(frozen=True)
class FlowOption:
    """``flag`` sets the Setup field ``field`` (by default the flag's name: ``--role-name``
    sets ``role_name``); its default is that field's default."""

    flag: str
    kind: OptionKind
    help: str
    field: str = ""
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    form: Field | None = None  # the flow screen's field that shows the same choice

    def __post_init__(self) -> None:
        if not self.field:
            object.__setattr__(self, "field", self.dest)
        if self.field not in _DEFAULTS:
            raise ValueError(f"{self.flag}: Setup has no field {self.field!r} with a default")
        if (self.kind is OptionKind.CHOICE) != bool(self.choices):
            raise ValueError(f"{self.flag}: choices go with a choice, and only there")

    @property
    def dest(self) -> str:
        """The parameter's name on the command line's side: ``--no-install-agent`` →
        ``no_install_agent``."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def default(self) -> object:
        return _DEFAULTS[self.field]

    def value(self, given: Any) -> Any:
        """The field's value for what the command line parsed."""
        if self.kind is OptionKind.FLAG:
            return (not self.default) if given else self.default
        if self.kind is OptionKind.REPEATED:
            return tuple(given)
        return given
