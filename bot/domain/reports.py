"""What the bot reports, as plain data: the slash command and App Home render it as blocks
(`bot.blocks`), the CLI prints it, and `as_json` gives the SPEC §3 shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.reviews import Memory
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


@dataclass(frozen=True)
class HomeChannel:
    """One quiz channel on a person's App Home."""

    channel_id: str
    current_streak: int
    longest_streak: int
    freezes_held: int
    freezes_used: int
    answered: int
    correct: int
    quiz_days_since_joining: int
    month_rank: int | None
    month_ranked: int
    team: str | None


@dataclass(frozen=True)
class HomeReport:
    channels: list[HomeChannel]
    lessons: list[LessonProgress]
    memory: Memory | None = None  # due reviews and "remembered now"


@dataclass(frozen=True)
class ChannelStatus:
    team_id: str
    channel_id: str
    schedule: str
    timezone: str
    next_post_at: dt.datetime | None
    flagged: str | None


@dataclass(frozen=True)
class Status:
    channels: list[ChannelStatus]
    leader: str | None
    token: int | None
    lease_expires_at: dt.datetime | None
    now: dt.datetime

    def as_json(self) -> dict:
        return {
            "leader": self.leader,
            "token": self.token,
            "lease_expires_at": self.lease_expires_at.isoformat() if self.lease_expires_at else None,
            "leader_alive": bool(self.lease_expires_at and self.lease_expires_at > self.now),
            "channels": [
                {
                    "team": c.team_id,
                    "channel": c.channel_id,
                    "schedule": c.schedule,
                    "next_post_at": c.next_post_at.isoformat() if c.next_post_at else None,
                    "flagged": c.flagged,
                }
                for c in self.channels
            ],
        }
