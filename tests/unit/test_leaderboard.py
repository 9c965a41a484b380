"""Leaderboards (SPEC §5): order by correct answers in the period, then current streak,
then accuracy, then user ID; week and month periods by quiz day in the channel's zone."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.catalog import QuestionCatalog
from bot.services.schedules import Schedules
from bot.services.stats import Stats
from content import load_bank
from db.engine import Database
from db.queries.schedules import set_schedule
from db.queries.stats import leaderboard
from db.results import RankedRow
from quiz.periods import period_bounds
from tests.support.clocks import FakeClock
from tests.unit.quiz_db import TEAM, answer, database, post_day

C, W = True, False


def play(db: Database, channel: str, days: list[dt.date], grid: dict[str, list[bool | None]]) -> None:
    """Post each day in order (closing the one before) and record the grid's answers;
    the last day stays open."""
    for index, day in enumerate(days):
        post_id = post_day(db, channel=channel, day=day)
        for user, outcomes in grid.items():
            if outcomes[index] is not None:
                answer(db, post_id=post_id, user=user, correct=outcomes[index])


def summary(rows: list[RankedRow]) -> list[tuple]:
    return [(r.rank, r.user_id, r.correct, r.answered, r.current_streak) for r in rows]


# Five quiz days in March 2026 (Mon 2 .. Fri 6); Fri 6 is still open.
MARCH = [dt.date(2026, 3, day) for day in (2, 3, 4, 5, 6)]
# User ids run against the expected order at every tie level but the last, so an order that
# fell back to user ID too early would show.
GRID: dict[str, list[bool | None]] = {
    "UG": [C, C, C, None, None],  # 3 correct, streak 0 (Thu closed unanswered)
    "UF": [None, None, W, C, C],  # 2 correct, streak 2, accuracy 2/3
    "UE": [C, C, None, None, None],  # 2 correct, streak 0, accuracy 1
    "UD": [None, None, None, None, C],  # 1 correct, streak 1, accuracy 1
    "UC": [None, None, None, W, C],  # 1 correct, streak 1, accuracy 1/2
    "UB": [None, None, None, None, W],  # 0 correct, streak 0, accuracy 0
    "UA": [None, None, None, None, W],  # the same as UB: user ID decides
}
EXPECTED = [
    (1, "UG", 3, 3, 0),
    (2, "UF", 2, 3, 2),
    (3, "UE", 2, 2, 0),
    (4, "UD", 1, 1, 1),
    (5, "UC", 1, 2, 1),
    (6, "UA", 0, 1, 0),
    (7, "UB", 0, 1, 0),
]


@pytest.fixture
def db(database_url: str):
    with database(database_url) as handle:
        yield handle


def test_order_is_correct_then_streak_then_accuracy_then_user_id(db: Database) -> None:
    play(db, "C1", MARCH, GRID)
    start, end = period_bounds("month", MARCH[-1])
    with db.reading() as session:
        month = leaderboard(session=session, team_id=TEAM, channel_id="C1", start=start, end=end)
        all_time = leaderboard(session=session, team_id=TEAM, channel_id="C1")
        top3 = leaderboard(session=session, team_id=TEAM, channel_id="C1", limit=3)
    assert summary(month) == EXPECTED
    assert summary(all_time) == EXPECTED
    assert summary(top3) == EXPECTED[:3]
    assert [row.longest_streak for row in month] == [3, 2, 2, 1, 1, 0, 0]
    assert month[1].accuracy == pytest.approx(0.6667)


def test_accuracy_breaks_a_tie_even_when_streaks_and_correct_are_equal(db: Database) -> None:
    # Three correct each with a current streak of 3; UB answered one more (wrong) day.
    days = [dt.date(2026, 3, day) for day in (9, 10, 11, 12)]
    play(db, "C1", days, {"UA": [W, C, C, C], "UB": [None, C, C, C]})
    with db.reading() as session:
        rows = leaderboard(session=session, team_id=TEAM, channel_id="C1")
    assert summary(rows) == [(1, "UB", 3, 3, 3), (2, "UA", 3, 4, 3)]


def test_current_streak_on_the_board_drops_once_a_missed_day_closes(db: Database) -> None:
    days = [dt.date(2026, 3, day) for day in (9, 10, 11)]
    # UA answered Mon and Tue; Wed is open, so UA's streak of 2 still stands.
    play(db, "C1", days, {"UA": [C, C, None], "UB": [None, None, C]})
    with db.reading() as session:
        before = leaderboard(session=session, team_id=TEAM, channel_id="C1")
    assert summary(before) == [(1, "UA", 2, 2, 2), (2, "UB", 1, 1, 1)]
    post_day(db, channel="C1", day=dt.date(2026, 3, 12))  # closes Wed: UA missed it
    with db.reading() as session:
        after = leaderboard(session=session, team_id=TEAM, channel_id="C1")
    assert summary(after) == [(1, "UA", 2, 2, 0), (2, "UB", 1, 1, 1)]
    assert after[0].longest_streak == 2


# Quiz days across a week and a month boundary: Fri 27 and Mon 30, Tue 31 March, Wed 1 April.
EDGE = [dt.date(2026, 3, 27), dt.date(2026, 3, 30), dt.date(2026, 3, 31), dt.date(2026, 4, 1)]
EDGE_GRID: dict[str, list[bool | None]] = {
    "UX": [C, None, None, None],
    "UY": [None, C, C, None],
    "UZ": [None, None, None, C],
}


def correct_by_user(rows: list[RankedRow]) -> dict[str, int]:
    return {row.user_id: row.correct for row in rows}


def test_week_and_month_are_bounded_by_quiz_day(db: Database) -> None:
    play(db, "C1", EDGE, EDGE_GRID)
    with db.reading() as session:

        def board(period: str, today: dt.date) -> dict[str, int]:
            start, end = period_bounds(period, today)
            return correct_by_user(
                leaderboard(session=session, team_id=TEAM, channel_id="C1", start=start, end=end)
            )

        assert board("week", dt.date(2026, 3, 31)) == {"UY": 2, "UZ": 1}
        assert board("week", dt.date(2026, 3, 29)) == {"UX": 1}  # Sunday: the week of Mon 23
        assert board("month", dt.date(2026, 3, 31)) == {"UY": 2, "UX": 1}
        assert board("month", dt.date(2026, 4, 1)) == {"UZ": 1}
        assert board("all", dt.date(2026, 4, 1)) == {"UY": 2, "UX": 1, "UZ": 1}


def test_an_answer_counts_for_its_quiz_day_not_the_day_it_was_given(db: Database) -> None:
    post_id = post_day(db, channel="C1", day=dt.date(2026, 3, 31))
    # Answered in April (UTC), for the 31 March question: it belongs to March.
    answer(db, post_id=post_id, user="UA", correct=True, now=dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC))
    with db.reading() as session:
        march = leaderboard(
            session=session,
            team_id=TEAM,
            channel_id="C1",
            start=dt.date(2026, 3, 1),
            end=dt.date(2026, 3, 31),
        )
        april = leaderboard(
            session=session,
            team_id=TEAM,
            channel_id="C1",
            start=dt.date(2026, 4, 1),
            end=dt.date(2026, 4, 30),
        )
    assert correct_by_user(march) == {"UA": 1}
    assert april == []


@pytest.mark.parametrize(
    ("period", "today", "bounds"),
    [
        ("week", dt.date(2026, 3, 30), (dt.date(2026, 3, 30), dt.date(2026, 4, 5))),  # Monday
        ("week", dt.date(2026, 4, 5), (dt.date(2026, 3, 30), dt.date(2026, 4, 5))),  # Sunday
        ("week", dt.date(2026, 12, 31), (dt.date(2026, 12, 28), dt.date(2027, 1, 3))),
        ("month", dt.date(2026, 1, 31), (dt.date(2026, 1, 1), dt.date(2026, 1, 31))),
        ("month", dt.date(2026, 2, 14), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("month", dt.date(2028, 2, 29), (dt.date(2028, 2, 1), dt.date(2028, 2, 29))),  # leap year
        ("month", dt.date(2026, 12, 1), (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
        ("all", dt.date(2026, 6, 1), (None, None)),
    ],
)
def test_period_bounds(period: str, today: dt.date, bounds: tuple) -> None:
    assert period_bounds(period, today) == bounds


def test_period_bounds_rejects_an_unknown_period() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        period_bounds("fortnight", dt.date(2026, 3, 1))


def test_reports_resolve_the_period_in_the_channels_zone(db: Database) -> None:
    for channel in ("CAKL", "CLAX", "CUTC"):
        play(db, channel, EDGE, EDGE_GRID)
    with db.writing() as session:
        for channel, zone in (("CAKL", "Pacific/Auckland"), ("CLAX", "America/Los_Angeles")):
            set_schedule(
                session=session,
                team_id=TEAM,
                channel_id=channel,
                hour=9,
                minute=0,
                timezone=zone,
                days="mon,tue,wed,thu,fri",
                now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            )
    clock = FakeClock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    catalog = QuestionCatalog(db=db, bank=load_bank(), clock=clock)
    reports = Stats(db=db, catalog=catalog, schedules=Schedules(db=db, clock=clock))
    # 2026-03-31 12:00 UTC is already 1 April (01:00) in Auckland, still 31 March elsewhere.
    noon_utc = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    clock.set(noon_utc)
    auckland = reports.leaderboard(team_id=TEAM, channel_id="CAKL", period="month")
    clock.set(noon_utc)
    utc = reports.leaderboard(team_id=TEAM, channel_id="CUTC", period="month")
    assert (auckland.start, auckland.end) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert correct_by_user(auckland.rows) == {"UZ": 1}
    assert (utc.start, utc.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert correct_by_user(utc.rows) == {"UY": 2, "UX": 1}
    # 2026-04-01 03:00 UTC is April in UTC but still 31 March (20:00) in Los Angeles.
    early_utc = dt.datetime(2026, 4, 1, 3, tzinfo=dt.UTC)
    clock.set(early_utc)
    los_angeles = reports.leaderboard(team_id=TEAM, channel_id="CLAX", period="month")
    clock.set(early_utc)
    utc = reports.leaderboard(team_id=TEAM, channel_id="CUTC", period="month")
    assert correct_by_user(los_angeles.rows) == {"UY": 2, "UX": 1}
    assert correct_by_user(utc.rows) == {"UZ": 1}
    # Sunday in UTC (the week of Mon 23 March) is already Monday in Auckland.
    sunday_utc = dt.datetime(2026, 3, 29, 12, tzinfo=dt.UTC)  # Mon 30 March 01:00 in Auckland
    clock.set(sunday_utc)
    week = reports.leaderboard(team_id=TEAM, channel_id="CAKL", period="week")
    assert (week.start, week.end) == (dt.date(2026, 3, 30), dt.date(2026, 4, 5))
    assert correct_by_user(week.rows) == {"UY": 2, "UZ": 1}
    payload = week.as_json()
    assert payload["period"] == "week" and payload["channel"] == "CAKL"
    assert [row["user"] for row in payload["rows"]] == ["UY", "UZ"]
    assert [row["rank"] for row in payload["rows"]] == [1, 2]


def test_top_rows_plus_the_viewer_wherever_they_rank(database_url: str) -> None:
    with database(database_url) as db:
        for index in range(3):
            post_id = post_day(db, channel="CTOP", day=dt.date(2026, 11, 2) + dt.timedelta(days=index))
            for n in range(20):  # U00-U04 get none right ... U15-U19 get all three
                answer(db, post_id=post_id, user=f"U{n:02d}", correct=index < n // 5)
        with db.reading() as session:
            full = leaderboard(session=session, team_id=TEAM, channel_id="CTOP")
            top = leaderboard(session=session, team_id=TEAM, channel_id="CTOP", limit=5, viewer="U01")
        assert [r.rank for r in full] == list(range(1, 21))
        assert top[:5] == full[:5]
        [mine] = [r for r in top if r.user_id == "U01"]
        assert mine == next(r for r in full if r.user_id == "U01") and mine.rank > 5
        assert len(top) == 6
