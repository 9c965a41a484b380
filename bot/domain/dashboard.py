"""The dashboard's figures as plain data, with the charts' buckets: streaks by length and people
active per week (the flags on a question are `quiz.question_quality`'s rules)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from quiz.periods import week_start
from quiz.question_quality import KeyCheck, give_away

# (lowest, highest or None, label) of each bar of the streak chart
STREAK_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "0"),
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 4, "3–4"),
    (5, 9, "5–9"),
    (10, None, "10+"),
)


@dataclass(frozen=True)
class DayPoint:
    quiz_day: dt.date
    answered: int
    correct: int

    @property
    def share_right(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class Overview:
    channel_id: str
    days: list[DayPoint]  # the latest quiz days, oldest first
    active_weeks: list[Count]  # people who answered, per week (label: the Monday)
    streaks: list[Count]  # people per current-streak bucket
    people: int  # everyone who ever answered here
    active_7: int  # people who answered in the last 7 days
    active_30: int


@dataclass(frozen=True)
class LessonSeries:
    lesson: str
    points: list[tuple[int, int]]  # per week: (cards remembered, cards)

    def share(self, index: int) -> float | None:
        remembered, cards = self.points[index]
        return remembered / cards if cards else None


@dataclass(frozen=True)
class Learning:
    channel_id: str
    weeks: list[dt.date]  # the Monday of each week; its point is taken at the week's end (or now)
    lessons: list[LessonSeries]  # lessons with at least one card, in bank order


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    lesson: str
    prompt: str
    answered: int
    right: int
    top_wrong: str | None  # the most-chosen wrong option's text
    top_wrong_count: int
    key_check: KeyCheck
    bad_key_option: str | None  # the distractor the strongest players preferred, when flagged

    @property
    def share_right(self) -> float:
        return self.right / self.answered if self.answered else 0.0

    @property
    def give_away(self) -> bool:
        return give_away(answered=self.answered, right=self.right)

    @property
    def bad_key(self) -> bool:
        return self.key_check.bad_key


def streak_buckets(streaks: Iterable[int]) -> list[Count]:
    counts = [0] * len(STREAK_BUCKETS)
    for streak in streaks:
        for index, (low, high, _) in enumerate(STREAK_BUCKETS):
            if streak >= low and (high is None or streak <= high):
                counts[index] += 1
                break
    return [Count(label, count) for (_, _, label), count in zip(STREAK_BUCKETS, counts, strict=True)]


def active_by_week(answers: Iterable[tuple[dt.date, str]], weeks: Sequence[dt.date]) -> list[Count]:
    """Distinct people who answered in each week (weeks given by their Monday)."""
    people: dict[dt.date, set[str]] = defaultdict(set)
    for day, user in answers:
        people[week_start(day)].add(user)
    return [Count(week.isoformat(), len(people.get(week, ()))) for week in weeks]
