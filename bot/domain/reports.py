"""What the bot reports, as plain data: the slash command and App Home render it as blocks
(`bot.blocks`), the CLI prints it, and `as_json` gives the SPEC §3 shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.domain.authoring import AuthoringHome
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

    stats: StatsView  # the person's in this channel
    month_rank: int | None
    month_ranked: int
    team: str | None


@dataclass(frozen=True)
class Verdict:
    """One of a person's latest daily answers, as its private reply said it (App Home keeps
    them: ephemeral replies vanish when Slack reloads)."""

    channel_id: str
    quiz_day: dt.date
    prompt: str
    chosen: str
    answer: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class HomeReport:
    channels: list[HomeChannel]
    lessons: list[LessonProgress]
    memory: Memory | None = None  # due reviews and "remembered now"
    verdicts: list[Verdict] = field(default_factory=list)  # latest first
    authoring: AuthoringHome | None = None  # the workspace's own questions: suggest, or manage


@dataclass(frozen=True)
class ChannelStatus:
    team_id: str
    channel_id: str
    schedule: str
    timezone: str
    next_post_at: dt.datetime | None
    flagged: str | None


@dataclass(frozen=True)
class OutboxBacklog:
    """What every live replica's outbox holds (from their snapshots), and the verdicts the
    database says are still owed."""

    replicas: int
    kinds: dict[str, tuple[int, float]]  # kind -> (sends waiting, how late the oldest is, s)
    throttled: dict[str, int]  # 429s drawn since the replicas started, by method
    owed_replies: int

    def as_json(self) -> dict:
        return {
            "replicas": self.replicas,
            "kinds": {
                kind: {"queued": queued, "late_seconds": round(late, 1)}
                for kind, (queued, late) in sorted(self.kinds.items())
            },
            "throttled": dict(sorted(self.throttled.items())),
            "owed_replies": self.owed_replies,
        }

    def describe(self) -> str:
        waiting = [
            f"{kind} {queued}" + (f" (oldest {late:.0f} s late)" if late >= 1 else "")
            for kind, (queued, late) in sorted(self.kinds.items())
            if queued
        ]
        throttled = ", ".join(f"{method} {count}" for method, count in sorted(self.throttled.items()))
        return (
            f"outbox ({self.replicas} replicas): {', '.join(waiting) or 'nothing waiting'}; "
            f"verdicts owed: {self.owed_replies}; 429s drawn: {throttled or 'none'}"
        )


@dataclass(frozen=True)
class Status:
    channels: list[ChannelStatus]
    leader: str | None
    token: int | None
    lease_expires_at: dt.datetime | None
    now: dt.datetime
    outbox: OutboxBacklog | None = None

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
            "outbox": self.outbox.as_json() if self.outbox else None,
        }
