"""Injected faults, so that clients' retry and resume paths run for real.

Spec (``--faults`` and the admin endpoint ``POST /__sandbox/faults``), ``;``-separated:

    latency=50ms          added latency on every call (``10-80ms``: uniform in a range)
    throttle=0.2          a share of calls refused with Throttling.User (HTTP 400, the gateway's
                          "Request was denied due to user flow control.")
    5xx=0.05              a share answered ServiceUnavailable (503) or InternalError (500)
    drop=0.01             a share whose connection is closed without an answer
    apply-then-fail=CreateAccessKey:1,ModifyClusterAddon
                          the change is made, then the answer is lost; ``:N`` = the first
                          N times (default 1); ``*`` = every mutating action
    apply-then-fail-as=drop   how that answer is lost: ``5xx`` (default: a 503
                          ServiceUnavailable) or ``drop`` (the connection closes unanswered)
    rate=ram:5,cs:2       per-service limits in calls per second (``rate=20``: every service);
                          calls beyond the limit within one second get Throttling.User
    only=CreateUser,ListUsers   the random faults hit only these actions
    seed=7                the random generator's seed, so a failing run can be replayed

The admin endpoint takes the same keys as JSON (``{"latency": "50ms", "throttle": 0.2, ...}``;
an empty object clears every fault). ``stats`` counts what was injected, by kind.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from armstui.sandbox.errors import ApiError

THROTTLED = ("Throttling.User", "Request was denied due to user flow control.")


MAX_LATENCY_MS = 60_000.0


class Dropped(Exception):
    """Close the connection without an answer."""


class FaultSpecError(ValueError):
    """A fault spec the sandbox refuses; ``field`` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class FaultSpec:
    latency: tuple[float, float] = (0.0, 0.0)  # seconds, low-high
    throttle: float = 0.0
    error_5xx: float = 0.0
    drop: float = 0.0
    apply_then_fail: dict[str, int] = field(default_factory=dict)  # action (or "*") -> times left
    apply_then_fail_as: str = "5xx"  # or "drop"
    rates: dict[str, int] = field(
        default_factory=dict
    )  # service (lower-cased product, or "*") -> calls/s
    only: frozenset[str] = frozenset()
    seed: int | None = None


