"""Test clocks: a settable one, and one for replicas whose clocks disagree (a fixed offset from another)."""

from __future__ import annotations

import datetime as dt
import threading

from bot.clock import Clock


class FakeClock:
    """A settable clock: tests move time without waiting."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = when.astimezone(dt.UTC)

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


class OffsetClock:
    """`base` plus `offset` seconds: a replica's clock running fast (positive) or slow."""

    def __init__(self, base: Clock, offset: float) -> None:
        self.base = base
        self.offset = dt.timedelta(seconds=offset)

    def now(self) -> dt.datetime:
        return self.base.now() + self.offset
