"""Migrations on a database with history: 0003 counts existing answers into the week and
month totals, the same totals the app keeps on every new answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text

from db import spaced
from db.migrate import upgrade
from tests.support.databases import DatabaseFactory


def test_0003_backfills_week_and_month_totals(database_factory: DatabaseFactory) -> None:
    url = database_factory.new_empty()
    upgrade(url, "0002")
    engine = create_engine(url)
    now = dt.datetime(2026, 11, 2, 9, 0)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO posts (id, team_id, channel_id, quiz_day, timezone, question_id, cycle, status, "
                "claimed_at) VALUES (1, 'T1', 'C1', :d1, 'UTC', 'basics-1', 0, 'closed', :now), "
                "(2, 'T1', 'C1', :d2, 'UTC', 'basics-2', 0, 'open', :now)"
            ),
            {"d1": dt.date(2026, 10, 31), "d2": dt.date(2026, 11, 2), "now": now},
        )
        for answer_id, post_id, day, user, correct in [
            (1, 1, dt.date(2026, 10, 31), "UA", True),
            (2, 1, dt.date(2026, 10, 31), "UB", False),
            (3, 2, dt.date(2026, 11, 2), "UA", True),
        ]:
            connection.execute(
                text(
                    "INSERT INTO answers (id, post_id, team_id, channel_id, user_id, quiz_day, question_id, "
                    "option_index, correct, answered_at) VALUES (:id, :post, 'T1', 'C1', :user, :day, 'q', 0, "
                    ":correct, :now)"
                ),
                {"id": answer_id, "post": post_id, "user": user, "day": day, "correct": correct, "now": now},
            )
    upgrade(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT period, period_start, user_id, answered, correct FROM period_totals ORDER BY 1, 2, 3"
            )
        ).all()
    engine.dispose()
    as_tuples = [(p, str(s)[:10], u, a, c) for p, s, u, a, c in rows]
    assert as_tuples == [
        ("month", "2026-10-01", "UA", 1, 1),
        ("month", "2026-10-01", "UB", 1, 0),
        ("month", "2026-11-01", "UA", 1, 1),
        ("week", "2026-10-26", "UA", 1, 1),  # Saturday 31 October: the week of Monday the 26th
        ("week", "2026-10-26", "UB", 1, 0),
        ("week", "2026-11-02", "UA", 1, 1),
    ]


def test_0006_turns_answer_history_into_review_cards(database_factory: DatabaseFactory) -> None:
    url = database_factory.new_empty()
    upgrade(url, "0005")
    engine = create_engine(url)
    t1, t2 = dt.datetime(2026, 11, 2, 9, 0), dt.datetime(2026, 11, 3, 9, 0)
    practice_at = dt.datetime(2026, 11, 4, 18, 0)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO posts (id, team_id, channel_id, quiz_day, timezone, question_id, cycle, status, "
                "claimed_at) VALUES (1, 'T1', 'C1', :d1, 'UTC', 'basics-1', 0, 'closed', :t1), "
                "(2, 'T1', 'C1', :d2, 'UTC', 'basics-2', 0, 'open', :t2)"
            ),
            {"d1": t1.date(), "d2": t2.date(), "t1": t1, "t2": t2},
        )
        connection.execute(
            text(
                "INSERT INTO answers (id, post_id, team_id, channel_id, user_id, quiz_day, question_id, "
                "option_index, correct, answered_at) VALUES "
                "(1, 1, 'T1', 'C1', 'UA', :d1, 'basics-1', 1, false, :t1), "
                "(2, 2, 'T1', 'C1', 'UA', :d2, 'basics-2', 0, true, :t2)"
            ),
            {"d1": t1.date(), "d2": t2.date(), "t1": t1, "t2": t2},
        )
        # basics-1: wrong on its quiz day, then right in practice; basics-2: right on its day.
        connection.execute(
            text(
                "INSERT INTO question_history (team_id, user_id, question_id, correct_count, wrong_count, "
                "first_correct_at, last_wrong_at, last_answered_at) VALUES "
                "('T1', 'UA', 'basics-1', 1, 1, :p, :t1, :p), ('T1', 'UA', 'basics-2', 1, 0, :t2, NULL, :t2)"
            ),
            {"t1": t1, "t2": t2, "p": practice_at},
        )
    upgrade(url)
    with engine.connect() as connection:
        cards = {
            row.question_id: row
            for row in connection.execute(text("SELECT * FROM review_cards WHERE user_id = 'UA'"))
        }
        log = connection.execute(
            text("SELECT question_id, rating, source FROM review_log ORDER BY question_id, reviewed_at")
        ).all()
    engine.dispose()
    assert set(cards) == {"basics-1", "basics-2"}
    assert (cards["basics-1"].reviews, cards["basics-1"].lapses) == (2, 1)
    assert (cards["basics-2"].reviews, cards["basics-2"].lapses) == (1, 0)
    assert [tuple(r) for r in log] == [
        ("basics-1", 1, "history"),  # wrong on 2 November: Again
        ("basics-1", 3, "history"),  # right in practice on the 4th: Good
        ("basics-2", 3, "history"),
    ]
    utc = dt.UTC
    expected = spaced.review(
        spaced.review(None, correct=False, now=t1.replace(tzinfo=utc)),
        correct=True,
        now=practice_at.replace(tzinfo=utc),
    )
    row = cards["basics-1"]
    assert (row.state, row.step) == (expected.state, expected.step)
    assert abs(row.stability - expected.stability) < 1e-9
