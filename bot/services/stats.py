"""Stats, leaderboards and lesson progress, read from the database into the plain reports
of `bot.domain.stats`."""

from __future__ import annotations

import datetime as dt

from bot.domain.stats import LeaderboardReport, LessonProgress, StatsReport
from bot.services.catalog import QuestionCatalog
from bot.services.schedules import Schedules
from db import derived
from db.engine import Database
from db.queries.answers import mastered_questions
from db.queries.stats import leaderboard, user_stats
from quiz.periods import period_bounds


class Stats:
    def __init__(self, *, db: Database, catalog: QuestionCatalog, schedules: Schedules) -> None:
        self.db = db
        self.catalog = catalog
        self.schedules = schedules

    def period(self, *, team_id: str, channel_id: str, period: str) -> tuple[dt.date | None, dt.date | None]:
        """This week's, month's or all time's quiz-day bounds, in the channel's zone."""
        return period_bounds(period, self.schedules.today(team_id=team_id, channel_id=channel_id))

    def lesson_progress(self, *, team_id: str, user_id: str) -> list[LessonProgress]:
        with self.db.reading() as session:
            mastered = mastered_questions(session=session, team_id=team_id, user_id=user_id)
        return [
            LessonProgress(
                lesson=lesson.title,
                completed=sum(1 for q in lesson.questions if q.id in mastered),
                total=len(lesson.questions),
            )
            for lesson in self.catalog.for_team(team_id).lessons
            if lesson.questions  # an own lesson whose questions were all retired is over
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
        limit: int | None = None,
        by: str = "correct",
        viewer: str | None = None,
    ) -> LeaderboardReport:
        """The channel's ranking in the period; with `limit`, the top rows plus the viewer's."""
        start, end = self.period(team_id=team_id, channel_id=channel_id, period=period)
        derived.settled(self.db)  # the board reads the caches: fold what is pending first
        with self.db.reading() as session:
            rows = leaderboard(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                start=start,
                end=end,
                limit=limit,
                by=by,
                viewer=viewer,
            )
        return LeaderboardReport(channel_id=channel_id, period=period, start=start, end=end, rows=rows, by=by)
