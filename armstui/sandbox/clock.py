"""Time in the sandbox: real wall-clock time, and a simulated time that can run faster.

Two axes:
- ``now()`` is real time. Request signing (``x-acs-date``), STS expiry and anything a
  client compares with its own clock use it.
- ``sim_now()`` is simulated time. It starts at real time, runs ``speed`` times faster and
  can jump forward (``advance``). Addon changes, reporting intervals and the data points
  ARMS answers live on this axis, so at a high speed a 60 s upgrade takes well under a
  second and "no data in the last 5 minutes" is observable a moment after a key is
  disabled.

Simulated instants reach clients through ``present``: an instant ``d`` simulated seconds
ago is shown as ``d`` seconds before the real now. A client that asks for "the last five
minutes" by its own clock (``to_sim`` maps the window back) therefore sees the last five
simulated minutes. At speed 1 without jumps both axes coincide.
"""

from __future__ import annotations

import time


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("clock speed: must be positive")
        self._speed = speed
        self._anchor_real = time.time()
        self._anchor_sim = self._anchor_real

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        """Change the speed from now on; simulated time already elapsed stays as it was."""
        if value <= 0:
            raise ValueError("clock speed: must be positive")
        self._reanchor()
        self._speed = value

    def _reanchor(self) -> None:
        real = time.time()
        self._anchor_sim = self._anchor_sim + (real - self._anchor_real) * self._speed
        self._anchor_real = real

    def now(self) -> float:
        """Seconds since the epoch (real time)."""
        return time.time()

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def sim_now(self) -> float:
        """Simulated seconds since the epoch."""
        return self._anchor_sim + (time.time() - self._anchor_real) * self._speed

    def sim_at(self, real_ts: float) -> float:
        """The simulated instant of a real one (exact since the last speed change or jump)."""
        return self._anchor_sim + (real_ts - self._anchor_real) * self._speed

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (tests, and the operator through the admin endpoint)."""
        if seconds < 0:
            raise ValueError("clock advance: simulated time only moves forward")
        self._reanchor()
        self._anchor_sim += seconds

    def resume_at(self, sim_seconds: float) -> None:
        """Make simulated time at least ``sim_seconds`` (a state reopened after a fast run)."""
        self._reanchor()
        self._anchor_sim = max(self._anchor_sim, sim_seconds)

    def offset(self) -> float:
        """How far simulated time runs ahead of real time now."""
        return self.sim_now() - self.now()

    def present(self, sim_ts: float) -> float:
        """A simulated instant as a client should see it (see the module notes)."""
        return sim_ts - self.offset()

    def to_sim(self, shown_ts: float) -> float:
        """The inverse of ``present``: a client's instant on the simulated axis."""
        return shown_ts + self.offset()

    def scaled(self, nominal_seconds: float) -> float:
        """How long a simulated duration of ``nominal_seconds`` really lasts."""
        return nominal_seconds / self._speed

    @staticmethod
    def iso(ts: float) -> str:
        """UTC ISO-8601 as Alibaba Cloud writes it: 2015-04-09T11:52:19Z."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
