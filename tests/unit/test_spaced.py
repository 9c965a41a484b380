"""Spaced review rules (FSRS through the `fsrs` package): a card's next due date is after its
last review, consecutive right answers give growing intervals, a wrong answer makes the card
due sooner than a right one would; "remembered now" and the cards kept in the database."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator

import pytest
from fsrs import State
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.models import ReviewLog
from db.queries import reviews
from db.queries.answers import PRACTICE, record_review
from quiz import spaced
from tests.unit.quiz_db import TEAM, answer, database, post_day


@pytest.fixture
def monkeypatch_scheduler() -> Iterator[None]:
    """Tests may switch fsrs's fuzz off; the app's scheduler gets its default back after."""
    fuzzing = spaced.SCHEDULER.enable_fuzzing
    yield
    spaced.SCHEDULER.enable_fuzzing = fuzzing


START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

# A history of graded answers: (right?, hours until the next answer).
histories = st.lists(st.tuples(st.booleans(), st.floats(0.05, 24 * 60)), min_size=1, max_size=25)


def replay(history: list[tuple[bool, float]]) -> list[tuple[dt.datetime, spaced.CardState]]:
    """The card after each answer, with the answer's time."""
    card, now, states = None, START, []
    for correct, hours in history:
        card = spaced.review(card, correct=correct, now=now)
        states.append((now, card))
        now += dt.timedelta(hours=hours)
    return states


@settings(max_examples=300, deadline=None)
@given(history=histories, seed=st.integers(0, 2**32 - 1))
def test_the_next_due_date_is_after_the_last_review(history: list[tuple[bool, float]], seed: int) -> None:
    random.seed(seed)  # fsrs fuzzes intervals with the random module
    for reviewed_at, card in replay(history):
        assert card.last_review == reviewed_at
        assert card.due > reviewed_at


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=histories, seed=st.integers(0, 2**32 - 1), rights=st.integers(8, 12), fuzz=st.booleans())
def test_consecutive_right_answers_give_growing_intervals(
    before: list[tuple[bool, float]], seed: int, rights: int, fuzz: bool, monkeypatch_scheduler: None
) -> None:
    """Whatever came before, answering right each time the card comes due never lowers its
    stability, and raises it at every review of a card already in review (a same-day
    learning step may leave it as it was: FSRS-6 only floors that change at 1); without fsrs's
    load-spreading fuzz the intervals never shrink and end longer than they began (fsrs
    rounds to whole days, at least one, so after many misses the first few tie at one day; by
    the eighth right answer they have grown)."""
    random.seed(seed)
    spaced.SCHEDULER.enable_fuzzing = fuzz
    card = replay(before)[-1][1]
    now = max(card.due, card.last_review or START)
    intervals, stabilities = [], []
    for _ in range(rights):
        was_in_review = card.state == State.Review.value
        before_stability = card.stability
        card = spaced.review(card, correct=True, now=now)
        if was_in_review:
            assert card.stability > before_stability
        intervals.append(card.due - now)
        stabilities.append(card.stability)
        now = card.due
    assert all(later >= earlier for earlier, later in itertools.pairwise(stabilities))
    assert stabilities[-1] > stabilities[0]
    if not fuzz:
        assert all(later >= earlier for earlier, later in itertools.pairwise(intervals))
        assert intervals[-1] > max(intervals[0], dt.timedelta(days=1))


@settings(max_examples=300, deadline=None)
@given(before=histories, seed=st.integers(0, 2**32 - 1), wait_hours=st.floats(0.0, 24 * 90))
def test_a_wrong_answer_makes_the_card_due_sooner_than_a_right_one(
    before: list[tuple[bool, float]], seed: int, wait_hours: float
) -> None:
    card = replay(before)[-1][1]
    now = (card.last_review or START) + dt.timedelta(hours=wait_hours)
    random.seed(seed)
    wrong = spaced.review(card, correct=False, now=now)
    random.seed(seed)
    right = spaced.review(card, correct=True, now=now)
    assert wrong.due < right.due
    assert wrong.due - now <= dt.timedelta(minutes=10)  # a missed card is due again within minutes


def test_never_easy_right_is_good_wrong_is_again() -> None:
    assert spaced.rating(True).name == "Good" and spaced.rating(False).name == "Again"


def test_remembered_now_needs_recall_of_90_percent_out_of_learning() -> None:
    missed = spaced.review(None, correct=False, now=START)
    assert spaced.retrievability(missed, START + dt.timedelta(minutes=5)) == 1.0  # fsrs counts whole days
    assert not spaced.remembered(missed, START + dt.timedelta(minutes=5))  # still relearning
    learned = replay([(True, 0.2), (True, 24)])[-1][1]
    assert learned.state == 2  # in review
    assert spaced.remembered(learned, learned.last_review + dt.timedelta(hours=1))
    far = learned.last_review + dt.timedelta(days=365)
    assert spaced.retrievability(learned, far) < 0.9 and not spaced.remembered(learned, far)


def test_every_daily_and_practice_answer_reviews_the_card_in_the_database(database_url: str) -> None:
    with database(database_url) as db:
        post_id = post_day(db, channel="CREV", day=START.date())
        answer(db, post_id=post_id, user="U1", correct=False, now=START)
        with db.writing() as session:
            record_review(
                session=session,
                team_id=TEAM,
                user_id="U1",
                question_id="q-1",
                correct=True,
                now=START + dt.timedelta(hours=1),
                source=PRACTICE,
            )
        with db.reading() as session:
            [card] = reviews.cards(session=session, team_id=TEAM, user_id="U1").values()
            log = session.query(ReviewLog).order_by(ReviewLog.id).all()
            due_now = reviews.due_count(
                session=session, team_id=TEAM, user_id="U1", now=START + dt.timedelta(hours=1)
            )
        assert [(entry.source, entry.rating) for entry in log] == [("daily", 1), ("practice", 3)]
        assert card.last_review == START + dt.timedelta(hours=1)
        expected = spaced.review(
            spaced.review(None, correct=False, now=START), correct=True, now=START + dt.timedelta(hours=1)
        )
        assert (card.state, card.step) == (expected.state, expected.step)
        assert due_now == 0  # just reviewed: due again in minutes, not yet
