"""The team score as pure functions: correct answers per member per quiz day, ties broken
by turnout then name; fair whatever a team's size."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from quiz.team_score import QuizTeamTotals, rank_teams, team_score, team_turnout

QUIZ_DAYS = st.integers(min_value=1, max_value=60)


@st.composite
def team_with_days(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int]:
    """(members as (correct, answered) pairs, quiz days), with correct ≤ answered ≤ days."""
    days = draw(QUIZ_DAYS)
    size = draw(st.integers(min_value=1, max_value=12))
    members = []
    for _ in range(size):
        answered = draw(st.integers(min_value=0, max_value=days))
        members.append((draw(st.integers(min_value=0, max_value=answered)), answered))
    return members, days


def totals(name: str, members: list[tuple[int, int]]) -> QuizTeamTotals:
    return QuizTeamTotals(
        name=name,
        members=len(members),
        correct=sum(c for c, _ in members),
        answered=sum(a for _, a in members),
    )


def score_of(members: list[tuple[int, int]], days: int) -> Fraction:
    team = totals("t", members)
    return team_score(correct=team.correct, members=team.members, quiz_days=days)


def test_the_worked_example_from_help() -> None:
    # 10 quiz days. Big: 8 members, 4 answer every day correctly. Small: 2 members, 9/10 each.
    # Solo: one expert who answered 4 days, all right.
    big = QuizTeamTotals("Big", members=8, correct=40, answered=40)
    small = QuizTeamTotals("Small", members=2, correct=18, answered=20)
    solo = QuizTeamTotals("Solo", members=1, correct=4, answered=4)
    ranked = rank_teams([big, solo, small], quiz_days=10)
    assert [(r.rank, r.name, r.score) for r in ranked] == [
        (1, "Small", 0.9),
        (2, "Big", 0.5),
        (3, "Solo", 0.4),
    ]
    assert big.correct > small.correct > solo.correct  # raw counts would have ranked Big first
    assert [r.turnout for r in ranked] == [1.0, 0.5, 0.4]


def test_ties_go_to_turnout_then_name() -> None:
    # Same score (0.5 correct per member per day); Careful answered more often, so ranks first.
    careful = QuizTeamTotals("Careful", members=2, correct=4, answered=8)
    sharp = QuizTeamTotals("Sharp", members=1, correct=2, answered=2)
    also_sharp = QuizTeamTotals("Also sharp", members=2, correct=4, answered=4)
    ranked = rank_teams([sharp, careful, also_sharp], quiz_days=4)
    assert [r.name for r in ranked] == ["Careful", "Also sharp", "Sharp"]
    assert ranked[0].exact_score == ranked[1].exact_score == ranked[2].exact_score == Fraction(1, 2)


def test_equal_ratios_tie_exactly() -> None:
    # 6/9 and 2/3 are the same score; floats must not split them.
    three = QuizTeamTotals("Three", members=3, correct=6, answered=9)
    one = QuizTeamTotals("One", members=1, correct=2, answered=2)
    ranked = rank_teams([one, three], quiz_days=3)
    assert [r.name for r in ranked] == ["Three", "One"]  # same score; Three turned out fully


def test_no_quiz_days_or_no_members_scores_zero() -> None:
    assert team_score(correct=0, members=3, quiz_days=0) == 0
    assert team_score(correct=0, members=0, quiz_days=5) == 0
    assert team_turnout(answered=0, members=0, quiz_days=5) == 0
    ranked = rank_teams([QuizTeamTotals("Empty", 0, 0, 0), QuizTeamTotals("Idle", 2, 0, 0)], quiz_days=0)
    assert [(r.name, r.score, r.turnout) for r in ranked] == [("Empty", 0.0, 0.0), ("Idle", 0.0, 0.0)]


@given(team_with_days(), st.integers(min_value=1, max_value=5))
def test_members_who_never_answer_never_raise_the_score(team: tuple, newcomers: int) -> None:
    members, days = team
    grown = members + [(0, 0)] * newcomers
    assert score_of(grown, days) <= score_of(members, days)
    before = totals("t", members)
    after = totals("t", grown)
    assert team_turnout(answered=after.answered, members=after.members, quiz_days=days) <= team_turnout(
        answered=before.answered, members=before.members, quiz_days=days
    )


@given(team_with_days(), st.integers(min_value=2, max_value=4))
def test_copies_of_a_team_score_the_same_as_the_team(team: tuple, copies: int) -> None:
    members, days = team
    bigger = members * copies
    assert score_of(bigger, days) == score_of(members, days)
    ranked = rank_teams([totals("A", members), totals("B", bigger)], quiz_days=days)
    assert ranked[0].exact_score == ranked[1].exact_score
    assert ranked[0].exact_turnout == ranked[1].exact_turnout
    assert [r.name for r in ranked] == ["A", "B"]  # a full tie falls to the name, not to size


@given(team_with_days())
def test_score_is_a_share_and_never_beats_turnout(team: tuple) -> None:
    members, days = team
    t = totals("t", members)
    score = team_score(correct=t.correct, members=t.members, quiz_days=days)
    turnout = team_turnout(answered=t.answered, members=t.members, quiz_days=days)
    assert 0 <= score <= turnout <= 1


@given(st.lists(team_with_days(), min_size=1, max_size=6), QUIZ_DAYS)
def test_ranking_is_ordered_and_complete(teams: list, days: int) -> None:
    entries = [
        totals(f"team-{i}", [(min(c, days), min(a, days)) for c, a in members])
        for i, (members, _) in enumerate(teams)
    ]
    ranked = rank_teams(entries, quiz_days=days)
    assert [r.rank for r in ranked] == list(range(1, len(entries) + 1))
    assert sorted(r.name for r in ranked) == sorted(e.name for e in entries)
    for above, below in itertools.pairwise(ranked):
        assert (above.exact_score, above.exact_turnout) >= (below.exact_score, below.exact_turnout)
