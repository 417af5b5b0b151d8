"""Time in the sandbox: real wall-clock time, with simulated durations that can be shortened.

Addon installs and upgrades take minutes in the real cloud. The sandbox keeps their
nominal durations (in seconds) and divides them by ``speed``: tests and benchmarks run
with a high speed so a 60 s upgrade takes well under a second.
"""

from __future__ import annotations

import time


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("clock speed: must be positive")
        self.speed = speed

    def now(self) -> float:
        """Seconds since the epoch (real time)."""
        return time.time()

    def scaled(self, nominal_seconds: float) -> float:
        """How long a simulated duration of ``nominal_seconds`` really lasts."""
        return nominal_seconds / self.speed

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    @staticmethod
    def iso(ts: float) -> str:
        """UTC ISO-8601 as Alibaba Cloud writes it: 2015-04-09T11:52:19Z."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
