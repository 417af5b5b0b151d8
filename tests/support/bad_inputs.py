"""What the bad-input tests share: text as argv and the environment carry it, an aliyun CLI
config of AccessKey profiles, and the app driven on a sandbox workspace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hypothesis import strategies as st


def os_text(chars: int, undecodable: int) -> st.SearchStrategy[str]:
    """Text as argv or the environment can carry it: any Unicode but NUL (execve cannot pass
    one) up to ``chars`` characters, or up to ``undecodable`` bytes that need not be UTF-8,
    which Python hands over as lone surrogates (surrogateescape)."""
    return st.one_of(
        st.text(st.characters(exclude_characters="\x00"), max_size=chars),
        st.binary(max_size=undecodable).map(
            lambda b: b.decode("utf-8", "surrogateescape").replace("\x00", "")
        ),
    )


def write_aliyun_config(home: Path, names: list[str], secret: str) -> None:
    """``home``'s ``~/.aliyun/config.json``: an AccessKey profile per name (``dev`` current),
    each with the same key ID, ``secret`` and region."""
    aliyun = home / ".aliyun"
    aliyun.mkdir(exist_ok=True)
    profile = {
        "mode": "AK",
        "access_key_id": "LTAIabcdefghijklmnop",
        "access_key_secret": secret,
        "region_id": "cn-hangzhou",
    }
    profiles = [{"name": name, **profile} for name in names]
    (aliyun / "config.json").write_text(json.dumps({"current": "dev", "profiles": profiles}))


@asynccontextmanager
async def app_on(workspace: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    """(the app, its Pilot) on ``workspace`` at 100x40, once the workspace is open and the
    monitoring account chosen; on leaving, the app must not have crashed."""
    from armstui.cli.common import SandboxOptions
    from armstui.tui.app import ArmsTui
    from tests.tui.conftest import wait_for

    app = ArmsTui(
        SandboxOptions(True, tmp_path / "sandbox-state"), workspace_factory=lambda: workspace
    )
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(
            pilot, lambda: app.state.workspace is not None and app.state.monitoring is not None
        )
        yield app, pilot
    assert app.return_code in (None, 0)
