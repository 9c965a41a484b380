"""Week and month running totals (`period_totals`): the period a quiz day falls in, and a
rebuild from `answers` for migrations and bulk loads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

WEEK, MONTH = "week", "month"


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def stored_period(start: dt.date | None, end: dt.date | None) -> tuple[str, dt.date] | None:
    """("week", monday) or ("month", first) when [start, end] is exactly one stored period."""
    if start is None or end is None:
        return None
    if start.weekday() == 0 and end == start + dt.timedelta(days=6):
        return WEEK, start
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    if start.day == 1 and end == next_month - dt.timedelta(days=1):
        return MONTH, start
    return None


_REBUILD = {
    "sqlite": """
        INSERT INTO period_totals (team_id, channel_id, period, period_start, user_id, answered, correct)
        SELECT team_id, channel_id, :period, {start}, user_id, COUNT(*), SUM(CASE WHEN correct THEN 1 ELSE 0 END)
        FROM answers GROUP BY team_id, channel_id, {start}, user_id
    """,
    "postgresql": """
        INSERT INTO period_totals (team_id, channel_id, period, period_start, user_id, answered, correct)
        SELECT team_id, channel_id, :period, {start}, user_id, COUNT(*), SUM(CASE WHEN correct THEN 1 ELSE 0 END)
        FROM answers GROUP BY team_id, channel_id, {start}, user_id
    """,
}
_STARTS = {
    ("sqlite", WEEK): "date(quiz_day, '-6 days', 'weekday 1')",
    ("sqlite", MONTH): "date(quiz_day, 'start of month')",
    ("postgresql", WEEK): "CAST(date_trunc('week', quiz_day) AS date)",
    ("postgresql", MONTH): "CAST(date_trunc('month', quiz_day) AS date)",
}


def rebuild_period_totals(connection: object, dialect: str) -> None:
    """Recompute every week and month total from `answers` (after a bulk load)."""
    execute = connection.execute  # type: ignore[attr-defined]
    execute(text("DELETE FROM period_totals"))
    for period in (WEEK, MONTH):
        execute(text(_REBUILD[dialect].format(start=_STARTS[(dialect, period)])), {"period": period})


def rebuild_in_session(session: Session) -> None:
    rebuild_period_totals(session, session.get_bind().dialect.name)
