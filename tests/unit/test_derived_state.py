"""The derived state (db.derived) against its definition: the caches kept incrementally, folded
in batches of any size at any moment, equal the caches rebuilt from the answers and the review
log; and a read of one person's state is the same before and after their rows are folded.

A scenario is several people over 20+ quiz days of one channel (weekends and gaps between
them), each day: answered right, wrong, not at all (a miss, which a freeze may cover), or late
(in the moments after the next day was posted and before this one closed, when both take
clicks); practice and review answers between; folds of a random size at random points."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import derived
from db.engine import Database
from db.queries.answers import PRACTICE, REVIEW, record_review
from db.queries.posts import get_post
from tests.support.answers import record_answer
from tests.unit.quiz_db import QUESTION_IDS, close, database, noon, post_day

USERS = ("UA", "UB", "UC")
OUTCOMES = ("right", "wrong", "none", "late-right", "late-wrong")
START = dt.date(2026, 3, 2)  # a Monday


@dataclass(frozen=True)
class Day:
    gap: int  # days since the previous quiz day (weekends, a paused schedule)
    outcomes: tuple[str, ...]  # one per person
    window: bool  # posted before the day before closed: late answers land in between
    reviews: tuple[tuple[int, int, bool, str], ...]  # (person, question, right, source)
    folds: tuple[int, int, int]  # fold this many rows (0: none) after posting, answers, reviews
    check: bool  # compare every person's exact read before and after folding


DAY = st.builds(
    Day,
    gap=st.sampled_from((1, 1, 1, 2, 3)),
    outcomes=st.tuples(*(st.sampled_from(OUTCOMES) for _ in USERS)),
    window=st.booleans(),
    reviews=st.lists(
        st.tuples(
            st.integers(0, len(USERS) - 1),
            st.integers(0, len(QUESTION_IDS) - 1),
            st.booleans(),
            st.sampled_from((PRACTICE, REVIEW)),
        ),
        max_size=3,
    ).map(tuple),
    folds=st.tuples(*(st.sampled_from((0, 0, 1, 2, 5, 50)) for _ in range(3))),
    check=st.booleans(),
)
SCENARIOS = st.lists(DAY, min_size=20, max_size=26)


def random_scenario(seed: int) -> list[Day]:
    """A fixed scenario of the same shape (for the tests that break the caches on purpose)."""
    rng = random.Random(seed)
    return [
        Day(
            gap=rng.choice((1, 1, 2)),
            outcomes=tuple(rng.choice(OUTCOMES) for _ in USERS),
            window=rng.random() < 0.4,
            reviews=tuple(
                (rng.randrange(len(USERS)), rng.randrange(len(QUESTION_IDS)), rng.random() < 0.6, PRACTICE)
                for _ in range(rng.randrange(3))
            ),
            folds=(rng.choice((0, 1, 3)), rng.choice((0, 2, 7)), rng.choice((0, 1, 50))),
            check=rng.random() < 0.3,
        )
        for _ in range(22)
    ]


def fold(db: Database, limit: int) -> None:
    if limit:
        with db.writing() as session:
            derived.fold_pending(session=session, limit=limit)


def exact_reads(db: Database, team: str, channel: str) -> dict[str, Any]:
    with db.reading() as session:
        return {
            user: (
                derived.person_stats(session=session, team_id=team, channel_id=channel, user_id=user),
                derived.person_cards(session=session, team_id=team, user_id=user),
            )
            for user in USERS
        }


def caches_of(db: Database, team: str) -> dict[str, list[tuple]]:
    with db.reading() as session:
        rows = derived.cache_rows(session=session)
    return {name: [row for row in table if row[0] == team] for name, table in rows.items()}


def play(db: Database, team: str, scenario: list[Day], *, check_reads: bool = True) -> None:
    """Store the scenario's answers the way the app does, folding as it says."""
    channel = "C1"
    day = START - dt.timedelta(days=1)
    previous: tuple[int, list[tuple[str, bool]]] | None = None  # post id, its late answers

    def answer(post_id: int, user: str, right: bool, at: dt.datetime) -> None:
        with db.writing() as session:
            post = get_post(session=session, post_id=post_id)
            assert post is not None
            record_answer(session=session, post=post, user_id=user, option_index=0, correct=right, now=at)

    def answer_late(at: dt.datetime) -> None:
        if previous is not None:
            for user, right in previous[1]:
                answer(previous[0], user, right, at)

    for plan in scenario:
        day += dt.timedelta(days=plan.gap)
        if not plan.window:
            answer_late(noon(day) - dt.timedelta(hours=1))  # still before the next post
        post_id = post_day(db, team=team, channel=channel, day=day, close_earlier=not plan.window)
        fold(db, plan.folds[0])
        late: list[tuple[str, bool]] = []
        for minute, (user, outcome) in enumerate(zip(USERS, plan.outcomes, strict=True)):
            if outcome in ("right", "wrong"):
                answer(post_id, user, outcome == "right", noon(day) + dt.timedelta(minutes=minute))
            elif outcome.startswith("late-"):
                late.append((user, outcome == "late-right"))
        fold(db, plan.folds[1])  # in a window, the day before is open: today's answers wait
        if plan.window:
            answer_late(noon(day) + dt.timedelta(minutes=20))
            if previous is not None:
                close(db, previous[0], now=noon(day) + dt.timedelta(minutes=25))
        for index, (person, question, right, source) in enumerate(plan.reviews):
            with db.writing() as session:
                record_review(
                    session=session,
                    team_id=team,
                    user_id=USERS[person],
                    question_id=QUESTION_IDS[question],
                    correct=right,
                    now=noon(day) + dt.timedelta(minutes=30 + index),
                    source=source,
                )
        fold(db, plan.folds[2])
        if plan.check and check_reads:
            before = exact_reads(db, team, channel)
            derived.settled(db)
            assert exact_reads(db, team, channel) == before
        previous = (post_id, late)


