"""A person's stats, a channel's leaderboard and lesson progress, as plain data: the slash command and
App Home render them (`bot.blocks`), the CLI prints them, `as_json` gives the SPEC §3 shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.results import RankedRow, StatsView


@dataclass(frozen=True)
class LessonProgress:
    lesson: str
    completed: int
    total: int


@dataclass(frozen=True)
class StatsReport:
    stats: StatsView
    lessons: list[LessonProgress]

    def as_json(self) -> dict:
        s = self.stats
        return {
            "user": s.user_id,
            "channel": s.channel_id,
            "current_streak": s.current_streak,
            "longest_streak": s.longest_streak,
            "answered": s.answered,
            "correct": s.correct,
            "accuracy": s.accuracy,
            "lessons": [
                {"lesson": p.lesson, "completed": p.completed, "total": p.total} for p in self.lessons
            ],
        }


@dataclass(frozen=True)
class LeaderboardReport:
    channel_id: str
    period: str
    start: dt.date | None
    end: dt.date | None
    rows: list[RankedRow]
    by: str = "correct"

    def as_json(self) -> dict:
        return {
            "channel": self.channel_id,
            "period": self.period,
            "rows": [
                {
                    "rank": r.rank,
                    "user": r.user_id,
                    "correct": r.correct,
                    "answered": r.answered,
                    "accuracy": r.accuracy,
                    "current_streak": r.current_streak,
                    "longest_streak": r.longest_streak,
                }
                for r in self.rows
            ],
        }
