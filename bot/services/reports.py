"""Stats, leaderboards and lesson progress as plain data: the slash command renders them
as blocks and the CLI prints them (`--json` keys as in SPEC §3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from content import Bank
from db.engine import Database
from db.queries.schedules import get_schedule
from db.queries.stats import RankedRow, StatsView, leaderboard, mastered_questions, user_stats

PERIODS = ("week", "month", "all")


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


def period_bounds(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Quiz-day bounds (inclusive) of the week (Monday-Sunday) or month containing `today`."""
    if period == "week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = today.replace(day=1)
        next_month = (start + dt.timedelta(days=32)).replace(day=1)
        return start, next_month - dt.timedelta(days=1)
    if period == "all":
        return None, None
    raise ValueError(f"unknown period {period!r}; use week, month or all")


class Reports:
    def __init__(self, *, db: Database, bank: Bank) -> None:
        self.db = db
        self.bank = bank

    def channel_today(self, *, team_id: str, channel_id: str, now: dt.datetime) -> dt.date:
        """Today in the channel's schedule zone (UTC without a schedule)."""
        with self.db.reading() as session:
            schedule = get_schedule(session=session, team_id=team_id, channel_id=channel_id)
            zone = schedule.timezone if schedule else "UTC"
        return now.astimezone(ZoneInfo(zone)).date()

    def lesson_progress(self, *, team_id: str, user_id: str) -> list[LessonProgress]:
        with self.db.reading() as session:
            mastered = mastered_questions(session=session, team_id=team_id, user_id=user_id)
        return [
            LessonProgress(
                lesson=lesson.title,
                completed=sum(1 for q in lesson.questions if q.id in mastered),
                total=len(lesson.questions),
            )
            for lesson in self.bank.lessons
        ]

    def stats(self, *, team_id: str, channel_id: str, user_id: str) -> StatsReport:
        with self.db.reading() as session:
            stats = user_stats(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
        return StatsReport(stats=stats, lessons=self.lesson_progress(team_id=team_id, user_id=user_id))

    def leaderboard(
        self,
        *,
        team_id: str,
        channel_id: str,
        period: str,
        now: dt.datetime,
        limit: int | None = None,
        by: str = "correct",
        viewer: str | None = None,
    ) -> LeaderboardReport:
        today = self.channel_today(team_id=team_id, channel_id=channel_id, now=now)
        start, end = period_bounds(period, today)
        with self.db.reading() as session:
            rows = leaderboard(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                start=start,
                end=end,
                limit=limit,
                by=by,
            )
        return LeaderboardReport(channel_id=channel_id, period=period, start=start, end=end, rows=rows, by=by)
