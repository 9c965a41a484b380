"""Streaks (SPEC §5): the pure rules, and the database's running totals held to the plain
definition in `reference_streaks` over random sequences of quiz days."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.answer_writer import AnswerWriter
from bot.services.answering import Answering
from bot.services.catalog import QuestionCatalog
from content import load_bank
from db.engine import Database
from db.queries import answers as answer_queries
from db.queries.posts import get_post
from db.queries.stats import leaderboard, user_stats
from quiz.streaks import (
    MAX_FREEZES,
    QuizDay,
    StreakState,
    apply_answer,
    effective_state,
    reference_state,
    reference_streaks,
)
from tests.support.clocks import FakeClock
from tests.unit.quiz_db import TEAM, answer, close, database, post_day

MON = dt.date(2026, 3, 2)  # a Monday


def d(offset: int) -> dt.date:
    return MON + dt.timedelta(days=offset)


# -- reference_streaks: the definition, worked by hand ------------------------------------
# Quiz days Mon 2 .. Fri 6 March and Mon 9, Tue 10 March 2026: the weekend is no quiz day.
WEEKDAYS = [d(0), d(1), d(2), d(3), d(4), d(7), d(8)]


def closed_days(days: list[dt.date], *, last_open: bool) -> list[QuizDay]:
    return [QuizDay(day, closed=not (last_open and day == days[-1])) for day in days]


def test_weekend_is_no_quiz_day_so_it_never_breaks_a_streak() -> None:
    answers = dict.fromkeys(WEEKDAYS, True)
    assert reference_streaks(closed_days(WEEKDAYS, last_open=False), answers) == (7, 7)


def test_open_unanswered_day_keeps_the_streak_closed_one_ends_it() -> None:
    answers = dict.fromkeys(WEEKDAYS[:-1], True)  # Tue 10 not answered
    assert reference_streaks(closed_days(WEEKDAYS, last_open=True), answers) == (6, 6)
    assert reference_streaks(closed_days(WEEKDAYS, last_open=False), answers) == (0, 6)


def test_wrong_answer_ends_the_run_and_longest_is_kept() -> None:
    # C C C W C C, then Tue 10 still open: current 2, longest 3
    answers = {d(0): True, d(1): True, d(2): True, d(3): False, d(4): True, d(7): True}
    assert reference_streaks(closed_days(WEEKDAYS, last_open=True), answers) == (2, 3)


def test_closed_day_without_answer_in_the_middle_ends_the_run() -> None:
    answers = {d(0): True, d(1): True, d(3): True}
    quiz_days = closed_days(WEEKDAYS[:4], last_open=False)
    assert reference_streaks(quiz_days, answers) == (1, 2)


def test_reference_walks_quiz_days_in_date_order_whatever_the_input_order() -> None:
    answers = {d(0): False, d(1): True, d(2): True}
    quiz_days = closed_days([d(0), d(1), d(2)], last_open=False)
    shuffled = [quiz_days[2], quiz_days[0], quiz_days[1]]
    assert reference_streaks(shuffled, answers) == (2, 2)


def test_no_quiz_days_no_streak() -> None:
    assert reference_streaks([], {}) == (0, 0)


# -- apply_answer / effective_state -----------------------------------------------------------
def core(state: StreakState) -> tuple:
    return state.current, state.longest, state.last_answered_day


def test_apply_answer_extends_resets_and_keeps_longest() -> None:
    state = StreakState()
    state = apply_answer(state, day=d(0), correct=True, missed_between=False)
    assert core(state) == (1, 1, d(0))
    state = apply_answer(state, day=d(1), correct=True, missed_between=False)
    assert core(state) == (2, 2, d(1))
    state = apply_answer(state, day=d(2), correct=False, missed_between=False)
    assert core(state) == (0, 2, d(2))
    state = apply_answer(state, day=d(3), correct=True, missed_between=False)
    assert core(state) == (1, 2, d(3))


def test_apply_answer_after_a_missed_quiz_day_starts_over() -> None:
    state = StreakState(current=4, longest=4, last_answered_day=d(0))
    after = apply_answer(state, day=d(7), correct=True, missed_between=True)
    assert core(after) == (1, 4, d(7))
    # The same gap without a quiz day in it (a weekend) carries the streak on.
    after = apply_answer(state, day=d(7), correct=True, missed_between=False)
    assert core(after) == (5, 5, d(7))


def test_apply_answer_late_answer_to_an_older_day_changes_nothing() -> None:
    state = StreakState(current=3, longest=5, last_answered_day=d(4))
    assert apply_answer(state, day=d(2), correct=False, missed_between=False) == state
    assert apply_answer(state, day=d(2), correct=True, missed_between=True) == state


def test_effective_current_is_zero_once_a_later_quiz_day_closed_unanswered() -> None:
    state = StreakState(current=3, longest=5, last_answered_day=d(4))
    assert effective_state(state, closed_since=0).current == 3
    assert effective_state(state, closed_since=1).current == 0


# -- the database path against the definition -------------------------------------------------
OUTCOMES = st.sampled_from(["correct", "wrong", "none"])
DAYS = st.lists(st.tuples(st.integers(min_value=1, max_value=4), OUTCOMES, OUTCOMES), min_size=1, max_size=12)
USERS = ("UALICE", "UBOB")


def check_against_reference(
    db: Database, channel: str, quiz_days: list[QuizDay], answers: dict[str, dict[dt.date, bool]]
) -> None:
    with db.reading() as session:
        board = {row.user_id: row for row in leaderboard(session=session, team_id=TEAM, channel_id=channel)}
        for user in USERS:
            stats = user_stats(session=session, team_id=TEAM, channel_id=channel, user_id=user)
            expected = reference_streaks(quiz_days, answers[user])
            assert (stats.current_streak, stats.longest_streak) == expected, (user, quiz_days, answers[user])
            assert stats.answered == len(answers[user])
            assert stats.correct == sum(answers[user].values())
            # The leaderboard shows the same streaks, computed in SQL.
            if answers[user]:
                row = board[user]
                assert (row.current_streak, row.longest_streak) == expected, (user, quiz_days, answers[user])
            else:
                assert user not in board


def test_database_streaks_match_the_definition(database_url: str) -> None:
    channels = (f"CPROP{n}" for n in itertools.count())

    with database(database_url) as db:

        @settings(max_examples=60, deadline=None)
        @given(days=DAYS, last_closed=st.booleans())
        def run(days: list[tuple[int, str, str]], last_closed: bool) -> None:
            channel = next(channels)  # a fresh channel per example: no rows carry over
            day = MON - dt.timedelta(days=1)
            quiz_days: list[QuizDay] = []
            answers: dict[str, dict[dt.date, bool]] = {user: {} for user in USERS}
            post_id = 0
            for gap, *outcomes in days:
                day += dt.timedelta(days=gap)
                post_id = post_day(db, channel=channel, day=day)
                quiz_days = [QuizDay(q.day, closed=True) for q in quiz_days] + [QuizDay(day, closed=False)]
                check_against_reference(db, channel, quiz_days, answers)  # open and unanswered
                for user, outcome in zip(USERS, outcomes, strict=True):
                    if outcome != "none":
                        answer(db, post_id=post_id, user=user, correct=outcome == "correct")
                        answers[user][day] = outcome == "correct"
                check_against_reference(db, channel, quiz_days, answers)
            if last_closed:  # closed at a configured close time, before the next post
                close(db, post_id)
                quiz_days[-1] = QuizDay(quiz_days[-1].day, closed=True)
                check_against_reference(db, channel, quiz_days, answers)

        run()


def test_other_channels_and_users_do_not_touch_a_streak(database_url: str) -> None:
    with database(database_url) as db:
        for offset in range(3):
            mine = post_day(db, channel="CMINE", day=d(offset))
            other = post_day(db, channel="COTHER", day=d(offset))
            answer(db, post_id=mine, user="UALICE", correct=True)
            answer(db, post_id=mine, user="UBOB", correct=False)
            answer(db, post_id=other, user="UALICE", correct=False)
        # COTHER's next day closes its last post unanswered; CMINE is untouched by it.
        post_day(db, channel="COTHER", day=d(3))
        with db.reading() as session:
            mine_stats = user_stats(session=session, team_id=TEAM, channel_id="CMINE", user_id="UALICE")
            other_stats = user_stats(session=session, team_id=TEAM, channel_id="COTHER", user_id="UALICE")
        assert (mine_stats.current_streak, mine_stats.longest_streak) == (3, 3)
        assert (other_stats.current_streak, other_stats.longest_streak) == (0, 0)


def test_a_click_that_races_the_close_counts_for_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = load_bank()
    with database(database_url) as db:
        post_id = post_day(db, channel="C1", day=d(0), question_ids=[q.id for q in bank.questions])
        real_record_answers = answer_queries.record_answers

        def close_first(**kwargs: object) -> object:
            # The next day's post closes this one after the click read it as open.
            close(db, post_id)
            return real_record_answers(**kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr("bot.services.answer_writer.record_answers", close_first)
        writer = AnswerWriter(db=db)
        clock = FakeClock(dt.datetime(2026, 3, 2, 13, tzinfo=dt.UTC))
        answering = Answering(
            db=db, catalog=QuestionCatalog(db=db, bank=bank, clock=clock), clock=clock, writer=writer
        )
        result = answering.answer_daily(team_id=TEAM, channel_id="C1", user_id="UALICE", value=f"{post_id}:A")
        writer.stop()
        with db.reading() as session:
            post = get_post(session=session, post_id=post_id)
            stats = user_stats(session=session, team_id=TEAM, channel_id="C1", user_id="UALICE")
        assert post is not None and post.status == "closed"
        assert result.recorded_post_id is None
        assert stats.answered == 0


def test_property_helper_detects_a_broken_streak(database_url: str) -> None:
    """The comparison the property test relies on does fail when the database disagrees."""
    with database(database_url) as db:
        post_id = post_day(db, channel="C1", day=d(0))
        answer(db, post_id=post_id, user="UALICE", correct=True)
        wrong = [QuizDay(d(0), closed=False)]
        with pytest.raises(AssertionError):
            check_against_reference(db, "C1", wrong, {"UALICE": {d(0): False}, "UBOB": {}})


# -- streak freezes --------------------------------------------------------------------------
FREEZE_OUTCOMES = st.sampled_from(["correct"] * 7 + ["wrong", "none", "none"])
# Weeks of correct answers are common in real channels and rare in uniform sampling: mix
# whole 7-day correct runs in so freezes are earned, stacked and spent.
LONG_RUNS = st.lists(
    st.one_of(st.just(["correct"] * 7), FREEZE_OUTCOMES.map(lambda outcome: [outcome])),
    min_size=1,
    max_size=12,
).map(lambda blocks: [outcome for block in blocks for outcome in block])


def replay(outcomes: list[str], last_closed: bool) -> tuple[list[QuizDay], dict[dt.date, bool], StreakState]:
    """Drive the incremental rules the way the database does: misses counted at the next
    answer, and quiz days closed since the last answer applied when reading."""
    state = StreakState()
    quiz_days: list[QuizDay] = []
    answers: dict[dt.date, bool] = {}
    for index, outcome in enumerate(outcomes):
        day = d(index)
        closed = index < len(outcomes) - 1 or last_closed
        quiz_days.append(QuizDay(day, closed=closed))
        if outcome != "none":
            answers[day] = outcome == "correct"
            missed = (
                sum(
                    1
                    for q in quiz_days[:-1]
                    if q.closed and (state.last_answered_day is None or q.day > state.last_answered_day)
                )
                if state.last_answered_day is not None
                else 0
            )
            state = apply_answer(state, day=day, correct=outcome == "correct", missed_between=missed)
    since = sum(
        1
        for q in quiz_days
        if q.closed and state.last_answered_day is not None and q.day > state.last_answered_day
    )
    return quiz_days, answers, effective_state(state, closed_since=since)


@settings(max_examples=500, deadline=None)
@given(outcomes=LONG_RUNS, last_closed=st.booleans())
def test_incremental_freezes_match_the_definition(outcomes: list[str], last_closed: bool) -> None:
    # Every prefix, not only the end: two rules that differ mid-run can agree again by the
    # last day (a freeze earned a few days early is still one freeze at the end).
    for length in range(1, len(outcomes) + 1):
        quiz_days, answers, state = replay(outcomes[:length], last_closed)
        expected = reference_state(quiz_days, answers)
        fields = ("current", "longest", "freezes_held", "freezes_used", "freeze_progress")
        assert [getattr(state, f) for f in fields] == [getattr(expected, f) for f in fields], outcomes[
            :length
        ]
        assert 0 <= state.freezes_held <= MAX_FREEZES


def test_freezes_worked_by_hand() -> None:
    days = [QuizDay(d(n), closed=True) for n in range(12)]
    seven = {d(n): True for n in range(7)}
    assert reference_state(days[:7], seven).freezes_held == 1
    # Day 7 missed: the freeze is spent and the streak survives; day 8 continues it.
    state = reference_state(days[:9], {**seven, d(8): True})
    assert (state.current, state.freezes_held, state.freezes_used) == (8, 0, 1)
    # A wrong answer is not a miss: it ends the streak and keeps the freeze.
    state = reference_state(days[:8], {**seven, d(7): False})
    assert (state.current, state.freezes_held, state.freezes_used) == (0, 1, 0)
    # Two misses with one freeze: the second ends the streak.
    state = reference_state(days[:9], seven)
    assert (state.current, state.freezes_held, state.freezes_used) == (0, 0, 1)
    # At most two are held.
    many = {d(n): True for n in range(30)}
    assert reference_state([QuizDay(d(n), True) for n in range(30)], many).freezes_held == MAX_FREEZES


def test_database_freezes_match_the_definition(database_url: str) -> None:
    channels = (f"CFRZ{n}" for n in itertools.count())

    with database(database_url) as db:

        @settings(max_examples=25, deadline=None)
        @given(outcomes=LONG_RUNS.filter(lambda outcomes: len(outcomes) <= 30))
        def run(outcomes: list[str]) -> None:
            channel = next(channels)
            quiz_days: list[QuizDay] = []
            answers: dict[dt.date, bool] = {}
            for index, outcome in enumerate(outcomes):
                day = MON + dt.timedelta(days=index)
                post_id = post_day(db, channel=channel, day=day)
                quiz_days = [QuizDay(q.day, closed=True) for q in quiz_days] + [QuizDay(day, closed=False)]
                if outcome != "none":
                    answer(db, post_id=post_id, user="UALICE", correct=outcome == "correct")
                    answers[day] = outcome == "correct"
            expected = reference_state(quiz_days, answers)
            with db.reading() as session:
                stats = user_stats(session=session, team_id=TEAM, channel_id=channel, user_id="UALICE")
                board = leaderboard(session=session, team_id=TEAM, channel_id=channel)
            got = (stats.current_streak, stats.longest_streak, stats.freezes_held, stats.freezes_used)
            assert got == (expected.current, expected.longest, expected.freezes_held, expected.freezes_used)
            if answers:
                assert board[0].current_streak == expected.current

        run()
