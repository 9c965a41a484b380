"""A retired question keeps its history but is never offered again: due reviews skip it, while
the id still resolves for what names it."""

from __future__ import annotations

import datetime as dt
import json

from bot.services.catalog import QuestionCatalog
from bot.services.practice import PrivateAnswers
from bot.services.reviews import Reviews
from content import Bank, Lesson, Option, Question
from db.queries import reviews
from db.queries.answers import PRACTICE, record_review
from tests.support.clocks import FakeClock
from tests.unit.quiz_db import TEAM, database

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def make(qid: str, prompt: str, *, retired: bool = False) -> Question:
    return Question(
        id=qid,
        lesson_id="l",
        position=0 if retired else 1,
        prompt=prompt,
        options=(Option("Right", True), Option("Wrong", False)),
        explanation="Right is right.",
        difficulty=1,
        source="A source",
        retired=retired,
        replaced_by="q-new" if retired else None,
    )


OLD = make("q-old", "The retired prompt?", retired=True)
NEW = make("q-new", "The current prompt?")
BANK = Bank(lessons=(Lesson(id="l", number=1, title="L", goal="G", questions=(NEW,), retired=(OLD,)),))


def test_the_bank_resolves_a_retired_id_but_keeps_it_out_of_rotation() -> None:
    assert BANK.question("q-old") is OLD and BANK.current_question("q-old") is None
    assert BANK.questions == [NEW] and BANK.retired == [OLD]


def test_due_reviews_skip_a_retired_question(database_url: str) -> None:
    clock = FakeClock(START)
    with database(database_url) as db:
        with db.writing() as session:
            for question in (OLD, NEW):  # both missed: due again within minutes
                record_review(
                    session=session,
                    team_id=TEAM,
                    user_id="U1",
                    question_id=question.id,
                    correct=False,
                    now=START,
                    source=PRACTICE,
                )
        clock.advance(hours=1)
        catalog = QuestionCatalog(db=db, bank=BANK, clock=clock)
        service = Reviews(
            db=db, catalog=catalog, clock=clock, answers=PrivateAnswers(db=db, catalog=catalog, clock=clock)
        )
        assert service.memory(team_id=TEAM, user_id="U1").due == 1
        shown = json.dumps(service.next_review(team_id=TEAM, user_id="U1").payload())
        assert "The current prompt?" in shown and "The retired prompt?" not in shown
        with db.reading() as session:  # the history stays
            assert set(reviews.cards(session=session, team_id=TEAM, user_id="U1")) == {"q-old", "q-new"}
