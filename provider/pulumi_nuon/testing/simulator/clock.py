"""Simulated time for the Nuon simulator.

A clock answers "how many simulated seconds have passed since the simulator started". Deploy timelines are
read against it. `ManualClock` moves only when told (tests); `WallClock` follows real time, optionally sped
up (the demo). Both accept `advance()`, which is how per-request auto-advance pushes time forward from inside
a request.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

from pulumi_nuon.core.errors import InvalidArgumentError

__all__ = ["Clock", "ManualClock", "WallClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that tells simulated time and can be pushed forward."""

    def now(self) -> float:
        """Simulated seconds since the simulator started."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward by `seconds`."""
        ...


class ManualClock:
    """Time stands still until `advance()` is called. The default for tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise InvalidArgumentError(f"a clock cannot go back in time (advance({seconds}))")
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now():g})"


class WallClock:
    """Real time scaled by `speed`: with speed=10 a 100 s timeline passes in 10 real seconds.

    `running=False` holds time still until `resume()` (the demo starts the deploy's clock when its update starts,
    however long the preview took); `pause()` holds it again.
    """

    def __init__(self, speed: float = 1.0, *, start: float = 0.0, running: bool = True) -> None:
        if speed <= 0:
            raise InvalidArgumentError(f"speed must be positive, got {speed}")
        self.speed = float(speed)
        self._origin: float | None = time.monotonic() if running else None
        self._offset = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            if self._origin is None:
                return self._offset
            return self._offset + (time.monotonic() - self._origin) * self.speed

    def pause(self) -> None:
        """Hold time still (`now()` stays where it is) until `resume()`."""
        with self._lock:
            if self._origin is not None:
                self._offset += (time.monotonic() - self._origin) * self.speed
                self._origin = None

    def resume(self) -> None:
        """Let time flow again from where it stands."""
        with self._lock:
            if self._origin is None:
                self._origin = time.monotonic()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise InvalidArgumentError(f"a clock cannot go back in time (advance({seconds}))")
        with self._lock:
            self._offset += seconds

    def __repr__(self) -> str:
        return f"WallClock(speed={self.speed:g}, now={self.now():.3f})"
