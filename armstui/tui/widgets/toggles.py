"""Checkbox, radio button and selection list whose mark differs in shape, not only colour.

Textual draws the same ``X`` inside every toggle and tells on from off by colour alone,
which vanishes with ``NO_COLOR`` or on a monochrome terminal (and over SSH COLORTERM is
often not forwarded). Here an unticked box is blank inside.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList

TICKED, UNTICKED, CHOSEN = "X", " ", "●"


class MarkedCheckbox(Checkbox):
    # A class constant upstream, read through self when the button is drawn (ToggleButton.
    # _button): a property answers per value. Never assigned, so read-only is enough.
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802  # see above
        return TICKED if self.value else UNTICKED


class MarkedRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802  # as MarkedCheckbox
        return CHOSEN if self.value else UNTICKED


class MarkedSelectionList(SelectionList[str]):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return strip
        option = self.get_option_at_index(index)
        segments: list[Any] = list(strip)
        if len(segments) > 1 and segments[1].text == "X" and option.value not in self._selected:
            segments[1] = Segment(UNTICKED, segments[1].style)
            return Strip(segments, strip.cell_length)
        return strip
