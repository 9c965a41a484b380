"""Gathering a person's App Home: each channel they play in, with streak, freezes, this
month's rank and team, and their lesson progress."""

from __future__ import annotations

from bot.domain.reports import HomeChannel, HomeReport
from bot.services.reports import Reports
from bot.services.reviews import Reviews
from db.engine import Database
from db.periods import MONTH
from db.queries.stats import user_channels, user_stats
from db.queries.teams import team_of


class Home:
    def __init__(self, *, db: Database, reports: Reports, reviews: Reviews) -> None:
        self.db = db
        self.reports = reports
        self.reviews = reviews

    def report(self, *, team_id: str, user_id: str) -> HomeReport:
        with self.db.reading() as session:
            channel_ids = user_channels(session=session, team_id=team_id, user_id=user_id)
        channels = []
        for channel_id in channel_ids:
            board = self.reports.leaderboard(team_id=team_id, channel_id=channel_id, period=MONTH)
            mine = next((row for row in board.rows if row.user_id == user_id), None)
            with self.db.reading() as session:
                stats = user_stats(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
                team = team_of(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
            channels.append(
                HomeChannel(
                    channel_id=channel_id,
                    current_streak=stats.current_streak,
                    longest_streak=stats.longest_streak,
                    freezes_held=stats.freezes_held,
                    freezes_used=stats.freezes_used,
                    answered=stats.answered,
                    correct=stats.correct,
                    quiz_days_since_joining=stats.quiz_days_since_joining,
                    month_rank=mine.rank if mine else None,
                    month_ranked=len(board.rows),
                    team=team,
                )
            )
        lessons = self.reports.lesson_progress(team_id=team_id, user_id=user_id)
        return HomeReport(
            channels=channels, lessons=lessons, memory=self.reviews.memory(team_id=team_id, user_id=user_id)
        )
