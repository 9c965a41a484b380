"""Stats and leaderboards, read from the caches of the answers (db.derived: `user_stats`,
`period_totals`), never by rescanning every answer. One person's stats are exact (their
unfolded answers folded on top); a leaderboard reads the caches, which its caller settles."""

from __future__ import annotations

import bisect
import datetime as dt

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from db import derived
from db.models import Answer, PeriodTotal, UserStats
from db.queries.posts import closed_days, latest_closed_days, quiz_days_since
from db.results import MIN_ANSWERS_FOR_ACCURACY, RankedRow, StatsView
from quiz.periods import stored_period
from quiz.streaks import MAX_FREEZES, effective_state


def _closed_after(days: list[dt.date], day: dt.date | None) -> int:
    """How many of the sorted `days` fall after `day`."""
    return 0 if day is None else len(days) - bisect.bisect_right(days, day)


def effective_current_sql(latest_closed: list[dt.date]) -> ColumnElement:
    """The current streak as shown now, in SQL: a user who has missed `m` closed quiz days
    since their last answer keeps their streak only if they hold at least `m` freezes. With
    the channel's latest closed days c1 > c2 > c3, "missed at most k" is "last answer on or
    after c(k+1)", so no per-user count is needed."""
    last = UserStats.last_answered_day
    kept = []
    for held in range(MAX_FREEZES + 1):
        missed_at_most_held = true() if held >= len(latest_closed) else last >= latest_closed[held]
        kept.append(and_(UserStats.freezes_held >= held, missed_at_most_held))
    return case((or_(*kept), UserStats.current_streak), else_=0)


def user_stats(*, session: Session, team_id: str, channel_id: str, user_id: str) -> StatsView:
    days = closed_days(session=session, team_id=team_id, channel_id=channel_id)
    stats = derived.person_stats(
        session=session, team_id=team_id, channel_id=channel_id, user_id=user_id, closed_days=days
    )
    if stats.answered == 0:
        return StatsView(user_id, channel_id, 0, 0, 0, 0, None)
    state = effective_state(stats.state, closed_since=_closed_after(days, stats.state.last_answered_day))
    since = (
        quiz_days_since(
            session=session, team_id=team_id, channel_id=channel_id, since=stats.first_answered_day
        )
        if stats.first_answered_day
        else 0
    )
    return StatsView(
        user_id=user_id,
        channel_id=channel_id,
        answered=stats.answered,
        correct=stats.correct,
        current_streak=state.current,
        longest_streak=stats.state.longest,
        first_answered_day=stats.first_answered_day,
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
    viewer: str | None = None,
) -> list[RankedRow]:
    """Ranked by correct answers in the period, then current streak, then accuracy, then
    user ID (`by="accuracy"`: accuracy first, among people with enough answers).
    `start`/`end` bound the quiz days (inclusive); None means all time. With `limit`, the
    top rows only, plus `viewer`'s own row wherever it ranks. Ranking happens in SQL, so a
    channel of 10,000 people costs a sort in the database, not 10,000 Python objects."""
    if start is None and end is None:
        totals = select(
            UserStats.user_id.label("user_id"),
            UserStats.correct.label("correct"),
            UserStats.answered.label("answered"),
        ).where(UserStats.team_id == team_id, UserStats.channel_id == channel_id, UserStats.answered > 0)
    elif (stored := stored_period(start, end)) is not None:
        totals = select(
            PeriodTotal.user_id.label("user_id"),
            PeriodTotal.correct.label("correct"),
            PeriodTotal.answered.label("answered"),
        ).where(
            PeriodTotal.team_id == team_id,
            PeriodTotal.channel_id == channel_id,
            PeriodTotal.period == stored[0],
            PeriodTotal.period_start == stored[1],
        )
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
    period = totals.subquery("period")
    current = effective_current_sql(
        latest_closed_days(session=session, team_id=team_id, channel_id=channel_id, count=MAX_FREEZES + 1)
    )
    accuracy = period.c.correct * 1.0 / period.c.answered
    if by == "accuracy":
        order = (accuracy.desc(), period.c.correct.desc(), current.desc(), period.c.user_id)
    else:
        order = (period.c.correct.desc(), current.desc(), accuracy.desc(), period.c.user_id)
    ranked = select(
        period.c.user_id,
        period.c.correct,
        period.c.answered,
        current.label("current_streak"),
        UserStats.longest_streak.label("longest_streak"),
        func.row_number().over(order_by=order).label("rank"),
    ).join(
        UserStats,
        (UserStats.team_id == team_id)
        & (UserStats.channel_id == channel_id)
        & (UserStats.user_id == period.c.user_id),
    )
    if by == "accuracy":
        ranked = ranked.where(period.c.answered >= MIN_ANSWERS_FOR_ACCURACY)
    ranked_rows = ranked.subquery("ranked")
    statement = select(ranked_rows).order_by(ranked_rows.c.rank)
    if limit is not None:
        wanted = ranked_rows.c.rank <= limit
        if viewer is not None:
            wanted = wanted | (ranked_rows.c.user_id == viewer)
        statement = statement.where(wanted)
    return [
        RankedRow(
            rank=int(row.rank),
            user_id=row.user_id,
            correct=int(row.correct),
            answered=int(row.answered),
            current_streak=int(row.current_streak),
            longest_streak=int(row.longest_streak),
        )
        for row in session.execute(statement)
    ]


def user_channels(*, session: Session, team_id: str, user_id: str) -> list[str]:
    """The channels where a user has answered, for App Home (from the answers themselves, so
    an answer not yet folded counts)."""
    return list(
        session.execute(
            select(Answer.channel_id)
            .where(Answer.team_id == team_id, Answer.user_id == user_id)
            .distinct()
            .order_by(Answer.channel_id)
        ).scalars()
    )
