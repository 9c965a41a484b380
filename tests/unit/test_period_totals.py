"""Week and month running totals: kept on every answer, equal to a rebuild from answers,
and used by the leaderboard only for exactly one stored period."""

from __future__ import annotations

import datetime as dt

from db.queries.period_totals import rebuild_period_totals
from db.queries.stats import leaderboard
from quiz.periods import MONTH, WEEK, stored_period
from tests.unit.quiz_db import TEAM, answer, database, post_day


def test_stored_period_recognises_exact_weeks_and_months_only() -> None:
    monday = dt.date(2026, 11, 23)
    assert stored_period(monday, monday + dt.timedelta(days=6)) == (WEEK, monday)
    assert stored_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == (MONTH, dt.date(2026, 11, 1))
    assert stored_period(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == (MONTH, dt.date(2026, 2, 1))
    assert stored_period(monday, monday + dt.timedelta(days=5)) is None
    assert stored_period(dt.date(2026, 11, 24), dt.date(2026, 11, 30)) is None
    assert stored_period(None, None) is None


def test_running_totals_equal_a_rebuild_and_the_answers(database_url: str) -> None:
    with database(database_url) as db:
        start = dt.date(2026, 10, 26)  # a week that spans October and November
        for index in range(12):
            post_id = post_day(db, channel="CPER", day=start + dt.timedelta(days=index))
            for n in range(4):
                if (index + n) % 3:
                    answer(db, post_id=post_id, user=f"U{n}", correct=(index * n) % 2 == 0)

        def boards() -> list:
            with db.reading() as session:
                return [
                    leaderboard(session=session, team_id=TEAM, channel_id="CPER", start=s, end=e)
                    for s, e in [
                        (dt.date(2026, 10, 26), dt.date(2026, 11, 1)),  # stored week
                        (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),  # stored month
                        (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
                        (dt.date(2026, 10, 27), dt.date(2026, 11, 2)),  # not a stored period: answers
                    ]
                ]

        kept = boards()
        with db.writing() as session:
            rebuild_period_totals(session, session.get_bind().dialect.name)
        assert boards() == kept
        # The stored week agrees with aggregating the answers over the same days.
        with db.reading() as session:
            from sqlalchemy import text

            rows = session.execute(
                text(
                    "SELECT user_id, COUNT(*), SUM(CASE WHEN correct THEN 1 ELSE 0 END) FROM answers "
                    "WHERE quiz_day BETWEEN :a AND :b GROUP BY user_id"
                ),
                {"a": dt.date(2026, 10, 26), "b": dt.date(2026, 11, 1)},
            ).all()
        assert {(r[0], r[1], r[2]) for r in rows} == {(r.user_id, r.answered, r.correct) for r in kept[0]}