def _rate(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(
            name, f"faults: {name} must be a number between 0 and 1 (got {text!r})"
        ) from None
    if not 0 <= value <= 1:  # also refuses nan
        raise FaultSpecError(name, f"faults: {name} must be between 0 and 1 (got {value})")
    return value


def _latency(text: str) -> tuple[float, float]:
    raw = text.strip().removesuffix("ms")
    low, dash, high = raw.partition("-")
    try:
        if dash and not high:
            raise ValueError
        lo, hi = float(low), float(high or low)
    except ValueError:
        raise FaultSpecError(
            "latency", f"faults: latency must look like 50ms or 10-80ms (got {text!r})"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi > MAX_LATENCY_MS:
        raise FaultSpecError(
            "latency", f"faults: latency must be finite and at most {MAX_LATENCY_MS:.0f}ms"
        )
    if lo < 0 or hi < lo:
        raise FaultSpecError(
            "latency", f"faults: latency range {text!r} is not low-high with 0 <= low <= high"
        )
    return lo / 1000, hi / 1000


def _count(text: Any) -> int:
    """``text`` as a whole number; 0 (never a valid count) when it is not one."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _apply_then_fail(value: Any) -> dict[str, int]:
    items = value if isinstance(value, list) else str(value).split(",")
    out = {}
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        action, _, times = item.partition(":")
        count = _count(times) if times else 1
        if count < 1:
            raise FaultSpecError(
                "apply-then-fail",
                f"faults: apply-then-fail wants ACTION or ACTION:N with N >= 1 (got {item!r})",
            )
        out[action] = count
    return out


def _seed(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FaultSpecError("seed", f"faults: seed must be an integer (got {value!r})") from None


def _lost_as(value: Any) -> str:
    if value not in ("5xx", "drop"):
        raise FaultSpecError(
            "apply-then-fail-as", f"faults: apply-then-fail-as must be 5xx or drop (got {value!r})"
        )
    return str(value)


def _rates(value: Any) -> dict[str, int]:
    """``20`` (every service), ``ram:5,cs:2`` or the JSON object ``{"ram": 5}``."""
    items = (
        value.items()
        if isinstance(value, dict)
        else (
            (p.partition(":")[0] if ":" in p else "*", p.rpartition(":")[2])
            for p in str(value).split(",")
            if p.strip()
        )
    )
    out = {}
    for service, limit in items:
        count = _count(limit)
        if count < 1:
            raise FaultSpecError(
                "rate",
                f"faults: rate wants N or SERVICE:N with N >= 1 calls per second (got {service}:{limit})",
            )
        out[str(service).strip().lower()] = count
    return out


def parse(spec: dict[str, Any]) -> FaultSpec:
    known = {
        "latency",
        "throttle",
        "5xx",
        "drop",
        "apply-then-fail",
        "apply-then-fail-as",
        "rate",
        "only",
        "seed",
    }
    unknown = sorted(set(spec) - known)
    if unknown:
        raise FaultSpecError(
            unknown[0],
            f"faults: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})",
        )
    only = spec.get("only", [])
    return FaultSpec(
        latency=_latency(str(spec["latency"])) if "latency" in spec else (0.0, 0.0),
        throttle=_rate("throttle", str(spec.get("throttle", 0))),
        error_5xx=_rate("5xx", str(spec.get("5xx", 0))),
        drop=_rate("drop", str(spec.get("drop", 0))),
        apply_then_fail=_apply_then_fail(spec.get("apply-then-fail", [])),
        apply_then_fail_as=_lost_as(spec.get("apply-then-fail-as", "5xx")),
        rates=_rates(spec.get("rate", "")),
        only=frozenset(
            [str(a) for a in only]
            if isinstance(only, list)
            else [a for a in str(only).split(",") if a]
        ),
        seed=_seed(spec["seed"]) if "seed" in spec else None,
    )


def parse_text(text: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise FaultSpecError(part, f"faults: {part!r} is not key=value")
        spec[key.strip()] = value.strip()
    return spec


_SERVICE_OF: dict[str, str] = {}


def _service_of(action: str) -> str:
    """The product (lower-cased: ``ram``, ``cs``...) an action belongs to; action names do not
    repeat across the sandbox's services. Looked up lazily: the services import the sandbox core."""
    if not _SERVICE_OF:
        from armstui.sandbox.services import ALL_SERVICES

        _SERVICE_OF.update({a: s.product.lower() for s in ALL_SERVICES for a in s.operations})
    return _SERVICE_OF.get(action, "")


class Faults:
    def __init__(self, spec: FaultSpec | None = None) -> None:
        self._lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        self._set(spec or FaultSpec())

    @classmethod
    def from_spec(cls, text: str | None) -> Faults:
        return cls(parse(parse_text(text)) if text else None)

    def configure(self, spec: dict[str, Any]) -> None:
        self._set(parse(spec))

    @staticmethod
    def parse(spec: dict[str, Any]) -> FaultSpec:
        """Check ``spec`` (FaultSpecError naming the key) without installing it."""
        return parse(spec)

    def install(self, spec: FaultSpec) -> None:
        self._set(spec)

    def _set(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self.rng = random.Random(spec.seed)
            self.stats.clear()
            self._recent: dict[
                str, list[float]
            ] = {}  # service -> times of its calls in the last second

    def _hits(self, action: str) -> bool:
        return not self.spec.only or action in self.spec.only

    def _over_rate(self, service: str) -> bool:
        """Count a call of ``service``; True if it exceeds the service's calls per second."""
        limit = self.spec.rates.get(service) or self.spec.rates.get("*")
        if not limit:
            return False
        now = time.monotonic()
        recent = [t for t in self._recent.get(service, []) if now - t < 1.0]
        if len(recent) >= limit:
            self._recent[service] = recent
            return True
        self._recent[service] = recent + [now]
        return False

    async def before(self, action: str) -> None:
        """Before a request is handled: latency, then maybe throttle (by rate or by limit), 5xx
        or a drop."""
        with self._lock:
            over_rate = self._over_rate(_service_of(action)) if self.spec.rates else False
            spec = self.spec
            delay = self.rng.uniform(*spec.latency) if spec.latency[1] else 0.0
            roll = self.rng.random() if self._hits(action) else 1.0
            pick_500 = self.rng.random() < 0.5
        if delay:
            await asyncio.sleep(delay)
        if over_rate:
            self.stats["rate"] += 1
            raise ApiError(400, *THROTTLED)
        if roll < spec.throttle:
            self.stats["throttle"] += 1
            raise ApiError(400, *THROTTLED)
        roll -= spec.throttle
        if roll < spec.error_5xx:
            self.stats["5xx"] += 1
            if pick_500:
                raise ApiError(
                    500,
                    "InternalError",
                    "The request processing has failed due to some unknown error.",
                )
            raise ApiError(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
        roll -= spec.error_5xx
        if roll < spec.drop:
            self.stats["drop"] += 1
            raise Dropped()

    def after(self, action: str) -> None:
        """After a mutating request was applied: maybe lose the answer (ApiError 503 or Dropped)."""
        with self._lock:
            table = self.spec.apply_then_fail
            key = action if table.get(action, 0) > 0 else ("*" if table.get("*", 0) > 0 else None)
            if key is None:
                return
            table[key] -= 1
            self.stats["apply-then-fail"] += 1
        if self.spec.apply_then_fail_as == "drop":
            raise Dropped()
        raise ApiError(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
