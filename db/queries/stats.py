"""Stats and leaderboards, read from the running totals in `user_stats` (never by
rescanning every answer) plus, for week and month, the period's answers."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Answer, QuestionHistory, UserStats
from db.queries.answers import stats_state
from db.queries.posts import closed_days, quiz_days_since
from db.streaks import StreakState, effective_state

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


def _closed_after(days: list[dt.date], day: dt.date | None) -> int:
    """How many of the sorted `days` fall after `day`."""
    return 0 if day is None else len(days) - bisect.bisect_right(days, day)


def user_stats(*, session: Session, team_id: str, channel_id: str, user_id: str) -> StatsView:
    row = session.get(UserStats, (team_id, channel_id, user_id))
    if row is None:
        return StatsView(user_id, channel_id, 0, 0, 0, 0, None)
    days = closed_days(session=session, team_id=team_id, channel_id=channel_id)
    state = effective_state(stats_state(row), closed_since=_closed_after(days, row.last_answered_day))
    since = (
        quiz_days_since(session=session, team_id=team_id, channel_id=channel_id, since=row.first_answered_day)
        if row.first_answered_day
        else 0
    )
    return StatsView(
        user_id=user_id,
        channel_id=channel_id,
        answered=row.answered,
        correct=row.correct,
        current_streak=state.current,
        longest_streak=row.longest_streak,
        first_answered_day=row.first_answered_day,
        freezes_held=state.freezes_held,
        freezes_used=state.freezes_used,
        quiz_days_since_joining=since,
    )


def leaderboard(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
    by: str = "correct",
) -> list[RankedRow]:
    """Ranked by correct answers in the period, then current streak, then accuracy, then
    user ID (`by="accuracy"`: accuracy first, among people with enough answers).
    `start`/`end` bound the quiz days (inclusive); None means all time."""
    if start is None and end is None:
        statement = select(
            UserStats.user_id,
            UserStats.correct,
            UserStats.answered,
            UserStats.current_streak,
            UserStats.longest_streak,
            UserStats.last_answered_day,
            UserStats.freezes_held,
        ).where(UserStats.team_id == team_id, UserStats.channel_id == channel_id, UserStats.answered > 0)
    else:
        conditions = [Answer.team_id == team_id, Answer.channel_id == channel_id]
        if start is not None:
            conditions.append(Answer.quiz_day >= start)
        if end is not None:
            conditions.append(Answer.quiz_day <= end)
        period = (
            select(
                Answer.user_id.label("user_id"),
                func.sum(case((Answer.correct, 1), else_=0)).label("correct"),
                func.count().label("answered"),
            )
            .where(*conditions)
            .group_by(Answer.user_id)
            .subquery()
        )
        statement = select(
            period.c.user_id,
            period.c.correct,
            period.c.answered,
            UserStats.current_streak,
            UserStats.longest_streak,
            UserStats.last_answered_day,
            UserStats.freezes_held,
        ).join(
            UserStats,
            (UserStats.team_id == team_id)
            & (UserStats.channel_id == channel_id)
            & (UserStats.user_id == period.c.user_id),
        )
    days = closed_days(session=session, team_id=team_id, channel_id=channel_id)
    rows = []
    for row in session.execute(statement):
        misses = _closed_after(days, row.last_answered_day)
        state = StreakState(current=row.current_streak, freezes_held=row.freezes_held or 0)
        current = effective_state(state, closed_since=misses).current
        rows.append((row.user_id, int(row.correct), int(row.answered), current, int(row.longest_streak)))

    def accuracy(item: tuple) -> float:
        return item[1] / item[2] if item[2] else 0.0

    if by == "accuracy":
        minimum = MIN_ANSWERS_FOR_ACCURACY
        rows = [item for item in rows if item[2] >= minimum]
        rows.sort(key=lambda item: (-accuracy(item), -item[1], -item[3], item[0]))
    else:
        rows.sort(key=lambda item: (-item[1], -item[3], -accuracy(item), item[0]))
    if limit is not None:
        rows = rows[:limit]
    return [
        RankedRow(
            rank=rank,
            user_id=user,
            correct=correct,
            answered=answered,
            current_streak=current,
            longest_streak=longest,
        )
        for rank, (user, correct, answered, current, longest) in enumerate(rows, start=1)
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


def user_channels(*, session: Session, team_id: str, user_id: str) -> list[str]:
    """The channels where a user has answered, for App Home."""
    return list(
        session.execute(
            select(UserStats.channel_id)
            .where(UserStats.team_id == team_id, UserStats.user_id == user_id, UserStats.answered > 0)
            .order_by(UserStats.channel_id)
        ).scalars()
    )
