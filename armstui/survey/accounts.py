"""Which accounts a survey looks at, and their sessions, from a workspace.

Chosen: the aliases given (``--monitoring``, ``--source``), else the roles saved with the
last setup, else an account called ``monitoring`` as A and every other account as a source.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from armstui.model import InvalidInput

DEFAULT_MONITORING = "monitoring"


@dataclass(frozen=True)
class Chosen:
    monitoring: str | None
    sources: tuple[str, ...]


def choose(workspace: Any, monitoring: str | None, sources: Sequence[str]) -> Chosen:
    """The aliases to look at; InvalidInput naming the flag for an unknown one."""
    known = sorted(workspace.accounts)
    saved_monitoring, saved_sources = workspace.saved_roles
    if monitoring is None:
        monitoring = saved_monitoring or (
            DEFAULT_MONITORING if DEFAULT_MONITORING in workspace.accounts else None
        )
        if monitoring not in workspace.accounts:
            monitoring = None
    elif monitoring not in workspace.accounts:
        raise InvalidInput("--monitoring", _known(known), monitoring)
    for alias in sources:
        if alias not in workspace.accounts:
            raise InvalidInput("--source", _known(known), alias)
        if alias == monitoring:
            raise InvalidInput("--source", "must differ from --monitoring", alias)
    if not sources:
        saved = [s for s in saved_sources if s in workspace.accounts and s != monitoring]
        sources = saved or [a for a in known if a != monitoring]
    return Chosen(monitoring, tuple(dict.fromkeys(sources)))


def _known(known: list[str]) -> str:
    return f"must name a configured account (known: {', '.join(known) or 'none yet'})"


def vault_has(workspace: Any, monitoring_uid: str, user: str) -> Callable[[str], bool]:
    """Whether the vault holds the secret of ``user``'s key (blocking: call it in a thread)."""
    from armstui.flows.ack import reporter_vault_name

    def has(key_id: str) -> bool:
        if workspace.vault is None:
            return False
        return workspace.vault.read(reporter_vault_name(monitoring_uid, user, key_id)) is not None

    return has


async def sessions(workspace: Any, aliases: Sequence[str]) -> dict[str, Any]:
    """Each alias's session, opened concurrently."""
    opened = await asyncio.gather(*(workspace.session(a) for a in aliases))
    return dict(zip(aliases, opened, strict=True))
