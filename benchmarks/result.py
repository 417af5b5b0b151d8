"""One benchmark figure, printed as a JSON line."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None  # the ratio (or value, when there is no baseline) to meet
    higher_is_better: bool = False
    absolute: bool = False  # the target is for the value itself (ms, MB), not for the ratio
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.value if self.absolute or self.ratio is None else self.ratio
        return measured >= self.target if self.higher_is_better else measured <= self.target

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("higher_is_better")
        data.pop("absolute")
        if not self.note:
            data.pop("note")
        data["value"] = round(self.value, 4)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        data["ok"] = self.ok
        return json.dumps(data)


KEY_TARGET_MS = 100  # a key's effect on screen: p99 at most this long


def key_latency(name: str, measured: dict, note: str) -> Figure:
    """The p99 of timed key presses during some work (``measured["p99_ms"]``) against the
    same presses idle (``measured["idle_p99_ms"]``); the target is for the p99 itself."""
    return Figure(
        name,
        measured["p99_ms"],
        "ms",
        measured["idle_p99_ms"],
        target=KEY_TARGET_MS,
        absolute=True,
        note=note,
    )
