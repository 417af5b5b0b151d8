"""The identity screen says precisely why a switch from an account's root key fails: STS
refuses AssumeRole with root keys, whatever the role's trust policy says."""

from __future__ import annotations

from armstui.cloud import ram
from tests.support.sandbox import RunningSandbox, trusting
from tests.tui.conftest import running, wait_for


async def _role_trusting_source(sandbox: RunningSandbox) -> None:
    trust = trusting(sandbox.uid("source"))
    await ram.create_role(sandbox.session("monitoring"), "arms-admin", trust, "test")


async def test_a_switch_from_a_root_key_is_explained_as_such(
    make_app, sandbox: RunningSandbox
) -> None:
    await _role_trusting_source(sandbox)  # the trust policy admits B: only root is in the way
    app = make_app()
    async with running(app, size=(100, 30)) as pilot:
        await pilot.press("i", "s", "enter")
        result = app.screen.query_one("#switch-result")
        await wait_for(
            pilot, lambda: "could not switch" in str(result.render()), what="the refusal"
        )
        shown = " ".join(str(result.render()).split())
        assert "source could not switch" in shown
        assert (
            f"root account: roles may not be assumed with account {sandbox.uid('source')}" in shown
        )
        assert "RAM user" in shown
        assert "does not admit" not in shown  # not the generic trust-or-permission guess
