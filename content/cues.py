"""Blind strategies over the question bank: how often a player who never reads for meaning
(always the longest option, the one that echoes the prompt, ...) would be right.

A right answer should be evidence that someone knows the idea, so no strategy that looks only at
the surface of the options may beat chance by much: `measure(bank).problems()` names every
strategy over `BANK_LIMIT` of the whole bank or over `LESSON_LIMIT` of any one lesson.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from content.bank import Bank, Lesson, Question

BANK_LIMIT = 0.30
LESSON_LIMIT = 0.45

# Words that carry no idea of their own, so sharing them with the prompt is no cue.
STOPWORDS = frozenset(
    (
        "a an and are as at be been but by can do does for from has have how if in into is it its "
        "no not of on once one only or so such than that the their them then there these they this "
        "to was were what when where which while who why will with would you your all any each "
        "every just also more most other same some still our we us"
    ).split()
)
# Words that soften a claim: test-wise players learn that the hedged option is often the right one.
HEDGES = frozenset(
    "may might could can usually often typically likely possibly probably perhaps sometimes "
    "eventually generally depends unless".split()
)
STEM_LENGTH = 5

_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"\S+")
# A name or code-like token: a digit, an inner capital (ZooKeeper, takeLeadership), an
# underscore, a call `f()`, a dotted name `a.b`, or an all-capitals word (TTL, COORDINATOR).
_SPECIFIC = re.compile(r"\d|[a-z][A-Z]|_|\(\)|[A-Za-z]\.[A-Za-z]|^[A-Z]{2,}\b")

Strategy = Callable[[Question], list[float]]


def stems(text: str) -> set[str]:
    """The distinct content words of `text`, cut to a short stem so `renew` meets `renewal`
    (single letters, such as the `s` of a possessive, carry no idea)."""
    return {
        word[:STEM_LENGTH]
        for word in _WORD.findall(text.lower())
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit())
    }


def specific_tokens(text: str) -> int:
    """How many tokens look like a number, a proper name or code: the marks of a precise option."""
    tokens = [token.strip(".,;:!?\"'`()[]") or token for token in _TOKEN.findall(text)]
    count = sum(1 for token in tokens if _SPECIFIC.search(token))
    # A capitalised word after the first is most likely a name (Raft, Curator, PostgreSQL).
    count += sum(1 for token in tokens[1:] if token[:1].isupper() and not _SPECIFIC.search(token))
    return count


def _longest(question: Question) -> list[float]:
    return [float(len(option.text)) for option in question.options]


def _shortest(question: Question) -> list[float]:
    return [-float(len(option.text)) for option in question.options]


def _middle_length(question: Question) -> list[float]:
    # A bank that keeps its answers away from both extremes teaches "never the longest, never
    # the shortest"; this strategy picks the options that are neither.
    lengths = [len(option.text) for option in question.options]
    return [float(min(lengths) < length < max(lengths)) for length in lengths]


def _prompt_overlap(question: Question) -> list[float]:
    prompt = stems(question.prompt)
    return [float(len(stems(option.text) & prompt)) for option in question.options]


def _least_overlap(question: Question) -> list[float]:
    # The mirror of prompt_overlap, for a bank that overcorrects by never echoing the prompt.
    return [-score for score in _prompt_overlap(question)]


def _specific(question: Question) -> list[float]:
    return [float(specific_tokens(option.text)) for option in question.options]


def _hedged(question: Question) -> list[float]:
    return [float(sum(word in HEDGES for word in _WORD.findall(o.text.lower()))) for o in question.options]


def _convergence(question: Question) -> list[float]:
    # Distractors written as variations of the answer share its words, so the answer is the
    # option with the most words in common with the others.
    words = [stems(option.text) for option in question.options]
    return [float(sum(len(mine & theirs) for theirs in words) - len(mine)) for mine in words]


# Name -> what the strategy scores each option by; it picks the options with the top score.
STRATEGIES: dict[str, Strategy] = {
    "longest": _longest,
    "shortest": _shortest,
    "middle_length": _middle_length,
    "prompt_overlap": _prompt_overlap,
    "least_overlap": _least_overlap,
    "specific": _specific,
    "hedged": _hedged,
    "convergence": _convergence,
}


def credit(question: Question, strategy: Strategy) -> float:
    """1/k when the correct option is among the k options tied for the strategy's pick, else 0:
    a strategy that cannot choose between options earns only what guessing among them would."""
    scores = strategy(question)
    top = max(scores)
    tied = [i for i, score in enumerate(scores) if score == top]
    return 1 / len(tied) if question.correct_index in tied else 0.0


def share(questions: Sequence[Question], strategy: Strategy) -> float:
    """The share of `questions` a player using `strategy` alone would get right."""
    return sum(credit(q, strategy) for q in questions) / len(questions) if questions else 0.0


def chance(questions: Sequence[Question]) -> float:
    """What picking at random scores: the mean of 1 / (number of options)."""
    return sum(1 / len(q.options) for q in questions) / len(questions) if questions else 0.0


@dataclass(frozen=True)
class Scope:
    """The strategies' shares over one set of questions: the whole bank or one lesson."""

    name: str
    count: int
    chance: float
    shares: dict[str, float]
    limit: float


