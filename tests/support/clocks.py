"""Clocks for replicas whose clocks disagree: one that runs a fixed offset from another."""

from __future__ import annotations

import datetime as dt

from bot.clock import Clock


class OffsetClock:
    """`base` plus `offset` seconds: a replica's clock running fast (positive) or slow."""

    def __init__(self, base: Clock, offset: float) -> None:
        self.base = base
        self.offset = dt.timedelta(seconds=offset)

    def now(self) -> dt.datetime:
        return self.base.now() + self.offset
