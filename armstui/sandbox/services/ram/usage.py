"""When each AccessKey was last used: to sign a request, or by onepilot to report.

``ram.keyuse`` ``<AccessKeyId>``: ``{at}``, the simulated instant of the last request it
signed. Reporting is read from the ARMS history (``key_last_reported``), so the answer is
the later of the two.
"""

from __future__ import annotations

from armstui.sandbox.clock import Clock
from armstui.sandbox.store import Store


def record_signing(store: Store, clock: Clock, access_key_id: str) -> None:
    """Remember that ``access_key_id`` signed a request now (STS keys are not RAM's)."""
    if not access_key_id or access_key_id.startswith("STS."):
        return
    now = clock.sim_now()
    seen = store.peek("ram.keyuse", access_key_id)
    if seen is None or int(seen["at"]) != int(now):  # one write per key per second at most
        store.put("ram.keyuse", access_key_id, {"at": now})


def last_used(store: Store, clock: Clock, access_key_id: str) -> float | None:
    """The simulated instant the key last signed a request or reported, or None."""
    from armstui.sandbox.services.arms.model import key_last_reported, sync_if_due

    sync_if_due(store, clock)
    signed = store.peek("ram.keyuse", access_key_id)
    times = [
        t for t in (signed and signed["at"], key_last_reported(store, clock, access_key_id)) if t
    ]
    return max(times) if times else None
