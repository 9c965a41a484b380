"""Grading: the order a question's options are shown in (seeded, so every replica agrees and
the key's position cannot be learned), the letter a click names, and what a practice or
review button's value carries."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

LETTERS = "ABCDE"
DAILY_ACTION_PREFIX = "answer_"
PRACTICE_ACTION_PREFIX = "practice_"
REVIEW_ACTION_PREFIX = "review_"


class Choice(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def correct(self) -> bool: ...


class Gradable(Protocol):
    """What grading needs of a question (`content.Question` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def options(self) -> Sequence[Choice]: ...


@dataclass(frozen=True)
class ShownOption:
    letter: str
    index: int  # index in the bank file
    text: str
    correct: bool


def option_order(question: Gradable, seed: str) -> list[ShownOption]:
    """The options as shown in one post: shuffled deterministically from `seed` (the post),
    so the correct option's position cannot be learned and every replica agrees on it."""
    indexes = list(range(len(question.options)))
    random.Random(f"{seed}:{question.id}").shuffle(indexes)
    return [
        ShownOption(
            letter=LETTERS[position],
            index=index,
            text=question.options[index].text,
            correct=question.options[index].correct,
        )
        for position, index in enumerate(indexes)
    ]


def daily_options(question: Gradable, post_id: int) -> list[ShownOption]:
    """The order a daily post shows its options in (and so the letters its clicks name)."""
    return option_order(question, f"post-{post_id}")


def parse_daily_value(value: str) -> tuple[int, str] | None:
    """(post id, letter) from a daily question's button value; None if it is not one."""
    post_id, _, letter = value.partition(":")
    if not post_id.isdigit() or len(post_id) > 12 or len(letter) != 1:
        return None
    return int(post_id), letter


def correct_option(options: Sequence[ShownOption]) -> ShownOption:
    return next(option for option in options if option.correct)


def find_option(options: Sequence[ShownOption], letter: str) -> ShownOption | None:
    return next((option for option in options if option.letter == letter), None)


@dataclass(frozen=True)
class PrivateKind:
    """A question for one person, graded privately: practice, or a due review."""

    name: str  # seeds the option order, names the block
    action_prefix: str
    value_tag: str  # the button value's first part: `<tag>:<question id>@<version>:<seed>:<letter>`
    title: str
    note: str


PRACTICE = PrivateKind(
    "practice",
    PRACTICE_ACTION_PREFIX,
    "p",
    "Practice",
    "Practice counts toward lesson progress, never streaks",
)
REVIEW = PrivateKind(
    "review", REVIEW_ACTION_PREFIX, "r", "Review", "A due review, spaced so it sticks; never changes streaks"
)


def private_options(kind: PrivateKind, question: Gradable, seed: int) -> list[ShownOption]:
    return option_order(question, f"{kind.name}-{seed}")


def private_value(kind: PrivateKind, question_id: str, version: str, seed: int) -> str:
    """A practice or review button's value but for its `:<letter>` (`parse_private_value` reads it)."""
    return f"{kind.value_tag}:{question_id}@{version}:{seed}"


def parse_private_value(value: str, kind: PrivateKind) -> tuple[str, str | None, int, str] | None:
    """(question id, version, seed, letter) from a practice or review button's value (the
    version it was shown in; None from a button made before versions); None if it is not one."""
    parts = value.split(":")
    if (
        len(parts) != 4
        or parts[0] != kind.value_tag
        or not parts[2].isdigit()
        or len(parts[2]) > 12
        or len(parts[3]) != 1
    ):
        return None
    question_id, _, version = parts[1].partition("@")
    return question_id, version or None, int(parts[2]), parts[3]
