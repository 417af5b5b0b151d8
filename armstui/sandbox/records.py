"""One account's records in the sandbox's store: what the CS and ECS models share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from armstui.sandbox.clock import Clock
from armstui.sandbox.store import Store

if TYPE_CHECKING:
    from armstui.sandbox.api import Call


class AccountRecords:
    """The records one account owns, stored under ``<account id>/<record id>``; ``all()``
    lists those of the model's own ``kind`` (``cs.cluster``, ``ecs.instance``)."""

    kind: ClassVar[str]

    def __init__(self, store: Store, clock: Clock, account_id: str) -> None:
        self.store, self.clock, self.uid = store, clock, account_id

    @classmethod
    def of(cls, call: Call) -> Self:
        """The records of the account the caller of ``call`` acts in."""
        return cls(call.state.store, call.state.clock, call.account_id)

    def all(self) -> list[dict[str, Any]]:
        return self.store.list(self.kind, f"{self.uid}/")

    def owned(self, item_id: str, kind: str | None = None) -> dict[str, Any] | None:
        """This account's record ``item_id`` of ``kind`` (default: the model's), or None."""
        return self.store.get(kind or self.kind, f"{self.uid}/{item_id}")
