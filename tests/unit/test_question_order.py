"""Question order in a channel (SPEC §5): lessons in order, questions in order, then again
from the start; never a repeat before the whole bank has been used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from content import load_bank
from db.engine import Database
from db.queries.posts import get_post, next_question
from tests.support.posts import channel_posts
from tests.unit.quiz_db import TEAM, database, post_day

START = dt.date(2026, 1, 5)


@pytest.fixture
def db(database_url: str):
    with database(database_url) as handle:
        yield handle


def post_days(db: Database, channel: str, count: int, bank_ids: Sequence[str], first: int = 0) -> list[str]:
    """Post `count` quiz days in a row and return the question ids they got."""
    posted = []
    for offset in range(first, first + count):
        post_id = post_day(db, channel=channel, day=START + dt.timedelta(days=offset), question_ids=bank_ids)
        with db.reading() as session:
            post = get_post(session=session, post_id=post_id)
            assert post is not None
            posted.append(post.question_id)
    return posted


def cycles(db: Database, channel: str) -> list[int]:
    with db.reading() as session:
        return [post.cycle for post in channel_posts(session=session, team_id=TEAM, channel_id=channel)]


def test_the_shipped_bank_is_posted_in_curriculum_order_then_again(db: Database) -> None:
    bank = load_bank()
    ids = [q.id for q in bank.questions]
    expected = [q.id for lesson in sorted(bank.lessons, key=lambda x: x.number) for q in lesson.questions]
    assert ids == expected
    assert [(q.lesson_id, q.position) for q in bank.questions[:2]] == [("basics", 1), ("basics", 2)]

    posted = post_days(db, "C1", len(ids) + 2, ids)
    assert posted[: len(ids)] == ids  # every question once, in order
    assert posted[len(ids) :] == ids[:2]  # then from the start
    assert cycles(db, "C1") == [0] * len(ids) + [1, 1]


def test_a_small_bank_cycles_and_channels_are_independent(db: Database) -> None:
    ids = ["a-1", "a-2", "b-1"]
    assert post_days(db, "C1", 7, ids) == ["a-1", "a-2", "b-1", "a-1", "a-2", "b-1", "a-1"]
    assert cycles(db, "C1") == [0, 0, 0, 1, 1, 1, 2]
    assert post_days(db, "C2", 2, ids) == ["a-1", "a-2"]


def test_a_question_added_mid_cycle_does_not_cause_a_repeat(db: Database) -> None:
    before = ["a-1", "a-2", "b-1", "b-2"]
    assert post_days(db, "C1", 3, before) == ["a-1", "a-2", "b-1"]
    # A new question lands in lesson a, behind the channel's position in the bank.
    after = ["a-1", "a-2", "a-3", "b-1", "b-2"]
    rest = post_days(db, "C1", 2, after, first=3)
    assert rest == ["a-3", "b-2"]
    posted = ["a-1", "a-2", "b-1", *rest]
    assert sorted(posted) == sorted(after)  # the whole bank once, nothing twice
    assert post_days(db, "C1", 1, after, first=5) == ["a-1"]  # only then a new cycle
    assert cycles(db, "C1") == [0, 0, 0, 0, 0, 1]


def test_a_question_appended_to_the_last_lesson_is_used_before_a_new_cycle(db: Database) -> None:
    before = ["a-1", "a-2"]
    assert post_days(db, "C1", 2, before) == ["a-1", "a-2"]
    after = [*before, "b-1"]
    assert post_days(db, "C1", 2, after, first=2) == ["b-1", "a-1"]
    assert cycles(db, "C1") == [0, 0, 0, 1]


def test_next_question_reads_only_the_current_cycle(db: Database) -> None:
    ids = ["a-1", "a-2", "a-3"]
    post_days(db, "C1", 4, ids)  # a-1 a-2 a-3 | a-1
    with db.reading() as session:
        assert next_question(session=session, team_id=TEAM, channel_id="C1", question_ids=ids) == ("a-2", 1)
        assert next_question(session=session, team_id=TEAM, channel_id="CNEW", question_ids=ids) == ("a-1", 0)
        assert next_question(session=session, team_id="TOTHER", channel_id="C1", question_ids=ids) == (
            "a-1",
            0,
        )


def own_days(
    db: Database, channel: str, count: int, *, own: Sequence[str], use: str, first: int = 0, team: str = TEAM
) -> list[str]:
    posted = []
    for offset in range(first, first + count):
        post_id = post_day(
            db,
            channel=channel,
            team=team,
            day=START + dt.timedelta(days=offset),
            question_ids=SHIPPED,
            own_ids=own,
            use=use,
        )
        with db.reading() as session:
            post = get_post(session=session, post_id=post_id)
            assert post is not None
            posted.append(post.question_id)
    return posted


SHIPPED = ["a-1", "a-2", "b-1", "b-2"]
OWN = ["own/T0001/x-1", "own/T0001/x-2", "own/T0001/y-1"]


def test_both_takes_turns_own_first_and_each_set_keeps_its_own_passes(db: Database) -> None:
    posted = own_days(db, "C1", 10, own=OWN, use="both")
    assert posted == [
        OWN[0], "a-1", OWN[1], "a-2", OWN[2], "b-1",
        OWN[0], "b-2",  # the own set repeats only once all three were posted
        OWN[1], "a-1",  # the shipped set repeats only once all four were posted
    ]  # fmt: skip
    with db.reading() as session:
        cycles = {
            (p.question_id, p.cycle) for p in channel_posts(session=session, team_id=TEAM, channel_id="C1")
        }
    assert (OWN[0], 1) in cycles and ("a-1", 1) in cycles and ("b-2", 0) in cycles


def test_a_channel_switching_sets_picks_up_where_each_set_left_off(db: Database) -> None:
    assert own_days(db, "C1", 2, own=OWN, use="shipped") == ["a-1", "a-2"]
    assert own_days(db, "C1", 2, own=OWN, use="own", first=2) == [OWN[0], OWN[1]]
    # After an own question, `both` goes on with the curriculum, where it stopped.
    assert own_days(db, "C1", 3, own=OWN, use="both", first=4) == ["b-1", OWN[2], "b-2"]
    # A question added meanwhile comes before any repeat; one retired is simply not offered.
    grown = [OWN[0], OWN[2], "own/T0001/z-1"]
    assert own_days(db, "C1", 2, own=grown, use="own", first=7) == ["own/T0001/z-1", OWN[0]]


def test_own_with_no_questions_of_its_own_goes_on_with_the_curriculum(db: Database) -> None:
    assert own_days(db, "C1", 3, own=[], use="own") == ["a-1", "a-2", "b-1"]
    assert own_days(db, "C1", 2, own=[], use="both", first=3) == ["b-2", "a-1"]
