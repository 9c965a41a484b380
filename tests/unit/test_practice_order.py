"""Practice order: never-answered first, then questions got wrong longest ago (once three
days have passed), recently-wrong ones held back, correct ones last."""

from __future__ import annotations

import datetime as dt

from bot.services.practice import WRONG_COMES_BACK_AFTER, practice_order
from content import Option, Question
from db.models import QuestionHistory
from db.queries.answers import question_history, record_history
from tests.unit.quiz_db import TEAM, database

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


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


def history(
    qid: str, *, correct: int = 0, wrong: int = 0, last_wrong: float | None = None, last: float
) -> QuestionHistory:
    return QuestionHistory(
        team_id=TEAM,
        user_id="U1",
        question_id=qid,
        correct_count=correct,
        wrong_count=wrong,
        first_correct_at=ago(last) if correct else None,
        last_wrong_at=ago(last_wrong) if last_wrong is not None else None,
        last_answered_at=ago(last),
    )


def order(ids: list[str], histories: list[QuestionHistory], now: dt.datetime = NOW) -> list[str]:
    by_id = {h.question_id: h for h in histories}
    return [q.id for q in practice_order([question(qid) for qid in ids], by_id, now)]


def test_with_no_history_the_bank_order_stands() -> None:
    assert order(["a", "b", "c"], []) == ["a", "b", "c"]


def test_never_answered_come_first_in_bank_order() -> None:
    histories = [history("a", correct=1, last=10), history("c", wrong=1, last_wrong=10, last=10)]
    assert order(["a", "b", "c", "d"], histories) == ["b", "d", "c", "a"]


def test_wrong_longest_ago_comes_next_once_three_days_passed() -> None:
    assert dt.timedelta(days=3) == WRONG_COMES_BACK_AFTER
    histories = [
        history("w5", wrong=1, last_wrong=5, last=5),
        history("w10", wrong=2, last_wrong=10, last=10),
        history("w3", wrong=1, last_wrong=3, last=3),  # exactly three days: ripe
        history("ok", correct=1, last=30),
    ]
    assert order(["ok", "w5", "w10", "w3", "new"], histories) == ["new", "w10", "w5", "w3", "ok"]


def test_a_recently_wrong_question_is_held_back_until_three_days_passed() -> None:
    histories = [
        history("recent", wrong=1, last_wrong=1, last=1),  # never right, wrong yesterday
        history("almost", wrong=1, last_wrong=2.9, last=2.9),
        history("slipped", correct=1, wrong=1, last_wrong=6, last=6),  # right once, wrong since
    ]
    ids = ["recent", "almost", "slipped", "new"]
    # Held back behind every ripe wrong question, even one the user once got right.
    assert order(ids, histories) == ["new", "slipped", "almost", "recent"]
    # Three days later both have come back, ahead of the once-right one, longest ago first.
    later = NOW + dt.timedelta(days=3)
    assert order(ids, histories, later) == ["new", "almost", "recent", "slipped"]


def test_a_question_once_right_then_wrong_comes_back_before_mastered_ones() -> None:
    histories = [
        history("mastered", correct=3, last=20),
        history("slipped", correct=1, wrong=1, last_wrong=6, last=6),
        history("never-right", wrong=1, last_wrong=5, last=5),
    ]
    assert order(["mastered", "slipped", "never-right"], histories) == ["never-right", "slipped", "mastered"]


def test_correct_ones_last_oldest_answer_first() -> None:
    histories = [
        history("c1", correct=1, last=1),
        history("c9", correct=2, last=9),
        history("c4", correct=1, last=4),
    ]
    assert order(["c1", "c9", "c4", "new"], histories) == ["new", "c9", "c4", "c1"]


def test_recently_wrong_comes_before_questions_already_answered_correctly() -> None:
    histories = [
        history("right-long-ago", correct=1, last=30),
        history("wrong-yesterday", wrong=1, last_wrong=1, last=1),
    ]
    assert order(["right-long-ago", "wrong-yesterday"], histories) == ["wrong-yesterday", "right-long-ago"]


def test_order_from_history_kept_in_the_database(database_url: str) -> None:
    with database(database_url) as db:
        with db.writing() as session:

            def record(qid: str, correct: bool, days: float) -> None:
                record_history(
                    session=session,
                    team_id=TEAM,
                    user_id="U1",
                    question_id=qid,
                    correct=correct,
                    now=ago(days),
                )

            record("right", True, 9)
            record("wrong-long-ago", False, 12)
            record("wrong-then-right", False, 8)
            record("wrong-then-right", True, 7)
            record("wrong-lately", False, 10)
            record("wrong-lately", False, 1)  # the latest wrong answer counts, not the first
            record("right", True, 8)
            record_history(
                session=session, team_id=TEAM, user_id="UOTHER", question_id="new", correct=True, now=ago(1)
            )
        with db.reading() as session:
            seen = question_history(session=session, team_id=TEAM, user_id="U1")
        assert (seen["right"].correct_count, seen["right"].wrong_count) == (2, 0)
        assert seen["right"].first_correct_at == ago(9)
        assert seen["wrong-lately"].last_wrong_at == ago(1)
        assert seen["wrong-then-right"].last_wrong_at == ago(8)
        assert seen["wrong-then-right"].last_answered_at == ago(7)
        assert "new" not in seen  # another user's history
        ids = ["right", "wrong-then-right", "wrong-lately", "wrong-long-ago", "new"]
        ordered = [q.id for q in practice_order([question(qid) for qid in ids], seen, NOW)]
        assert ordered[:3] == ["new", "wrong-long-ago", "wrong-then-right"]
        assert set(ordered[3:]) == {"right", "wrong-lately"}
