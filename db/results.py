"""What the queries return, as plain frozen data (no session, no SQL), so the layers above
can render it without touching the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MIN_ANSWERS_FOR_ACCURACY = 5


@dataclass(frozen=True)
class StatsView:
    user_id: str
    channel_id: str
    answered: int
    correct: int
    current_streak: int
    longest_streak: int
    first_answered_day: dt.date | None
    freezes_held: int = 0
    freezes_used: int = 0
    quiz_days_since_joining: int = 0

    @property
    def accuracy(self) -> float:
        return round(self.correct / self.answered, 4) if self.answered else 0.0


@dataclass(frozen=True)
class RankedRow:
    rank: int
    user_id: str
    correct: int
    answered: int
    current_streak: int
    longest_streak: int

    @property
    def accuracy(self) -> float:
        return round(self.correct / self.answered, 4) if self.answered else 0.0


@dataclass(frozen=True)
class QuizTeamView:
    name: str
    members: list[str]


@dataclass(frozen=True)
class MembershipChange:
    team: str
    created: bool = False
    added: list[str] = field(default_factory=list)  # were in no team of the channel
    moved: dict[str, str] = field(default_factory=dict)  # user -> the team they left
    already: list[str] = field(default_factory=list)  # were in this team already
    removed: list[str] = field(default_factory=list)  # taken out of this team (sync, remove)
    not_members: list[str] = field(default_factory=list)  # asked to remove, but not in it
