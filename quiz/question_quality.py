"""How good a question is, from how people answered it (item analysis).

Possible bad key: the strongest 27% of a question's players, ranked by their accuracy on the
OTHER questions (Kelley's upper group, as item analysis uses it), chose one wrong option more
often than the key; judged only when that group has at least 8 people. Possible give-away:
nearly everyone (95%, at least 10 answers) got it right, so it teaches little."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

STRONG_SHARE = 0.27
MIN_STRONG = 8
GIVE_AWAY_SHARE = 0.95
MIN_GIVE_AWAY_ANSWERS = 10


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


def give_away(*, answered: int, right: int) -> bool:
    return answered >= MIN_GIVE_AWAY_ANSWERS and right / answered >= GIVE_AWAY_SHARE


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