@dataclass(frozen=True)
class CueReport:
    bank: Scope
    lessons: tuple[Scope, ...]

    def problems(self) -> list[str]:
        """One line per strategy and scope over its limit, naming the figure and the limit."""
        return [
            f"cue: `{name}` is right on {value:.1%} of {scope.name} ({scope.count} questions), "
            f"over the limit of {scope.limit:.0%}"
            for scope in (self.bank, *self.lessons)
            for name, value in scope.shares.items()
            if value > scope.limit
        ]

    def table(self) -> list[str]:
        """The figures as printable lines: one row for the bank, then one per lesson."""
        names = list(self.bank.shares)
        width = max(len(scope.name) for scope in (self.bank, *self.lessons))
        header = f"{'blind strategy':<{width}} {'n':>4} {'chance':>7} " + " ".join(
            f"{name:>14}" for name in names
        )
        rows = [
            f"{scope.name:<{width}} {scope.count:>4} {scope.chance:>7.1%} "
            + " ".join(f"{scope.shares[name]:>14.1%}" for name in names)
            for scope in (self.bank, *self.lessons)
        ]
        limits = f"limits: {BANK_LIMIT:.0%} of the bank, {LESSON_LIMIT:.0%} of any lesson"
        return [header, *rows, limits]


def _scope(name: str, questions: Sequence[Question], limit: float) -> Scope:
    shares = {key: share(questions, strategy) for key, strategy in STRATEGIES.items()}
    return Scope(name=name, count=len(questions), chance=chance(questions), shares=shares, limit=limit)


def _lesson_name(lesson: Lesson) -> str:
    return f"lesson {lesson.number:02d} {lesson.id}"


def measure(bank: Bank) -> CueReport:
    """Every strategy's share over the whole bank and over each lesson."""
    return CueReport(
        bank=_scope("the bank", bank.questions, BANK_LIMIT),
        lessons=tuple(_scope(_lesson_name(ls), ls.questions, LESSON_LIMIT) for ls in bank.lessons),
    )


# A single question gives its answer away when the right option alone stands out on the surface:
# the only long one (this much longer than every other), or the only one naming something.
GIVEAWAY_LENGTH = 1.4


def giveaways(question: Question) -> list[str]:
    """What makes the right option the one to pick without reading: the strategies that pick it
    alone, and by a clear margin; empty for a fair question."""
    found = []
    right = question.options[question.correct_index]
    others = [option for option in question.options if not option.correct]
    if others and len(right.text) >= GIVEAWAY_LENGTH * max(len(o.text) for o in others):
        found.append("the right option is the only long one")
    if others and specific_tokens(right.text) > 0 and all(specific_tokens(o.text) == 0 for o in others):
        found.append("the right option is the only specific one (a name, number or code)")
    return found


def measure_lessons(name: str, lessons: Sequence[Lesson], *, lesson_minimum: int = 0) -> CueReport:
    """Every strategy's share over a set of lessons (a workspace's own pack) and each lesson.
    A lesson of fewer than `lesson_minimum` questions is shown with no limit: on a handful of
    questions a strategy's share says more about chance than about the writing."""
    questions = [q for lesson in lessons for q in lesson.questions]
    return CueReport(
        bank=_scope(name, questions, BANK_LIMIT),
        lessons=tuple(
            _scope(
                _lesson_name(ls), ls.questions, LESSON_LIMIT if len(ls.questions) >= lesson_minimum else 1.0
            )
            for ls in lessons
        ),
    )


def worsened(before: CueReport, after: CueReport) -> list[str]:
    """The problems of `after` that `before` did not have, or had at a lower share."""
    old = {
        (scope.name, name): value
        for scope in (before.bank, *before.lessons)
        for name, value in scope.shares.items()
    }
    return [
        f"cue: `{name}` would be right on {value:.1%} of {scope.name} ({scope.count} questions), "
        f"over the limit of {scope.limit:.0%}"
        for scope in (after.bank, *after.lessons)
        for name, value in scope.shares.items()
        if value > scope.limit and value > old.get((scope.name, name), 0.0) + 1e-9
    ]


__all__ = [
    "BANK_LIMIT",
    "LESSON_LIMIT",
    "STRATEGIES",
    "CueReport",
    "credit",
    "giveaways",
    "measure",
    "measure_lessons",
    "share",
    "worsened",
]
