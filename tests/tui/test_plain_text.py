"""What the app shows from the cloud is drawn as it is, never read as Rich markup: an ARN
(``acs:ram::…``) holds ``:ram:``, an emoji code to Rich, and ``[…]`` reads as a style."""

from __future__ import annotations

from textual.widgets._toast import Toast

from tests.tui.conftest import fake_app

CLOUD_TEXT = "acs:ram::1234567890123456:role/arms-admin [b]not a style[/b]"


async def test_a_notification_shows_cloud_text_as_it_is() -> None:
    app = fake_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.screen.notify(f"could not switch into {CLOUD_TEXT}", timeout=30)
        await pilot.pause(0.1)
        toast = app.screen.query_one(Toast)
        drawn = " ".join(toast.render_line(y).text.strip() for y in range(toast.size.height))
        assert CLOUD_TEXT in drawn
