"""The checklist's step list (a line-API widget): the cursor walks steps and skips group
headers, keeps its step when steps arrive above it, and a changed step is drawn anew;
and the batches that carry step changes from the run's thread to the UI."""

from __future__ import annotations

import dataclasses

import pytest
from textual.app import App, ComposeResult

from armstui.flows.step import Outcome
from armstui.tui.messages import Batch
from armstui.tui.state import Checklist
from armstui.tui.widgets.step_list import StepList
from tests.tui.fakes import NOW, ack_states, step


class Steps(App[None]):
    def __init__(self, checklist: Checklist) -> None:
        super().__init__()
        self.checklist = checklist
        self.seen: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield StepList(id="steps")

    def on_mount(self) -> None:
        self.query_one(StepList).show(self.checklist, NOW)
        self.query_one(StepList).focus()

    def on_step_list_highlighted(self, event: StepList.Highlighted) -> None:
        self.seen.append(event.step_id)


def _checklist(states) -> Checklist:
    checklist = Checklist()
    checklist.replace_flow("ack", states, "apply")
    return checklist


def _line(steps: StepList, step_id: str) -> str:
    return steps.render_line(steps.get_option_index(step_id) - steps.scroll_offset.y).text


async def test_the_cursor_walks_the_steps_and_skips_group_headers() -> None:
    states = ack_states()  # monitoring: 3 steps, then source: 3 steps
    app = Steps(_checklist(states))
    async with app.run_test(size=(80, 12)) as pilot:
        steps = app.query_one(StepList)
        assert steps.option_count == 8  # two group headers
        assert steps.highlighted_id == states[0].step_id  # not the header above it
        await pilot.press("down", "down", "down")
        assert steps.highlighted_id == states[3].step_id  # over the "source" header
        await pilot.press("up")
        assert steps.highlighted_id == states[2].step_id
        await pilot.press("end")
        assert steps.highlighted_id == states[-1].step_id
        await pilot.press("down")
        assert steps.highlighted_id == states[-1].step_id
        await pilot.press("home")
        assert steps.highlighted_id == states[0].step_id
        await pilot.pause()
        assert app.seen[-1] == states[0].step_id and states[3].step_id in app.seen


async def test_the_highlighted_step_stays_as_steps_arrive_and_changed_steps_are_redrawn() -> None:
    states = ack_states()
    later = states[3:]
    app = Steps(_checklist(later))
    async with app.run_test(size=(80, 12)) as pilot:
        steps = app.query_one(StepList)
        await pilot.press("down")
        assert steps.highlighted_id == later[1].step_id
        steps.show(_checklist(states), NOW)  # three steps of another group arrive above it
        await pilot.pause()
        assert steps.highlighted_id == later[1].step_id and steps.highlighted == 6

        running = states[3]
        assert "running" in _line(steps, running.step_id)
        done = dataclasses.replace(running, outcome=Outcome.OK, finished_at=NOW)
        assert steps.update_step(done, NOW)
        await pilot.pause()
        line = _line(steps, running.step_id)
        assert "ok" in line and "running" not in line and running.title in line
        assert not steps.update_step(
            step("ack/source/c9/x", "not shown", "source", "ack", "ok"), NOW
        )

        blocked = states[4]  # the same steps again, one of them changed: only its row is drawn anew
        changed = _checklist(
            [*states[:4], dataclasses.replace(blocked, outcome=Outcome.OK), *states[5:]]
        )
        steps.show(changed, NOW)
        await pilot.pause()
        assert "ok" in _line(steps, blocked.step_id) and "blocked" not in _line(
            steps, blocked.step_id
        )
        assert steps.highlighted_id == later[1].step_id


async def test_a_list_that_grows_past_the_screen_scrolls_to_every_step() -> None:
    many = [step(f"ack/source/s{n:02d}", f"step {n}", "source", "ack", "ok") for n in range(30)]
    app = Steps(_checklist(many[:10]))  # taller than the 6 rows: it scrolls from the start
    async with app.run_test(size=(60, 6)) as pilot:
        steps = app.query_one(StepList)
        for count in (20, 30):  # steps arrive while the list already scrolls
            steps.show(_checklist(many[:count]), NOW)
            await pilot.pause()
            assert steps.virtual_size.height == count + 1  # and the group header
            assert steps.vertical_scrollbar.window_virtual_size == count + 1
            assert steps.max_scroll_y == count + 1 - steps.scrollable_content_region.height
        await pilot.press("end")
        await pilot.pause()
        assert steps.highlighted_id == many[-1].step_id
        assert "step 29" in _line(steps, many[-1].step_id)
        assert steps.scroll_offset.y == steps.max_scroll_y
        steps.show(_checklist(many[:3]), NOW)  # a new run: fewer steps, no scrolling
        await pilot.pause()
        assert steps.virtual_size.height == 4 and steps.max_scroll_y == 0


async def test_a_long_title_is_cut_and_the_outcome_stays_in_its_column() -> None:
    long = step("ack/monitoring/long", "a title " * 20, "monitoring", "ack", "failed")
    app = Steps(_checklist([long]))
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        steps = app.query_one(StepList)
        line = _line(steps, long.step_id)
        assert len(line) == steps.scrollable_content_region.width
        assert line.rstrip().endswith("failed   1.2s") and "…" in line


def test_a_batch_asks_for_one_message_until_the_ui_takes_what_it_holds() -> None:
    batch = Batch()
    assert batch.add(1) is True  # post a message
    assert batch.add(2) is False and batch.add(3) is False  # they ride along
    assert batch.take() == [1, 2, 3]
    assert batch.take() == []
    assert batch.add(4) is True
    assert batch.take() == [4]


def test_without_colour_outcomes_differ_in_shape_and_weight() -> None:
    from armstui.tui.widgets.step_list import ICONS, outcome_style

    icons = {ICONS[o] for o in ("ok", "failed", "blocked", "needs-you", "drift", "stopped")}
    assert len(icons) == 6, "each outcome that matters has its own icon"
    assert "reverse" in outcome_style("failed", mono=True)
    assert "reverse" not in outcome_style("ok", mono=True)
    assert all(
        not any(c in outcome_style(o, mono=True) for c in ("red", "green", "yellow", "cyan"))
        for o in ICONS
    ), "no colour names without colour"
    assert "red" in outcome_style("failed")


async def test_the_app_draws_outcomes_without_colour_under_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.tui.conftest import fake_app
    from tests.tui.fakes import ack_states, journal_run

    monkeypatch.setenv("NO_COLOR", "1")
    app = fake_app(runs={"ack": journal_run("ack", ack_states())})
    assert app.no_color
    async with app.run_test(size=(120, 40)) as pilot:
        while app.state.workspace is None:
            await pilot.pause(0.02)
        await pilot.press("c")
        await pilot.pause()
        steps = app.screen.query_one("#steps")
        row = steps.get_option_index("ack/monitoring/user/armstui-reporter/key")
        line = steps.render_line(row - steps.scroll_offset.y)
        failed = [seg for seg in line if "failed" in seg.text]
        assert failed and failed[0].style.reverse
