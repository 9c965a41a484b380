"""Spaced review by FSRS (the `fsrs` package, as Anki uses it, with its default parameters and
learning steps): every graded answer is a review of the person's card for that question,
right = Good, wrong = Again (never Easy: with four options some right answers are guesses).

The scheduling is fsrs's own; this module only maps a stored card to and from fsrs's `Card`
and says what "remembered now" means here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import fsrs.scheduler
from fsrs import Card, Rating, Scheduler, State

# fsrs's defaults: parameters, desired retention 0.9, learning steps 1 and 10 minutes,
# relearning step 10 minutes, fuzzed intervals (so a team's reviews do not all fall on one day).
SCHEDULER = Scheduler()

# The fuzz is drawn from a generator seeded by the review itself (its card and time), not from
# the process's random state: a card is a cache of its review log (db.derived), and replaying
# the log must give back exactly the card that was kept. fsrs draws its fuzz from the module
# function `random()`; this routes it to the current thread's seeded generator.
_draws = threading.local()


def _seeded_random() -> float:
    generator = getattr(_draws, "generator", None)
    return generator.random() if generator is not None else random.random()


fsrs.scheduler.random = _seeded_random  # type: ignore[attr-defined]
REMEMBERED = 0.9  # "remembered now": retrievability at least this (SPEC §10)


@dataclass(frozen=True)
class CardState:
    """A person's card for one question, as stored."""

    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: dt.datetime
    last_review: dt.datetime | None

    def to_fsrs(self) -> Card:
        return Card(
            card_id=0,
            state=State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    @classmethod
    def from_fsrs(cls, card: Card) -> CardState:
        return cls(
            state=card.state.value,
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
        )


def new_card(now: dt.datetime) -> CardState:
    return CardState.from_fsrs(Card(card_id=0, due=now))


def rating(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def was_correct(stored_rating: int) -> bool:
    """Whether a review-log row's rating (`rating(correct).value`) was a right answer."""
    return stored_rating == Rating.Good.value


def review(card: CardState | None, *, correct: bool, now: dt.datetime, seed: str = "") -> CardState:
    """The card after one graded answer at `now` (a first answer starts a new card); `seed`
    names the review (the card's key), so its fuzz is the same however often it is replayed."""
    current = card or new_card(now)
    digest = hashlib.blake2b(f"{seed}|{now.astimezone(dt.UTC).isoformat()}".encode(), digest_size=8).digest()
    _draws.generator = random.Random(int.from_bytes(digest, "big"))
    try:
        reviewed, _log = SCHEDULER.review_card(current.to_fsrs(), rating(correct), now.astimezone(dt.UTC))
    finally:
        _draws.generator = None
    return CardState.from_fsrs(reviewed)


def replay(
    card: CardState | None, reviews: Iterable[tuple[dt.datetime, bool]], *, seed: str
) -> CardState | None:
    """The card after `reviews` ((time, correct), in order) on top of `card` (None: no card yet)."""
    for at, correct in reviews:
        card = review(card, correct=correct, now=at, seed=seed)
    return card


def retrievability(card: CardState, now: dt.datetime) -> float:
    """fsrs's predicted chance of recalling the card at `now` (0 for a card never reviewed)."""
    return SCHEDULER.get_card_retrievability(card.to_fsrs(), now.astimezone(dt.UTC))


def remembered(card: CardState, now: dt.datetime) -> bool:
    """Remembered now: retrievability at least 0.9, and out of (re)learning. fsrs counts
    elapsed time in whole days, so a card missed minutes ago would still read 1.0; a card
    in its learning or relearning steps is by definition not yet remembered."""
    return card.state == State.Review.value and retrievability(card, now) >= REMEMBERED


def is_due(card: CardState, now: dt.datetime) -> bool:
    return card.due <= now


def remembered_at(
    reviews: Sequence[tuple[dt.datetime, bool]], instants: Sequence[dt.datetime]
) -> list[bool | None]:
    """One card's history replayed through FSRS (the scheduler the app uses): at each
    instant (ascending), None before its first review, else whether it was remembered then."""
    card: CardState | None = None
    done = 0
    found: list[bool | None] = []
    for instant in instants:
        while done < len(reviews) and reviews[done][0] <= instant:
            at, correct = reviews[done]
            card = review(card, correct=correct, now=at)
            done += 1
        found.append(None if card is None else remembered(card, instant))
    return found


class Identified(Protocol):
    @property
    def id(self) -> str: ...


Asked = TypeVar("Asked", bound=Identified)


def practice_order(questions: Sequence[Asked], cards: dict[str, CardState], now: dt.datetime) -> list[Asked]:
    """`questions` in the order practice offers them: due cards first (longest overdue first),
    then the lowest retrievability (a question never answered has none, so it comes before one
    half forgotten); curriculum order breaks ties."""

    def key(item: tuple[int, Asked]) -> tuple[int, float, int]:
        position, question = item
        card = cards.get(question.id)
        if card is not None and is_due(card, now):
            return (0, card.due.timestamp(), position)
        return (1, retrievability(card, now) if card else 0.0, position)

    return [question for _, question in sorted(enumerate(questions), key=key)]
