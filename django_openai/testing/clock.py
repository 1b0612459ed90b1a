"""A controllable clock: tests advance time instead of sleeping."""

from __future__ import annotations

import threading
import time


class Clock:
    """Starts at the real time (or ``start``) and moves only when told to, unless ``real=True``."""

    def __init__(self, start: float | None = None, *, real: bool = False) -> None:
        self._offset = 0.0
        # A whole second, so that integer timestamps and advances line up exactly.
        self._start = float(int(time.time())) if start is None else start
        self._real = real
        self._origin = time.monotonic()
        self._lock = threading.Lock()

    @property
    def real(self) -> bool:
        """Whether time runs by itself (a server a person started) or only when advanced (tests)."""
        return self._real

    def now(self) -> float:
        with self._lock:
            moved = time.monotonic() - self._origin if self._real else 0.0
            return self._start + moved + self._offset

    def timestamp(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
