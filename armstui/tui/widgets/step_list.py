"""The checklist's list: steps grouped by flow and account, each with its status icon,
title, outcome and elapsed time; the cursor skips the group headers.

A large run changes steps by the hundred while the operator moves around, so the list
costs the UI thread in proportion to what is on screen, not to how many steps there are:
it is a line-API widget (Textual ``ScrollView``: ``render_line`` is called only for the
visible lines, textual/scroll_view.py), each row one line of fixed-width columns, and a
row's line is kept until that step changes or the width does. (An OptionList measures and
renders every option again whenever one changes: ``_clear_caches``, ``_update_lines`` in
textual/widgets/_option_list.py.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from armstui.flows.registry import ALL_FLOWS, RUN_TITLES
from armstui.flows.report import ICONS as REPORT_ICONS
from armstui.tui.state import Checklist, format_elapsed, shown_outcome

if TYPE_CHECKING:
    from armstui.flows.runner import StepState

# Styles per outcome, names of Rich styles (the theme's colours do not reach Rich renderables).
OUTCOME_STYLES = {
    "ok": "green",
    "already": "green",
    "failed": "bold red",
    "blocked": "red",
    "needs-you": "bold yellow",
    "drift": "bold magenta",
    "skipped": "dim",
    "pending": "dim",
    "running": "bold cyan",
    "planned": "cyan",
    "stopped": "bold yellow",
}
# Without colour (NO_COLOR, which Textual honours by drawing in greys) a red word on a dark
# background turns nearly black: there the outcomes that need the eye are reversed or
# underlined instead, and the icons differ in shape either way.
MONO_OUTCOME_STYLES = {
    "ok": "",
    "already": "",
    "failed": "bold reverse",
    "blocked": "reverse",
    "needs-you": "bold reverse",
    "drift": "bold underline",
    "skipped": "",
    "pending": "",
    "running": "bold",
    "planned": "italic",
    "stopped": "bold underline",
}


def outcome_style(outcome: str, mono: bool = False) -> str:
    """``mono``: the app draws without colour (``App.no_color``)."""
    styles = MONO_OUTCOME_STYLES if mono else OUTCOME_STYLES
    return styles.get(outcome, "")


FLOW_TITLES = {**{spec.name: spec.title for spec in ALL_FLOWS}, **RUN_TITLES}
# The report's icons, except one: its needs-you hand is a wide emoji that many terminal
# fonts lack; the list keeps one narrow cell per icon.
ICONS = {**REPORT_ICONS, "needs-you": "!", "stopped": "■"}
OUTCOME_WIDTH, ELAPSED_WIDTH = 10, 7


def step_line(state: StepState, now: float, width: int, mono: bool = False) -> Text:
    """``icon title…  outcome elapsed`` in exactly ``width`` cells."""
    outcome = shown_outcome(state)
    style = outcome_style(outcome, mono)
    title = Text(state.title)
    title.truncate(max(1, width - 2 - OUTCOME_WIDTH - ELAPSED_WIDTH), overflow="ellipsis", pad=True)
    line = Text.assemble(
        (f"{ICONS.get(outcome, '?')} ", style),
        title,
        (outcome.rjust(OUTCOME_WIDTH), style),
        (format_elapsed(state, now).rjust(ELAPSED_WIDTH), "dim"),
    )
    line.truncate(width, pad=True)
    return line


STALE_MARK = "  STALE: the cloud changed since; verifying again"


def group_line(flow: str, account: str, stale: bool = False) -> Text:
    return Text.assemble(
        (f"{FLOW_TITLES.get(flow, flow)} in ", "bold"),
        (account, "bold italic"),
        (STALE_MARK if stale else "", "bold reverse yellow"),
    )


class StepList(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
    ]
    COMPONENT_CLASSES = {"step-list--group", "step-list--cursor"}
    DEFAULT_CSS = """
    StepList {
        background: $surface;
        color: $foreground;
        padding: 0 1;
        overflow-x: hidden;
        & > .step-list--group { color: $text-disabled; }
        & > .step-list--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .step-list--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    highlighted: reactive[int | None] = reactive(
        None, repaint=False
    )  # watch_highlighted redraws its two rows
    """The index of the highlighted row (a step, never a group header), or None."""

    class Highlighted(Message):
        """The cursor moved to another step."""

        def __init__(self, step_list: StepList, step_id: str | None) -> None:
            super().__init__()
            self.step_list = step_list
            self.step_id = step_id

        @property
        def control(self) -> StepList:
            return self.step_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[
            tuple[str, Any]
        ] = []  # (row ID, the StepState, or (flow, account) for a header)
        self._index: dict[str, int] = {}
        self._lines: dict[
            str, tuple[Any, Any, Strip]
        ] = {}  # row ID -> (the row and look it was drawn for, line)
        self._now = 0.0
        # The step the cursor was on when a new run emptied its group: the cursor returns to
        # it when the step is back (verify keeps the cursor where it was).
        self._wanted: str | None = None
        self.moved_by_operator = False  # the cursor follows a run until the operator moves it

    # --- content ------------------------------------------------------------------------

    def show(self, checklist: Checklist, now: float) -> None:
        """Show the checklist's steps, keeping the highlighted step (or the first step)."""
        highlighted = self._wanted or self.highlighted_id
        rows: list[tuple[str, Any]] = []
        for flow, account, states in checklist.groups():
            rows.append((f"group:{flow}:{account}", (flow, account, flow in checklist.stale)))
            rows += [(s.step_id, s) for s in states]
        before, self._rows, self._now = self._rows, rows, now
        same_rows = [row_id for row_id, _ in before] == [row_id for row_id, _ in rows]
        if (
            same_rows and self._wanted is None
        ):  # only steps changed (most batches late in a run): redraw just those rows
            for index, ((_, old), (_, new)) in enumerate(zip(before, rows)):
                # A step is a new snapshot once it changed; a header, a new equal tuple.
                if old is not new and old != new:
                    self.refresh_line(index)
            return
        self._index = {row_id: n for n, (row_id, _) in enumerate(rows)}
        self._lines = {
            row_id: line for row_id, line in self._lines.items() if row_id in self._index
        }
        self._grow_to(Size(self.scrollable_content_region.width, len(rows)))
        target = self._index.get(highlighted) if highlighted else None
        self._wanted = highlighted if target is None else None
        self.set_reactive(StepList.highlighted, None)  # rows moved: compare by step, not index
        self.highlighted = target if target is not None else self._next_step(0, 1)
        self.refresh()

    def _grow_to(self, size: Size) -> None:
        """Take a new virtual size: a list that only grew and already scrolls just moves its
        scrollbar's thumb. (Setting ``virtual_size`` lays the whole screen out again, the
        cost of a few key presses; steps arrive by the hundred during a large run.)"""
        old, room = self.virtual_size, self.scrollable_content_region.height
        if (
            size.width == old.width
            and room < old.height <= size.height
            and self.show_vertical_scrollbar
        ):
            self.set_reactive(StepList.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
        else:
            self.virtual_size = size

    def update_step(self, state: StepState, now: float) -> bool:
        """Redraw one step in place; False if the list does not hold it yet."""
        index = self._index.get(state.step_id)
        if index is None:
            return False
        self._now = now
        self._rows[index] = (state.step_id, state)
        self.refresh_line(index)
        return True

    @property
    def option_count(self) -> int:
        return len(self._rows)

    def get_option_index(self, step_id: str) -> int:
        return self._index[step_id]

    @property
    def highlighted_id(self) -> str | None:
        index = self.highlighted
        return self._rows[index][0] if index is not None and index < len(self._rows) else None

    # --- cursor -------------------------------------------------------------------------

    def _is_step(self, index: int) -> bool:
        return 0 <= index < len(self._rows) and not isinstance(self._rows[index][1], tuple)

    def _next_step(self, start: int, direction: int) -> int | None:
        index = start
        while 0 <= index < len(self._rows):
            if self._is_step(index):
                return index
            index += direction
        return None

    def validate_highlighted(self, index: int | None) -> int | None:
        if index is None or not self._rows:
            return None
        index = min(max(index, 0), len(self._rows) - 1)
        return (
            index
            if self._is_step(index)
            else (self._next_step(index, 1) or self._next_step(index, -1))
        )

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self.refresh_line(index)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if new is not None and not top <= new < top + height:  # scrolling repaints every row
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True, immediate=True)
        self.post_message(self.Highlighted(self, self.highlighted_id))

    def move_to_step(self, step_id: str) -> None:
        """Put the cursor on a step (a run the list follows)."""
        index = self._index.get(step_id)
        if index is not None:
            self._wanted = None
            self.highlighted = index

    def action_move(self, step: int) -> None:
        self.moved_by_operator, self._wanted = True, None
        start = (self.highlighted if self.highlighted is not None else -1) + step
        found = self._next_step(start, step)
        if found is not None:
            self.highlighted = found

    def action_page(self, direction: int) -> None:
        self.moved_by_operator, self._wanted = True, None
        start = (self.highlighted or 0) + direction * max(
            1, self.scrollable_content_region.height - 1
        )
        start = min(max(start, 0), len(self._rows) - 1)
        found = self._next_step(start, direction) or self._next_step(start, -direction)
        if found is not None:
            self.highlighted = found

    def action_move_to(self, index: int) -> None:
        self.moved_by_operator, self._wanted = True, None
        found = self._next_step(0, 1) if index == 0 else self._next_step(len(self._rows) - 1, -1)
        if found is not None:
            self.highlighted = found

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if self._is_step(index):
            self.moved_by_operator, self._wanted = True, None
            self.highlighted = index

    # --- drawing ------------------------------------------------------------------------

    def refresh_line(self, index: int) -> None:
        self.refresh(Region(0, index - self.scroll_offset.y, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row_id, row = self._rows[index]
        is_group = isinstance(row, tuple)
        cursor = index == self.highlighted
        look = (
            width,
            cursor,
            self.has_focus,
            self.app.theme,
            None if is_group or row.finished_at else round(self._now, 1),
        )
        drawn = self._lines.get(row_id)
        if drawn is not None and drawn[0] is row and drawn[1] == look:
            return drawn[2]
        style = self.rich_style
        if is_group:
            style += self.get_component_rich_style("step-list--group")
            text = group_line(*row)
        else:
            if cursor:
                style += self.get_component_rich_style("step-list--cursor")
            text = step_line(row, self._now, width, self.app.no_color)
        segments = Segment.apply_style(text.render(self.app.console), style)
        strip = Strip(segments).adjust_cell_length(width, style)
        self._lines[row_id] = (row, look, strip)
        return strip

    def _on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
