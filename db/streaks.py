"""Streak rules (SPEC §5) as pure functions: the incremental update the database keeps,
and the plain reference definition the property tests hold it to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class StreakState:
    current: int = 0  # as of last_answered_day
    longest: int = 0
    last_answered_day: dt.date | None = None


def apply_answer(state: StreakState, *, day: dt.date, correct: bool, missed_between: bool) -> StreakState:
    """The state after an answer on quiz day `day`.

    `missed_between` says whether the channel had a quiz day after the user's last answered
    day and before `day`: the user missed it, so their old streak had already ended.
    """
    if state.last_answered_day is not None and day < state.last_answered_day:
        return state  # a late answer to an older question never rewrites a newer streak
    base = 0 if missed_between else state.current
    current = base + 1 if correct else 0
    return StreakState(current=current, longest=max(state.longest, current), last_answered_day=day)


def effective_current(state: StreakState, *, closed_quiz_day_since: bool) -> int:
    """The streak shown now: a quiz day that closed after the last answer was a miss."""
    return 0 if closed_quiz_day_since else state.current


@dataclass(frozen=True)
class QuizDay:
    day: dt.date
    closed: bool


def reference_streaks(quiz_days: Iterable[QuizDay], answers: dict[dt.date, bool]) -> tuple[int, int]:
    """(current, longest) straight from the definition: walk the channel's quiz days in
    order; a correct answer extends the run; a wrong answer or a closed unanswered day ends
    it; an open unanswered day changes nothing."""
    run = longest = 0
    for quiz_day in sorted(quiz_days, key=lambda q: q.day):
        outcome = answers.get(quiz_day.day)
        if outcome is True:
            run += 1
            longest = max(longest, run)
        elif outcome is False or quiz_day.closed:
            run = 0
    return run, longest
