"""Layout at the sizes an operator meets over SSH (80x24 and 120x40): every key a screen
offers is on screen in the footer, and the identity banner is one line that keeps the
SANDBOX badge and every alias (FakeWorkspace, no cloud)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from armstui.tui.widgets.identity_banner import IdentityBanner
from tests.tui.test_snapshots import finished_runs, make, steps

SCREENS = [
    pytest.param((), id="welcome"),
    pytest.param(("a",), id="accounts"),
    pytest.param(("k",), id="ack"),
    pytest.param(("e",), id="ecs"),
    pytest.param(("r",), id="role"),
    pytest.param(("c",), id="checklist"),
    pytest.param(("i",), id="identity"),
]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keys", SCREENS)
async def test_every_key_shows_and_the_banner_is_one_line(
    keys: tuple[str, ...], size: tuple[int, int]
) -> None:
    app = make(runs=finished_runs(), production=("source",))
    async with app.run_test(size=size) as pilot:
        await steps(*keys)(pilot)
        await pilot.pause(0.2)
        screen = app.screen
        offered = {
            binding.key
            for _k, (_node, binding, enabled, _t) in screen.active_bindings.items()
            if binding.show and enabled
        }
        shown: dict[str, Any] = {k.key: k for k in screen.query(FooterKey)}
        assert offered <= set(shown), f"missing from the footer: {offered - set(shown)}"
        for key in shown.values():
            region = key.region
            assert region.width >= len(key.description) + 1, f"{key.key} cut: {region}"
            assert region.right <= size[0] and region.y < size[1], f"{key.key} off screen"
        assert len({k.region for k in shown.values()}) == len(shown), "keys overlap"

        banner = screen.query_one(IdentityBanner)
        assert banner.size.height == 1
        text = banner.render().plain  # type: ignore[union-attr]
        assert len(text) <= banner.size.width, "the banner does not wrap or clip"
        assert text.startswith(" SANDBOX ")
        assert "A monitoring" in text and "B source" in text and "PROD" in text
