"""Practice order by FSRS: due cards first (longest overdue first), then the lowest
retrievability (never answered = none), curriculum order breaking ties."""

from __future__ import annotations

import datetime as dt

from content import Option, Question
from db.queries import reviews
from db.queries.answers import PRACTICE, record_review
from quiz import spaced
from quiz.spaced import practice_order
from tests.unit.quiz_db import TEAM, database

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


def question(qid: str) -> Question:
    return Question(
        id=qid,
        lesson_id="l",
        position=1,
        prompt="?",
        options=(Option("yes", True), Option("no", False)),
        explanation="yes",
        difficulty=1,
        source="s",
    )


def answered(*outcomes: tuple[float, bool]) -> spaced.CardState:
    """A card reviewed at these (days ago, right?) moments, oldest first."""
    card = None
    for days_ago, correct in outcomes:
        card = spaced.review(card, correct=correct, now=NOW - dt.timedelta(days=days_ago))
    assert card is not None
    return card


def order(ids: list[str], cards: dict[str, spaced.CardState], now: dt.datetime = NOW) -> list[str]:
    return [q.id for q in practice_order([question(qid) for qid in ids], cards, now)]


def test_with_no_cards_the_bank_order_stands() -> None:
    assert order(["a", "b", "c"], {}) == ["a", "b", "c"]


def test_due_cards_come_first_longest_overdue_first() -> None:
    cards = {
        "missed-long-ago": answered((30, False)),  # due again 10 minutes after, a month ago
        "missed-yesterday": answered((1, False)),
        "known": answered((3, True), (2, True)),  # due in days, not yet
    }
    assert spaced.is_due(cards["missed-long-ago"], NOW) and spaced.is_due(cards["missed-yesterday"], NOW)
    assert not spaced.is_due(cards["known"], NOW)
    assert order(["known", "new", "missed-yesterday", "missed-long-ago"], cards) == [
        "missed-long-ago",
        "missed-yesterday",
        "new",  # no card: retrievability 0, before anything half remembered
        "known",
    ]


def test_not_due_cards_go_by_lowest_retrievability() -> None:
    fresh = answered((2.0, True), (1.99, True))  # learned two days ago
    older = answered((40, True), (39.99, True))  # learned long ago and not seen since
    cards = {"fresh": fresh, "older": older}
    if spaced.is_due(older, NOW):  # the older card may already be due: it then leads anyway
        assert order(["fresh", "older"], cards) == ["older", "fresh"]
        return
    assert spaced.retrievability(older, NOW) < spaced.retrievability(fresh, NOW)
    assert order(["fresh", "older"], cards) == ["older", "fresh"]


def test_order_from_cards_kept_in_the_database(database_url: str) -> None:
    with database(database_url) as db:
        with db.writing() as session:
            for qid, correct in (("b", False), ("c", True)):
                record_review(
                    session=session,
                    team_id=TEAM,
                    user_id="U1",
                    question_id=qid,
                    correct=correct,
                    now=NOW - dt.timedelta(days=5),
                    source=PRACTICE,
                )
        with db.reading() as session:
            cards = reviews.cards(session=session, team_id=TEAM, user_id="U1")
    assert set(cards) == {"b", "c"}
    # b was missed (due within minutes, long since), a was never seen, c was right (due in 10 minutes
    # after its first Good, so due by now too, but later than b).
    assert order(["a", "b", "c"], cards) == ["b", "c", "a"]
