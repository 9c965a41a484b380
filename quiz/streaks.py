"""Streak rules (SPEC §5, with streak freezes) as pure functions: the incremental update the
database keeps, and the plain reference definition the property tests hold it to.

Freezes: one is earned for every 7 consecutive quiz days answered correctly, at most 2 are
held, and one is spent automatically on a quiz day that closed without the user's answer,
so the streak survives it. A wrong answer is not a miss: it ends the streak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

FREEZE_EVERY = 7
MAX_FREEZES = 2


@dataclass(frozen=True)
class StreakState:
    current: int = 0  # as of last_answered_day
    longest: int = 0
    last_answered_day: dt.date | None = None
    freezes_held: int = 0
    freezes_used: int = 0
    freeze_progress: int = 0  # consecutive correct quiz days toward the next freeze


def apply_misses(state: StreakState, missed: int) -> StreakState:
    """`missed` quiz days closed without an answer: each spends a freeze if one is held;
    the first miss with none left ends the streak."""
    if missed <= 0:
        return state
    spent = min(missed, state.freezes_held)
    ended = missed > state.freezes_held
    return replace(
        state,
        current=0 if ended else state.current,
        freezes_held=state.freezes_held - spent,
        freezes_used=state.freezes_used + spent,
        freeze_progress=0,
    )


def apply_answer(state: StreakState, *, day: dt.date, correct: bool, missed_between: int) -> StreakState:
    """The state after an answer on quiz day `day`, given how many of the channel's quiz days
    closed unanswered between the user's last answered day and `day`."""
    if state.last_answered_day is not None and day < state.last_answered_day:
        return state  # a late answer to an older question never rewrites a newer streak
    state = apply_misses(state, missed_between)
    if not correct:
        return replace(state, current=0, freeze_progress=0, last_answered_day=day)
    current = state.current + 1
    progress = state.freeze_progress + 1
    held = state.freezes_held
    if progress >= FREEZE_EVERY:
        progress, held = 0, min(MAX_FREEZES, held + 1)
    return replace(
        state,
        current=current,
        longest=max(state.longest, current),
        last_answered_day=day,
        freezes_held=held,
        freeze_progress=progress,
    )


def effective_state(state: StreakState, *, closed_since: int) -> StreakState:
    """The state shown now: quiz days that closed after the last answer are misses."""
    return apply_misses(state, closed_since)


@dataclass(frozen=True)
class QuizDay:
    day: dt.date
    closed: bool


def reference_state(quiz_days: Iterable[QuizDay], answers: dict[dt.date, bool]) -> StreakState:
    """Straight from the definition: walk the channel's quiz days in order. A correct answer
    extends the run (every 7th in a row earns a freeze, at most 2 held); a wrong answer ends
    it; a closed unanswered day spends a freeze or, with none, ends it; an open unanswered day
    changes nothing."""
    run = longest = held = used = progress = 0
    last: dt.date | None = None
    for quiz_day in sorted(quiz_days, key=lambda q: q.day):
        outcome = answers.get(quiz_day.day)
        if outcome is not None:
            last = quiz_day.day
        if outcome is True:
            run += 1
            longest = max(longest, run)
            progress += 1
            if progress == FREEZE_EVERY:
                progress, held = 0, min(MAX_FREEZES, held + 1)
        elif outcome is False:
            run = progress = 0
        elif quiz_day.closed:
            progress = 0
            if held:
                held, used = held - 1, used + 1
            else:
                run = 0
    return StreakState(run, longest, last, held, used, progress)


def reference_streaks(quiz_days: Iterable[QuizDay], answers: dict[dt.date, bool]) -> tuple[int, int]:
    state = reference_state(quiz_days, answers)
    return state.current, state.longest
