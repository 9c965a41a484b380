"""The dashboard's figures as plain data, and the rules behind them: streak buckets, people
active per week, "remembered now" replayed week by week, and the two flags on a question.

Possible bad key: the strongest 27% of a question's players, ranked by their accuracy on the
OTHER questions (Kelley's upper group, as item analysis uses it), chose one wrong option more
often than the key; judged only when that group has at least 8 people. Possible give-away:
nearly everyone (95%, at least 10 answers) got it right, so it teaches little."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from db import spaced

STRONG_SHARE = 0.27
MIN_STRONG = 8
GIVE_AWAY_SHARE = 0.95
MIN_GIVE_AWAY_ANSWERS = 10
# (lowest, highest or None, label) of each bar of the streak chart
STREAK_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "0"),
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 4, "3–4"),
    (5, 9, "5–9"),
    (10, None, "10+"),
)


class Answered(Protocol):
    """One daily answer (`db.queries.dashboard.AnswerRow`)."""

    @property
    def user_id(self) -> str: ...
    @property
    def question_id(self) -> str: ...
    @property
    def option_index(self) -> int: ...
    @property
    def correct(self) -> bool: ...


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
class KeyCheck:
    strong: int  # players in the upper group (0 when too few to judge)
    key_votes: int  # of them, how many chose the key
    distractor: int | None  # the wrong option they chose most (index in the bank file)
    distractor_votes: int

    @property
    def bad_key(self) -> bool:
        return (
            self.strong >= MIN_STRONG
            and self.distractor is not None
            and self.distractor_votes > self.key_votes
        )


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
        return self.answered >= MIN_GIVE_AWAY_ANSWERS and self.share_right >= GIVE_AWAY_SHARE

    @property
    def bad_key(self) -> bool:
        return self.key_check.bad_key


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


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


def remembered_at(
    reviews: Sequence[tuple[dt.datetime, bool]], instants: Sequence[dt.datetime]
) -> list[bool | None]:
    """One card's history replayed through FSRS (`db.spaced`, the scheduler the app uses): at each
    instant (ascending), None before its first review, else whether it was remembered then."""
    card: spaced.CardState | None = None
    done = 0
    found: list[bool | None] = []
    for instant in instants:
        while done < len(reviews) and reviews[done][0] <= instant:
            at, correct = reviews[done]
            card = spaced.review(card, correct=correct, now=at)
            done += 1
        found.append(None if card is None else spaced.remembered(card, instant))
    return found


def key_checks(answers: Sequence[Answered], keys: dict[str, int]) -> dict[str, KeyCheck]:
    """How each question's strongest players (by accuracy on the other questions) answered it;
    `keys` maps a question to its key's option index. One pass for everyone's totals."""
    answered: Counter[str] = Counter()
    right: Counter[str] = Counter()
    by_question: dict[str, list[Answered]] = defaultdict(list)
    for answer in answers:
        answered[answer.user_id] += 1
        right[answer.user_id] += int(answer.correct)
        by_question[answer.question_id].append(answer)
    checks = {}
    for question_id, key_index in keys.items():
        ranked = []
        for answer in by_question.get(question_id, ()):
            others = answered[answer.user_id] - 1
            if others <= 0:
                continue  # nothing else to judge them by
            accuracy = (right[answer.user_id] - int(answer.correct)) / others
            ranked.append((-accuracy, -others, answer.user_id, answer.option_index))
        ranked.sort()
        size = math.ceil(STRONG_SHARE * len(ranked))
        if size < MIN_STRONG:
            checks[question_id] = KeyCheck(strong=0, key_votes=0, distractor=None, distractor_votes=0)
            continue
        votes = Counter(option for *_, option in ranked[:size])
        wrong = sorted((-n, option) for option, n in votes.items() if option != key_index)
        distractor = wrong[0][1] if wrong else None
        checks[question_id] = KeyCheck(
            strong=size,
            key_votes=votes.get(key_index, 0),
            distractor=distractor,
            distractor_votes=votes[distractor] if distractor is not None else 0,
        )
    return checks
