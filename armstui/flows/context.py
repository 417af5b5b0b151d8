"""What a step gets to work with: one cloud session per account, the vault, shared facts."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FlowContext:
    sessions: Mapping[str, Any]  # alias -> armstui.cloud.session.CloudSession
    vault: Any  # armstui.vault: store/read/delete
    facts: dict[str, Any] = field(default_factory=dict)  # step id -> facts it observed
    time_scale: float = 1.0  # divides waits (tests and the sandbox run faster)
    allow_replace_orphan_key: bool = False  # the operator said yes to replacing a key we lack

    def session(self, alias: str) -> Any:
        try:
            return self.sessions[alias]
        except KeyError:
            raise LookupError(f"account {alias!r}: no session (is it configured?)") from None

    def fact(self, step_id: str, name: str, default: Any = None) -> Any:
        return self.facts.get(step_id, {}).get(name, default)

    async def read_secret(self, name: str) -> str | None:
        """Keyring calls block (and may time out): keep them off the event loop."""
        return await asyncio.to_thread(self.vault.read, name)

    async def store_secret(self, name: str, secret: str) -> None:
        await asyncio.to_thread(self.vault.store, name, secret)

    async def sleep(self, nominal_seconds: float) -> None:
        await asyncio.sleep(nominal_seconds / self.time_scale)
