"""Week and month running totals (`period_totals`): a rebuild from `answers` for bulk loads
(the app keeps them on every answer; `quiz.periods` says which period a quiz day is in)."""

from __future__ import annotations

from sqlalchemy import text

from quiz.periods import MONTH, WEEK

_REBUILD = """
    INSERT INTO period_totals (team_id, channel_id, period, period_start, user_id, answered, correct)
    SELECT team_id, channel_id, :period, {start}, user_id, COUNT(*), SUM(CASE WHEN correct THEN 1 ELSE 0 END)
    FROM answers GROUP BY team_id, channel_id, {start}, user_id
"""
# The first day of the quiz day's week (Monday) and month, in each dialect's SQL.
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
        execute(text(_REBUILD.format(start=_STARTS[(dialect, period)])), {"period": period})
