"""Everything one running sandbox knows: its store, clock, fault injector and region."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from armstui.sandbox.clock import Clock
from armstui.sandbox.faults import Faults
from armstui.sandbox.store import Store

DEFAULT_REGION = "cn-hangzhou"
DB_NAME = "sandbox.db"


@dataclass
class SandboxState:
    store: Store
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    region: str = DEFAULT_REGION
    state_dir: Path | None = None


def open_state(
    state_dir: Path | None = None,
    *,
    world: str = "default",
    speed: float = 1.0,
    faults: Faults | None = None,
) -> SandboxState:
    """Open (or create and seed) the state in ``state_dir``; None keeps it in memory."""
    from armstui.sandbox.world import seed

    store = None
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        state_dir.chmod(0o700)
        store = Store(state_dir / DB_NAME)
        (state_dir / DB_NAME).chmod(0o600)
    state = SandboxState(
        store=store or Store(None),
        clock=Clock(speed),
        faults=faults or Faults(),
        state_dir=state_dir,
    )
    if state.store.is_empty():
        seed(state, world)
    else:
        from armstui.sandbox.services.arms.model import last_sync

        # Simulated time never runs backwards: a state left by a fast run resumes where it was.
        resumed = last_sync(state.store)
        if resumed is not None:
            state.clock.resume_at(resumed)
    return state
