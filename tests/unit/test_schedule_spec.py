"""Schedules as typed (`09:00 Europe/Berlin mon-fri`): parsing and its errors, the local post
time across DST, when the scheduler considers a quiz day due, and when a reminder DM is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quiz.reminders import due_day, reminder_time
from quiz.schedule import (
    ScheduleError,
    ScheduleSpec,
    due_quiz_day,
    format_days,
    next_post_time,
    parse_date,
    parse_days,
    parse_schedule,
    parse_time,
    parse_zone,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone, fold=fold)


# -- parsing -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", (9, 0)), ("9:05", (9, 5)), (" 23:59 ", (23, 59)), ("00:00", (0, 0))],
)
def test_parse_time(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "12:60", "9", "09:0", "9am", "09:00:00", "", "-1:00"])
def test_parse_time_error_names_the_bad_time(text: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_time(text)
    assert repr(text) in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        (" Asia/Kolkata ", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
    ],
)
def test_parse_zone(text: str, expected: str) -> None:
    assert parse_zone(text) == expected


@pytest.mark.parametrize(
    "text", ["Mars/Base", "", "Europe/Atlantis", "/etc/passwd", "../../etc/localtime", "Europe/../UTC"]
)
def test_parse_zone_error_names_the_bad_zone(text: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_zone(text)
    assert repr(text) in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("mon,wed,fri", (0, 2, 4)),
        ("MON-FRI", (0, 1, 2, 3, 4)),
        ("Monday, Wednesday", (0, 2)),
        ("tues,thurs", (1, 3)),
        ("sat-sun", (5, 6)),
        ("fri,mon,fri", (0, 4)),
        ("mon-tue,thu-fri", (0, 1, 3, 4)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("sun", (6,)),
    ],
)
def test_parse_days(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("funday", "funday"),
        ("mon,funday", "funday"),
        ("mon-funday", "funday"),
        ("mo", "mo"),
        ("mon,,fri", ""),
    ],
)
def test_parse_days_error_names_the_bad_day(text: str, bad: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_days(text)
    assert f"day {bad!r}" in str(error.value)


def test_parse_days_errors_for_backwards_range_and_nothing() -> None:
    with pytest.raises(ScheduleError, match="'fri-mon'"):
        parse_days("fri-mon")
    with pytest.raises(ScheduleError, match="missing"):
        parse_days("  ")


def test_parse_schedule_builds_a_spec_and_names_the_bad_part() -> None:
    spec = parse_schedule("09:30", "Europe/Berlin", "mon-fri")
    assert spec == ScheduleSpec(hour=9, minute=30, timezone="Europe/Berlin", days=(0, 1, 2, 3, 4))
    assert spec.describe() == "09:30 Europe/Berlin mon-fri"
    for args, bad in (
        (("25:00", "Europe/Berlin", "mon-fri"), "'25:00'"),
        (("09:00", "Mars/Base", "mon-fri"), "'Mars/Base'"),
        (("09:00", "Europe/Berlin", "funday"), "'funday'"),
    ):
        with pytest.raises(ScheduleError) as error:
            parse_schedule(*args)
        assert bad in str(error.value)


def test_parse_date() -> None:
    assert parse_date("2026-03-29") == dt.date(2026, 3, 29)
    with pytest.raises(ScheduleError, match="'2026-02-30'"):
        parse_date("2026-02-30")


@given(st.sets(st.integers(min_value=0, max_value=6), min_size=1))
def test_format_days_round_trips_through_parse_days(days: set[int]) -> None:
    text = format_days(tuple(days))
    assert parse_days(text) == tuple(sorted(days))
    assert format_days(parse_days(text)) == text


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4, 5, 6), "daily"),
        ((0, 1, 2, 3, 4), "mon-fri"),
        ((0, 2, 4), "mon,wed,fri"),
        ((5, 6), "sat,sun"),
        ((4, 0, 2), "mon,wed,fri"),
    ],
)
def test_format_days(days: tuple[int, ...], text: str) -> None:
    assert format_days(days) == text


# -- post times across DST (2026: EU 29 Mar / 25 Oct, US 8 Mar / 1 Nov) ---------------------
def test_post_time_on_ordinary_days_and_off_days() -> None:
    spec = parse_schedule("09:00", "Europe/Berlin", "mon-fri")
    assert spec.post_time(dt.date(2026, 1, 14)) == utc(2026, 1, 14, 8)  # CET, UTC+1
    assert spec.post_time(dt.date(2026, 7, 15)) == utc(2026, 7, 15, 7)  # CEST, UTC+2
    assert spec.post_time(dt.date(2026, 7, 18)) is None  # Saturday


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc", "expected_local"),
    [
        # Spring forward: 02:30 does not exist; the post goes out at 03:30 local.
        ("Europe/Berlin", dt.date(2026, 3, 29), utc(2026, 3, 29, 1, 30), (3, 30)),
        ("America/New_York", dt.date(2026, 3, 8), utc(2026, 3, 8, 7, 30), (3, 30)),
        # Fall back: 02:30 happens twice in Berlin; the first (CEST) pass.
        ("Europe/Berlin", dt.date(2026, 10, 25), utc(2026, 10, 25, 0, 30), (2, 30)),
        # 02:30 exists once in New York on 1 Nov (after the repeated 01:xx hour).
        ("America/New_York", dt.date(2026, 11, 1), utc(2026, 11, 1, 7, 30), (2, 30)),
    ],
)
def test_post_time_at_0230_on_dst_switch_days(
    zone: str, day: dt.date, expected_utc: dt.datetime, expected_local: tuple[int, int]
) -> None:
    spec = parse_schedule("02:30", zone, "daily")
    when = spec.post_time(day)
    assert when == expected_utc
    assert when is not None
    shown = when.astimezone(ZoneInfo(zone))
    assert (shown.date(), shown.hour, shown.minute) == (day, *expected_local)


def test_fall_back_posts_once_at_the_first_0130_in_new_york() -> None:
    spec = parse_schedule("01:30", "America/New_York", "daily")
    day = dt.date(2026, 11, 1)
    first = local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0).astimezone(UTC)  # EDT, UTC-4
    second = local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1).astimezone(UTC)  # EST, UTC-5
    assert (first, second) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30))
    assert spec.post_time(day) == first
    changed = utc(2026, 10, 1)
    assert due_quiz_day(spec, changed_at=changed, now=first - dt.timedelta(seconds=1)) is None
    assert due_quiz_day(spec, changed_at=changed, now=first) == day
    # The second 01:30 is the same quiz day, already posted: the next post is the 2nd.
    assert due_quiz_day(spec, changed_at=changed, now=second) == day
    assert next_post_time(spec, changed_at=changed, now=second, posted_today=True) == utc(2026, 11, 2, 6, 30)


@pytest.mark.parametrize(
    ("zone", "time_text", "day"),
    [
        ("Europe/Berlin", "02:30", dt.date(2026, 3, 29)),
        ("America/New_York", "02:30", dt.date(2026, 3, 8)),
        ("Europe/Berlin", "02:30", dt.date(2026, 10, 25)),
        ("America/New_York", "01:30", dt.date(2026, 11, 1)),
        ("Europe/Berlin", "09:00", dt.date(2026, 3, 30)),
    ],
)
def test_the_cron_trigger_fires_when_next_post_time_says(zone: str, time_text: str, day: dt.date) -> None:
    spec = parse_schedule(time_text, zone, "daily")
    midnight = local(ZoneInfo(zone), day.year, day.month, day.day).astimezone(UTC)
    expected = next_post_time(
        spec, changed_at=midnight - dt.timedelta(days=1), now=midnight, posted_today=False
    )
    assert expected == spec.post_time(day)
    fire = spec.trigger().get_next_fire_time(None, midnight)
    assert fire is not None and fire.astimezone(UTC) == expected


def test_local_day_is_the_date_in_the_schedule_zone() -> None:
    spec = parse_schedule("09:00", "America/New_York", "daily")
    assert spec.local_day(utc(2026, 3, 5, 3)) == dt.date(2026, 3, 4)  # 22:00 EST the day before
    assert spec.local_day(utc(2026, 3, 5, 6)) == dt.date(2026, 3, 5)


# -- due_quiz_day / next_post_time -----------------------------------------------------------
BERLIN_WEEKDAYS = ScheduleSpec(hour=9, minute=0, timezone="Europe/Berlin", days=(0, 1, 2, 3, 4))
WEDNESDAY = dt.date(2026, 3, 4)
WED_0900 = utc(2026, 3, 4, 8)  # 09:00 CET
LONG_AGO = utc(2026, 1, 1)


def test_not_due_before_the_time_due_from_it_until_local_midnight() -> None:
    spec = BERLIN_WEEKDAYS
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=WED_0900 - dt.timedelta(minutes=1)) is None
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=WED_0900) == WEDNESDAY
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=utc(2026, 3, 4, 22, 59)) == WEDNESDAY  # 23:59 local
    # Midnight in Berlin: a missed Wednesday post is not made on Thursday.
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=utc(2026, 3, 4, 23, 0)) is None


def test_not_due_when_the_schedule_changed_after_todays_time() -> None:
    spec = BERLIN_WEEKDAYS
    changed = WED_0900 + dt.timedelta(minutes=30)
    assert due_quiz_day(spec, changed_at=changed, now=WED_0900 + dt.timedelta(hours=1)) is None
    # Changed before the time: today's post is due.
    assert due_quiz_day(spec, changed_at=WED_0900 - dt.timedelta(minutes=1), now=WED_0900) == WEDNESDAY
    # Thursday it is due as usual.
    assert due_quiz_day(spec, changed_at=changed, now=WED_0900 + dt.timedelta(days=1)) == dt.date(2026, 3, 5)


def test_not_due_on_an_off_day() -> None:
    saturday_noon = utc(2026, 3, 7, 11)
    assert due_quiz_day(BERLIN_WEEKDAYS, changed_at=LONG_AGO, now=saturday_noon) is None


def test_due_day_follows_the_zone_not_utc() -> None:
    # 23:30 New York on Wednesday is 04:30 UTC on Thursday.
    spec = parse_schedule("23:30", "America/New_York", "mon-fri")
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=utc(2026, 3, 5, 4, 45)) == WEDNESDAY
    assert due_quiz_day(spec, changed_at=LONG_AGO, now=utc(2026, 3, 5, 5, 10)) is None  # Thu 00:10 local


def test_next_post_time() -> None:
    spec = BERLIN_WEEKDAYS
    before = WED_0900 - dt.timedelta(hours=2)
    late = WED_0900 + dt.timedelta(hours=3)
    assert next_post_time(spec, changed_at=LONG_AGO, now=before, posted_today=False) == WED_0900
    assert next_post_time(spec, changed_at=LONG_AGO, now=late, posted_today=False) == late  # missed: now
    assert next_post_time(spec, changed_at=LONG_AGO, now=late, posted_today=True) == utc(2026, 3, 5, 8)
    # Changed after today's time: tomorrow.
    assert next_post_time(spec, changed_at=late, now=late, posted_today=False) == utc(2026, 3, 5, 8)
    # Friday posted: Monday; Saturday: Monday.
    friday_late = utc(2026, 3, 6, 12)
    assert next_post_time(spec, changed_at=LONG_AGO, now=friday_late, posted_today=True) == utc(2026, 3, 9, 8)
    assert next_post_time(spec, changed_at=LONG_AGO, now=utc(2026, 3, 7, 9), posted_today=False) == utc(
        2026, 3, 9, 8
    )


def test_next_post_time_a_week_ahead_and_across_spring_forward() -> None:
    mondays = ScheduleSpec(hour=9, minute=0, timezone="Europe/Berlin", days=(0,))
    monday_late = utc(2026, 3, 23, 12)  # CET
    # The next Monday is after the switch: 09:00 CEST is 07:00 UTC.
    assert next_post_time(mondays, changed_at=LONG_AGO, now=monday_late, posted_today=True) == utc(
        2026, 3, 30, 7
    )


def test_next_post_time_rejects_a_schedule_with_no_days() -> None:
    empty = ScheduleSpec(hour=9, minute=0, timezone="UTC", days=())
    with pytest.raises(ValueError):
        next_post_time(empty, changed_at=LONG_AGO, now=WED_0900, posted_today=False)


# -- reminder DMs: due at the person's local time, from the day after one set too late ----------
@dataclass
class Setting:
    timezone: str
    hour: int
    minute: int
    updated_at: dt.datetime


def test_reminder_is_due_from_its_local_time_on_the_local_day() -> None:
    setting = Setting("America/New_York", 21, 0, LONG_AGO)
    # 21:00 New York on Wednesday is 02:00 UTC on Thursday.
    assert due_day(setting, utc(2026, 3, 5, 1, 59)) is None
    assert due_day(setting, utc(2026, 3, 5, 2, 0)) == WEDNESDAY
    assert reminder_time(setting, utc(2026, 3, 5, 3)) == utc(2026, 3, 5, 2)


def test_reminder_set_after_todays_time_starts_tomorrow() -> None:
    setting = Setting("Europe/Berlin", 9, 0, WED_0900 + dt.timedelta(minutes=5))
    assert due_day(setting, WED_0900 + dt.timedelta(hours=1)) is None
    assert due_day(setting, WED_0900 + dt.timedelta(days=1)) == dt.date(2026, 3, 5)


def test_reminder_in_an_unknown_zone_goes_by_utc() -> None:
    setting = Setting("Mars/Olympus", 9, 0, LONG_AGO)
    assert due_day(setting, utc(2026, 3, 4, 8, 59)) is None
    assert due_day(setting, utc(2026, 3, 4, 9)) == WEDNESDAY
