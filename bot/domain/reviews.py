"""What spaced review reports, as plain data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonMemory:
    lesson: str
    remembered: int  # cards with retrievability >= 0.9 (out of (re)learning)
    cards: int


@dataclass(frozen=True)
class Memory:
    """ "Remembered now" for one person (SPEC §10): overall and per lesson."""

    remembered: int
    cards: int
    lessons: list[LessonMemory]
    due: int
    next_due: dt.datetime | None

    @property
    def share(self) -> float:
        return round(self.remembered / self.cards, 4) if self.cards else 0.0


@dataclass(frozen=True)
class StreakAtRisk:
    channel_id: str
    streak: int


@dataclass(frozen=True)
class ReminderContent:
    """What one reminder DM says: due reviews (the first few named) and streaks at risk."""

    due: int
    first_due: list[str]  # question prompts (or lesson titles) of the first few due
    at_risk: list[StreakAtRisk]

    @property
    def worth_sending(self) -> bool:
        return self.due > 0 or bool(self.at_risk)
