"""Choosing a practice question that teaches: never-mastered questions first, then those
the user got wrong longest ago (once a few days have passed), then the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from content import Question
from db.models import QuestionHistory

# A question answered wrong comes back in practice only after this long (spacing).
WRONG_COMES_BACK_AFTER = dt.timedelta(days=3)


def practice_order(
    questions: Sequence[Question], history: dict[str, QuestionHistory], now: dt.datetime
) -> list[Question]:
    """`questions` in the order practice should offer them."""
    ripe = now - WRONG_COMES_BACK_AFTER
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)

    def key(item: tuple[int, Question]) -> tuple:
        position, question = item
        seen = history.get(question.id)
        if seen is None:
            return (0, 0, epoch, position)  # never tried, in curriculum order
        wrong_recently = seen.last_wrong_at is not None and seen.last_wrong_at > ripe
        if seen.correct_count == 0 and not wrong_recently:
            return (0, 1, seen.last_wrong_at or epoch, position)  # never right, due again
        if seen.last_wrong_at is not None and not wrong_recently:
            return (1, 0, seen.last_wrong_at, position)  # wrong once, longest ago first
        if seen.correct_count == 0:
            return (2, 0, seen.last_wrong_at, position)  # never right, but just missed: spaced
        return (3, 0, seen.last_answered_at, position)  # mastered: least recently seen first

    return [question for _, question in sorted(enumerate(questions), key=key)]