def incremental_and_rebuilt(
    db: Database, team: str, scenario: list[Day], *, check_reads: bool = True
) -> tuple[dict, dict]:
    play(db, team, scenario, check_reads=check_reads)
    before = exact_reads(db, team, "C1")
    derived.settled(db)
    if check_reads:
        assert exact_reads(db, team, "C1") == before
    incremental = caches_of(db, team)
    with db.writing() as session:
        derived.rebuild(session=session)
    return incremental, caches_of(db, team)


def test_caches_kept_incrementally_equal_the_caches_rebuilt(database_url: str) -> None:
    teams = (f"TPROP{n}" for n in itertools.count())
    with database(database_url) as db:

        @settings(max_examples=20, deadline=None)
        @given(scenario=SCENARIOS)
        def run(scenario: list[Day]) -> None:
            team = next(teams)  # a fresh workspace per example
            incremental, rebuilt = incremental_and_rebuilt(db, team, scenario)
            assert incremental["user_stats"], "every scenario has answers"
            assert incremental == rebuilt

        run()


def drop_one(original: Callable[..., None]) -> Callable[..., None]:
    """The cache write `original`, losing one entry of its third call."""
    calls = itertools.count(1)

    def broken(session: Any, entries: dict) -> None:
        if next(calls) == 3 and entries:
            entries = dict(list(entries.items())[1:])
        original(session, entries)

    return broken


@pytest.mark.parametrize("write", ["_store_stats", "_add_periods", "_store_cards"])
def test_the_comparison_catches_one_dropped_cache_update(
    database_url: str, write: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The property above has teeth: lose one update of any cache and rebuilt != kept."""
    scenario = random_scenario(7)
    with database(database_url) as db:
        incremental, rebuilt = incremental_and_rebuilt(db, "TSOUND", scenario)
        assert incremental == rebuilt
        monkeypatch.setattr(derived, write, drop_one(getattr(derived, write)))
        incremental, rebuilt = incremental_and_rebuilt(db, "TBROKEN", scenario, check_reads=False)
        assert incremental != rebuilt
