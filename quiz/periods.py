"""Week and month by quiz day: the one home of period arithmetic. Leaderboards, team
boards, exports, recaps and the stored running totals all bucket quiz days through here."""

from __future__ import annotations

import datetime as dt

WEEK, MONTH, ALL = "week", "month", "all"
PERIODS = (WEEK, MONTH, ALL)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return (month_start(day) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s."""
    return month_start(month_start(day) - dt.timedelta(days=1))


def period_bounds(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Quiz-day bounds (inclusive) of the week (Monday-Sunday) or month containing `today`;
    (None, None) for all time."""
    if period == WEEK:
        start = week_start(today)
        return start, start + dt.timedelta(days=6)
    if period == MONTH:
        return month_start(today), month_end(today)
    if period == ALL:
        return None, None
    raise ValueError(f"unknown period {period!r}; use week, month or all")


def stored_period(start: dt.date | None, end: dt.date | None) -> tuple[str, dt.date] | None:
    """(WEEK, monday) or (MONTH, first) when [start, end] is exactly one stored period."""
    if start is None or end is None:
        return None
    if (start, end) == period_bounds(WEEK, start):
        return WEEK, start
    if (start, end) == period_bounds(MONTH, start):
        return MONTH, start
    return None
