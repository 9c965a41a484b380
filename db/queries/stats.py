"""Stats and leaderboards, read from the running totals in `user_stats` (never by
rescanning every answer) plus, for week and month, the period's answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Answer, QuestionHistory, UserStats
from db.queries.posts import latest_closed_day
from db.streaks import StreakState, effective_current


@dataclass(frozen=True)
class StatsView:
    user_id: str
    channel_id: str
    answered: int
    correct: int
    current_streak: int
    longest_streak: int
    first_answered_day: dt.date | None

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


def user_stats(*, session: Session, team_id: str, channel_id: str, user_id: str) -> StatsView:
    row = session.get(UserStats, (team_id, channel_id, user_id))
    if row is None:
        return StatsView(user_id, channel_id, 0, 0, 0, 0, None)
    closed = latest_closed_day(session=session, team_id=team_id, channel_id=channel_id)
    state = StreakState(row.current_streak, row.longest_streak, row.last_answered_day)
    current = effective_current(
        state,
        closed_quiz_day_since=closed is not None
        and row.last_answered_day is not None
        and closed > row.last_answered_day,
    )
    return StatsView(
        user_id=user_id,
        channel_id=channel_id,
        answered=row.answered,
        correct=row.correct,
        current_streak=current,
        longest_streak=row.longest_streak,
        first_answered_day=row.first_answered_day,
    )


def leaderboard(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> list[RankedRow]:
    """Ranked by correct answers in the period, then current streak, then accuracy, then
    user ID. `start`/`end` bound the quiz days (inclusive); None means all time."""
    closed = latest_closed_day(session=session, team_id=team_id, channel_id=channel_id)
    current = (
        case((UserStats.last_answered_day >= closed, UserStats.current_streak), else_=0)
        if closed is not None
        else UserStats.current_streak
    )
    if start is None and end is None:
        totals = select(
            UserStats.user_id.label("user_id"),
            UserStats.correct.label("correct"),
            UserStats.answered.label("answered"),
        ).where(UserStats.team_id == team_id, UserStats.channel_id == channel_id, UserStats.answered > 0)
    else:
        conditions = [Answer.team_id == team_id, Answer.channel_id == channel_id]
        if start is not None:
            conditions.append(Answer.quiz_day >= start)
        if end is not None:
            conditions.append(Answer.quiz_day <= end)
        totals = (
            select(
                Answer.user_id.label("user_id"),
                func.sum(case((Answer.correct, 1), else_=0)).label("correct"),
                func.count().label("answered"),
            )
            .where(*conditions)
            .group_by(Answer.user_id)
        )
    period = totals.subquery()
    accuracy = period.c.correct * 1.0 / period.c.answered
    statement = (
        select(
            period.c.user_id,
            period.c.correct,
            period.c.answered,
            current.label("current_streak"),
            UserStats.longest_streak,
        )
        .join(
            UserStats,
            (UserStats.team_id == team_id)
            & (UserStats.channel_id == channel_id)
            & (UserStats.user_id == period.c.user_id),
        )
        .order_by(period.c.correct.desc(), current.desc(), accuracy.desc(), period.c.user_id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        RankedRow(
            rank=rank,
            user_id=row.user_id,
            correct=int(row.correct),
            answered=int(row.answered),
            current_streak=int(row.current_streak),
            longest_streak=int(row.longest_streak),
        )
        for rank, row in enumerate(session.execute(statement), start=1)
    ]


def mastered_questions(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """Question ids the user has ever answered correctly, daily or practice."""
    return set(
        session.execute(
            select(QuestionHistory.question_id).where(
                QuestionHistory.team_id == team_id,
                QuestionHistory.user_id == user_id,
                QuestionHistory.correct_count > 0,
            )
        ).scalars()
    )
