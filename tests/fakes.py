"""Test doubles shared by the source tests: a fake clock that records sleeps."""

from __future__ import annotations

import datetime as dt
import threading

START = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


class FakeClock:
    """Monotonic time that moves only when someone sleeps; ``sleeps`` lists every wait."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.start = start
        self.t = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.t += seconds

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.t)
