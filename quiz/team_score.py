"""The team score as pure functions: correct answers per member per quiz day, ties to the
higher turnout, then to the name (exact fractions, so equal ratios tie)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


def team_score(*, correct: int, members: int, quiz_days: int) -> Fraction:
    """Correct answers per member per quiz day (0 for a team or period with nobody/nothing)."""
    slots = members * quiz_days
    return Fraction(correct, slots) if slots > 0 else Fraction(0)


def team_turnout(*, answered: int, members: int, quiz_days: int) -> Fraction:
    """The share of (member, quiz day) pairs that got an answer."""
    slots = members * quiz_days
    return Fraction(answered, slots) if slots > 0 else Fraction(0)


@dataclass(frozen=True)
class QuizTeamTotals:
    """What the database adds up for one team over a period."""

    name: str
    members: int
    correct: int
    answered: int


@dataclass(frozen=True)
class QuizTeamStanding:
    rank: int
    name: str
    members: int
    correct: int
    answered: int
    quiz_days: int

    @property
    def exact_score(self) -> Fraction:
        return team_score(correct=self.correct, members=self.members, quiz_days=self.quiz_days)

    @property
    def exact_turnout(self) -> Fraction:
        return team_turnout(answered=self.answered, members=self.members, quiz_days=self.quiz_days)

    @property
    def score(self) -> float:
        return float(self.exact_score)

    @property
    def turnout(self) -> float:
        return float(self.exact_turnout)


def rank_teams(totals: Iterable[QuizTeamTotals], *, quiz_days: int) -> list[QuizTeamStanding]:
    """Order by score, then turnout (both exact fractions, so equal ratios tie), then name."""

    def key(t: QuizTeamTotals) -> tuple[Fraction, Fraction, str, str]:
        score = team_score(correct=t.correct, members=t.members, quiz_days=quiz_days)
        turnout = team_turnout(answered=t.answered, members=t.members, quiz_days=quiz_days)
        return (-score, -turnout, t.name.casefold(), t.name)

    return [
        QuizTeamStanding(
            rank=rank,
            name=t.name,
            members=t.members,
            correct=t.correct,
            answered=t.answered,
            quiz_days=quiz_days,
        )
        for rank, t in enumerate(sorted(totals, key=key), start=1)
    ]
