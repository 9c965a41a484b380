"""Schedules in real time zones: DST switch days in Berlin and New York, times inside the
skipped or repeated hour, missed posts made once the same local day (never the next),
schedules set after today's time, and changes reaching every replica without a restart."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from db.queries.schedules import get_schedule, set_schedule
from quiz.schedule import ScheduleSpec
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.posts import channel_posts, next_run_times

TEAM, CHANNEL = "T0001", "CTIME"


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    fake_slack.clock = made.now  # message timestamps follow the test's time
    return made


@pytest.fixture
def runtime(env: dict[str, str], clock: FakeClock) -> Iterator[Runtime]:
    made = build_runtime(load_settings(env), clock=clock)
    yield made
    made.close()


def schedule(runtime: Runtime, clock: FakeClock, *, at: str, zone: str, days: str = "daily") -> None:
    hour, minute = (int(part) for part in at.split(":"))
    with runtime.db.writing() as session:
        set_schedule(
            session=session,
            team_id=TEAM,
            channel_id=CHANNEL,
            hour=hour,
            minute=minute,
            timezone=zone,
            days=days,
            now=clock.now(),
        )


def run_at(runtime: Runtime, clock: FakeClock, local: dt.datetime) -> int:
    """Move the clock to `local` (aware), renew the lease and run the due check; return how
    many questions the channel has been sent so far."""
    clock.set(local)
    runtime.scheduler.heartbeat()
    runtime.scheduler.run_due()
    with runtime.db.reading() as session:
        return len(channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL))


def at(zone: str, *parts: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Berlin", (2026, 3, 29)),  # spring forward: 02:00 -> 03:00
        ("Europe/Berlin", (2026, 10, 25)),  # fall back: 03:00 -> 02:00
        ("America/New_York", (2026, 3, 8)),
        ("America/New_York", (2026, 11, 1)),
    ],
)
def test_nine_oclock_is_nine_local_on_switch_days(
    runtime: Runtime, clock: FakeClock, fake_slack: FakeSlack, zone: str, day: tuple[int, int, int]
) -> None:
    clock.set(at(zone, *day, 0, 0) - dt.timedelta(days=2))
    schedule(runtime, clock, at="09:00", zone=zone)
    before = dt.date(*day) - dt.timedelta(days=1)
    assert run_at(runtime, clock, at(zone, before.year, before.month, before.day, 9, 0)) == 1
    fake_slack.reset()
    assert run_at(runtime, clock, at(zone, *day, 8, 59, 59)) == 1
    assert run_at(runtime, clock, at(zone, *day, 9, 0)) == 2
    assert run_at(runtime, clock, at(zone, *day, 23, 0)) == 2
    daily = [
        c
        for c in fake_slack.calls("chat.postMessage")
        if (c.params.get("metadata") or {}).get("event_type") == "leader_quiz_daily_question"
    ]
    assert len(daily) == 1


def test_berlin_time_in_the_skipped_hour_posts_once_after_the_jump(
    runtime: Runtime, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    clock.set(at("Europe/Berlin", 2026, 3, 28, 12, 0))
    schedule(runtime, clock, at="02:30", zone="Europe/Berlin")
    # 02:30 does not exist on 29 March; 01:59 CET is followed by 03:00 CEST.
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 3, 29, 1, 59)) == 0
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 3, 29, 3, 29)) == 0
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 3, 29, 3, 30)) == 1
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 3, 29, 23, 0)) == 1


def test_new_york_time_in_the_repeated_hour_posts_once(
    runtime: Runtime, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    clock.set(at("America/New_York", 2026, 10, 31, 12, 0))
    schedule(runtime, clock, at="01:30", zone="America/New_York")
    assert run_at(runtime, clock, at("America/New_York", 2026, 11, 1, 1, 29)) == 0
    assert run_at(runtime, clock, at("America/New_York", 2026, 11, 1, 1, 30, fold=0)) == 1  # EDT
    assert run_at(runtime, clock, at("America/New_York", 2026, 11, 1, 1, 30, fold=1)) == 1  # EST, again
    assert run_at(runtime, clock, at("America/New_York", 2026, 11, 1, 1, 59, fold=1)) == 1
    assert len(fake_slack.messages(CHANNEL)) == 1
    with runtime.db.reading() as session:
        [post] = channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL)
    assert post.quiz_day == dt.date(2026, 11, 1)


def test_cron_trigger_agrees_with_the_due_check(runtime: Runtime, clock: FakeClock) -> None:
    clock.set(at("Europe/Berlin", 2026, 3, 27, 12, 0))
    schedule(runtime, clock, at="09:15", zone="Europe/Berlin", days="mon-fri")
    with runtime.db.reading() as session:
        spec = ScheduleSpec.of(get_schedule(session=session, team_id=TEAM, channel_id=CHANNEL))
    trigger = spec.trigger()
    fire = trigger.get_next_fire_time(None, clock.now())
    assert fire == spec.post_time(dt.date(2026, 3, 30))  # Friday done; Monday, after the switch
    assert fire.astimezone(dt.UTC).hour == 7  # 09:15 CEST


def test_missed_post_is_made_once_the_same_day_and_never_the_next(
    runtime: Runtime, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    clock.set(at("Europe/Berlin", 2026, 11, 20, 12, 0))
    schedule(runtime, clock, at="09:00", zone="Europe/Berlin", days="mon-fri")
    # Every replica was down from Monday 08:00 to 15:00: the post is made on return.
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 23, 8, 0)) == 0
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 23, 15, 0)) == 1
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 23, 15, 1)) == 1
    # Down all of Tuesday until after midnight: Tuesday's post is never made on Wednesday.
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 25, 0, 30)) == 1
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 25, 9, 0)) == 2
    with runtime.db.reading() as session:
        days = [p.quiz_day for p in channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL)]
    assert days == [dt.date(2026, 11, 23), dt.date(2026, 11, 25)]
    # Weekend days are not scheduled.
    assert run_at(runtime, clock, at("Europe/Berlin", 2026, 11, 28, 10, 0)) == 2


def test_schedule_set_after_todays_time_starts_tomorrow(runtime: Runtime, clock: FakeClock) -> None:
    clock.set(at("UTC", 2026, 11, 23, 10, 0))
    schedule(runtime, clock, at="09:00", zone="UTC")
    assert run_at(runtime, clock, at("UTC", 2026, 11, 23, 23, 59)) == 0
    assert run_at(runtime, clock, at("UTC", 2026, 11, 24, 9, 0)) == 1


def test_schedule_changes_reach_another_replica_without_restart(
    env: dict[str, str], runtime: Runtime, clock: FakeClock
) -> None:
    clock.set(at("UTC", 2026, 11, 23, 6, 0))
    other = build_runtime(dataclasses.replace(load_settings(env), replica_id="other"), clock=clock)
    other.scheduler.start()
    try:
        other.scheduler.sync()
        assert next_run_times(other.scheduler) == {}
        schedule(runtime, clock, at="07:45", zone="Asia/Tokyo")
        other.scheduler.sync()  # what its periodic sync job does every SCHEDULE_SYNC_SECONDS
        [(job_id, next_run)] = next_run_times(other.scheduler).items()
        assert job_id == f"post:{TEAM}:{CHANNEL}"
        assert next_run.astimezone(ZoneInfo("Asia/Tokyo")).time() == dt.time(7, 45)
        schedule(runtime, clock, at="08:05", zone="Asia/Tokyo")
        other.scheduler.sync()
        [next_run] = next_run_times(other.scheduler).values()
        assert next_run.astimezone(ZoneInfo("Asia/Tokyo")).time() == dt.time(8, 5)
    finally:
        other.close()


def test_a_pass_cut_short_by_shutdown_posts_nothing_and_the_post_waits_for_the_next_leader(
    runtime: Runtime, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    schedule(runtime, clock, at="09:00", zone="Europe/Berlin")
    clock.set(at("Europe/Berlin", 2026, 1, 5, 9, 1))
    runtime.scheduler.heartbeat()
    runtime.outbox.close(timeout=0)  # the process began stopping while the pass ran
    with caplog.at_level("INFO"):
        runtime.scheduler._safe(runtime.scheduler.run_due)()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    with runtime.db.reading() as session:  # nothing claimed: the next leader posts it
        assert channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL) == []
    assert sum(count for (kind, reason), count in runtime.outbox.dropped.items() if reason == "stopped") == 1
