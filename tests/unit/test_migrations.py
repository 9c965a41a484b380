"""Migrations on a database with history: 0003 counts existing answers into the week and
month totals, the same totals the app keeps on every new answer; 0006 turns answer history into
review cards; 0011 makes the answers and the review log the source of truth, and goes back
without losing anything."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from db.migrate import alembic_config, upgrade
from quiz import spaced
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
    upgrade(url, "0010")
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


def _history_at_0010(url: str) -> None:
    """A closed and an open post, answers to both, and the cards and log 0006 made of them."""
    upgrade(url, "0005")
    engine = create_engine(url)
    t1, t2 = dt.datetime(2026, 11, 2, 9, 0), dt.datetime(2026, 11, 3, 9, 0)
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
                "(2, 2, 'T1', 'C1', 'UA', :d2, 'basics-2', 0, true, :t2), "
                "(3, 2, 'T1', 'C1', 'UB', :d2, 'basics-2', 1, false, :t2)"
            ),
            {"d1": t1.date(), "d2": t2.date(), "t1": t1, "t2": t2},
        )
        connection.execute(
            text(
                "INSERT INTO question_history (team_id, user_id, question_id, correct_count, wrong_count, "
                "first_correct_at, last_wrong_at, last_answered_at) VALUES "
                "('T1', 'UA', 'basics-1', 0, 1, NULL, :t1, :t1), ('T1', 'UA', 'basics-2', 1, 0, :t2, NULL, :t2), "
                "('T1', 'UB', 'basics-2', 0, 1, NULL, :t2, :t2)"
            ),
            {"t1": t1, "t2": t2},
        )
    engine.dispose()
    upgrade(url, "0010")


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_0011_marks_history_folded_keeps_the_cards_and_rebuilds_from_the_answers(
    database_factory: DatabaseFactory,
) -> None:
    from db import derived
    from db.engine import Database

    url = database_factory.new_empty()
    _history_at_0010(url)
    cards = "SELECT user_id, question_id, state, step, stability FROM review_cards ORDER BY 1, 2"
    cards_before = _rows(url, cards)
    assert len(cards_before) == 3
    upgrade(url)
    assert _rows(url, "SELECT COUNT(*) FROM answers WHERE folded IS NULL") == [(0,)]
    assert _rows(url, "SELECT COUNT(*) FROM review_log WHERE folded IS NULL") == [(0,)]
    assert _rows(url, cards) == cards_before
    db = Database(url)
    try:
        with db.writing() as session:
            assert derived.rebuild(session=session) == 6  # three answers, three log rows
    finally:
        db.dispose()
    assert _rows(
        url, "SELECT user_id, answered, correct, current_streak, longest_streak FROM user_stats ORDER BY 1"
    ) == [("UA", 2, 1, 1, 1), ("UB", 1, 0, 0, 0)]
    replayed = _rows(url, cards)  # replayed from the log: the same states
    assert [row[:4] for row in replayed] == [row[:4] for row in cards_before]
    assert [row[4] for row in replayed] == pytest.approx([row[4] for row in cards_before])


def test_0011_goes_back_to_0010_with_history_and_card_counts_recomputed(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.new_empty()
    _history_at_0010(url)
    history = _rows(
        url,
        "SELECT team_id, user_id, question_id, correct_count, wrong_count FROM question_history "
        "ORDER BY user_id, question_id",
    )
    counts = _rows(url, "SELECT user_id, question_id, reviews, lapses FROM review_cards ORDER BY 1, 2")
    linked = _rows(
        url,
        "SELECT l.user_id, l.question_id, c.question_id FROM review_log l JOIN review_cards c "
        "ON c.id = l.card_id ORDER BY 1, 2",
    )
    upgrade(url)
    command.downgrade(alembic_config(url), "0010")
    assert (
        _rows(
            url,
            "SELECT team_id, user_id, question_id, correct_count, wrong_count FROM question_history "
            "ORDER BY user_id, question_id",
        )
        == history
    )
    assert (
        _rows(url, "SELECT user_id, question_id, reviews, lapses FROM review_cards ORDER BY 1, 2") == counts
    )
    assert (
        _rows(
            url,
            "SELECT l.user_id, l.question_id, c.question_id FROM review_log l JOIN review_cards c "
            "ON c.id = l.card_id ORDER BY 1, 2",
        )
        == linked
    )
    assert len(history) == 3 and len(linked) == 3


def test_0011_will_not_go_back_while_rows_wait_to_be_folded(database_factory: DatabaseFactory) -> None:
    url = database_factory.new_empty()
    _history_at_0010(url)
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE answers SET folded = NULL WHERE id = 3"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="leader-quiz db rebuild"):
        command.downgrade(alembic_config(url), "0010")
    assert _rows(url, "SELECT COUNT(*) FROM answers WHERE folded IS NULL") == [(1,)]


def test_the_head_read_from_the_file_names_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_a_command_on_a_current_database_does_not_load_alembic(database_factory: DatabaseFactory) -> None:
    """`ensure_current` migrates a new database, and on a current one reads one row (the CLI's
    read commands start without Alembic)."""
    import subprocess
    import sys

    from db.migrate import current_revision, head_revision

    url = database_factory.new_empty()
    probe = (
        "import sys; from db.migrate import ensure_current; ensure_current(sys.argv[1]); "
        "print('alembic' in sys.modules)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs == ["True\n", "False\n"]  # migrated the first time; the second only looked
    assert current_revision(url) == head_revision()
