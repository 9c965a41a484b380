"""Replicas whose clocks are 40 s off the database's: the lease, the daily post, the reminder
DM and the season recap all go by the database's clock. The test's FakeClock is the
database's clock; each replica's own clock is that plus its offset. (Real time, real database
clocks and a killed leader: test_clock_takeover.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import REGISTRY

from bot.clock import DatabaseFollows
from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.services.daily_posts import PostStatus
from bot.services.delivery import ClaimedDelivery, Status
from bot.services.recaps import METADATA_EVENT as RECAP_EVENT
from bot.services.reminders import METADATA_EVENT as REMINDER_EVENT
from db.queries import leases
from db.queries.posts import get_post
from db.queries.reminders import set_reminder
from db.queries.schedules import set_schedule
from tests.support.answers import record_answer
from tests.support.clocks import FakeClock, OffsetClock
from tests.support.fake_slack import FakeSlack
from tests.support.posts import channel_posts, next_run_times

TEAM, CHANNEL = "T0001", "CCLOCK"
NINE = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # the channel's post time, by the database
LEASE = dt.timedelta(seconds=15)  # the default lease; beats every 5 s

OFFSETS = [pytest.param(-40.0, id="slow-40s"), pytest.param(40.0, id="fast+40s")]
Replica = Callable[..., Runtime]


@pytest.fixture
def database_time(fake_slack: FakeSlack) -> FakeClock:
    """The database's clock."""
    made = FakeClock(NINE - dt.timedelta(hours=1))
    fake_slack.clock = made.now  # Slack's clock agrees with the database's
    return made


@pytest.fixture
def replica(env: dict[str, str], database_time: FakeClock) -> Iterator[Replica]:
    made: list[Runtime] = []

    def build(name: str, offset: float) -> Runtime:
        runtime = build_runtime(
            dataclasses.replace(load_settings(env), replica_id=name),
            clock=OffsetClock(database_time, offset),
            database_clock=DatabaseFollows(database_time),
        )
        runtime.delivery.sleep = lambda seconds: None
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


def schedule_nine(runtime: Runtime, *, since: dt.datetime) -> None:
    with runtime.db.writing() as session:
        set_schedule(
            session=session,
            team_id=TEAM,
            channel_id=CHANNEL,
            hour=9,
            minute=0,
            timezone="UTC",
            days="daily",
            now=since,
        )


def lease_row(runtime: Runtime) -> tuple[str, int, dt.datetime]:
    with runtime.db.reading() as session:
        lease = leases.current_lease(session=session)
        assert lease is not None
        return lease.holder, lease.token, lease.expires_at


@pytest.mark.parametrize(
    ("leader_offset", "follower_offset"),
    [(0.0, -40.0), (0.0, 40.0), (-40.0, 0.0), (40.0, 0.0)],
    ids=["follower-slow", "follower-fast", "leader-slow", "leader-fast"],
)
def test_the_lease_passes_when_it_expires_by_the_databases_clock_whatever_either_clock_says(
    replica: Replica, database_time: FakeClock, leader_offset: float, follower_offset: float
) -> None:
    leader = replica("leader", leader_offset)
    follower = replica("follower", follower_offset)
    first = leader.scheduler.heartbeat()
    assert first is not None
    assert follower.scheduler.heartbeat() is None

    # The leader renews every 5 s; the follower never takes a live lease.
    for _ in range(4):
        database_time.advance(seconds=5)
        assert leader.scheduler.heartbeat().token == first.token
        assert follower.scheduler.heartbeat() is None
    renewed_at = database_time.now()

    # The leader dies. One second before its lease runs out by the database's clock, the
    # follower still waits, and the leader (frozen) would still believe it leads.
    database_time.advance(seconds=14)
    assert follower.scheduler.heartbeat() is None
    assert leader.scheduler.is_leader()
    database_time.advance(seconds=1)
    assert not leader.scheduler.is_leader()  # its own view ends at the same moment
    taken = follower.scheduler.heartbeat()
    assert taken is not None and taken.token == first.token + 1
    assert database_time.now() - renewed_at == LEASE  # not a second later nor earlier
    # Written on the database's clock, so the next takeover is as prompt.
    assert lease_row(follower) == ("follower", first.token + 1, database_time.now() + LEASE)
    assert leader.scheduler.heartbeat() is None


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_daily_post_goes_out_at_the_scheduled_minute_by_the_databases_clock(
    replica: Replica, database_time: FakeClock, fake_slack: FakeSlack, offset: float
) -> None:
    leader = replica("leader", offset)
    schedule_nine(leader, since=NINE - dt.timedelta(days=1))

    database_time.set(NINE - dt.timedelta(seconds=1))
    assert leader.scheduler.heartbeat() is not None
    assert leader.scheduler.run_due() == []
    assert leader.scheduler.overdue_seconds() == 0
    assert fake_slack.messages(CHANNEL) == []

    database_time.set(NINE)
    leader.scheduler.heartbeat()
    [outcome] = leader.scheduler.run_due()
    assert outcome.status is PostStatus.POSTED
    with leader.db.reading() as session:
        [post] = channel_posts(session=session, team_id=TEAM, channel_id=CHANNEL)
    assert post.quiz_day == NINE.date() and post.posted_at == NINE
    [message] = fake_slack.messages(CHANNEL)
    assert float(message["ts"]) == pytest.approx(NINE.timestamp(), abs=1)


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_channels_cron_job_fires_at_the_minute_by_the_databases_clock(
    replica: Replica, database_time: FakeClock, offset: float
) -> None:
    """APScheduler waits on this machine's clock: the channel's job is moved by the offset."""
    runtime = replica("leader", offset)
    schedule_nine(runtime, since=NINE - dt.timedelta(days=1))
    # A paused APScheduler: `sync` gives each channel's job its next run time, and no job runs
    # (no beat in the background to outlive the test's database).
    runtime.scheduler._aps = BackgroundScheduler(timezone=dt.UTC)
    runtime.scheduler._aps.start(paused=True)
    runtime.scheduler.sync()
    [fire] = next_run_times(runtime.scheduler).values()
    # On this replica's clock, which reads 09:00:40 (or 08:59:20) when the database's reads 09:00
    # (APScheduler counts from the real date, so only the time of day is the test's).
    assert fire.astimezone(dt.UTC).time() == (NINE + dt.timedelta(seconds=offset)).time()


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_reminder_dm_leaves_at_its_minute_by_the_databases_clock(
    replica: Replica, database_time: FakeClock, fake_slack: FakeSlack, offset: float
) -> None:
    leader = replica("leader", offset)
    schedule_nine(leader, since=NINE - dt.timedelta(days=1))
    database_time.set(NINE + dt.timedelta(minutes=1))  # the day's question, out
    leader.scheduler.heartbeat()
    [outcome] = leader.scheduler.run_due()
    with leader.db.writing() as session:
        post = get_post(session=session, post_id=outcome.post_id)
        question = leader.bank.question(post.question_id)
        wrong = next(i for i, option in enumerate(question.options) if not option.correct)
        # A wrong answer: FSRS brings the card back within minutes, so there is a review to remind of.
        record_answer(
            session=session, post=post, user_id="UALICE", option_index=wrong, correct=False, now=NINE
        )
        set_reminder(
            session=session,
            team_id=TEAM,
            user_id="UALICE",
            hour=18,
            minute=0,
            timezone="UTC",
            now=database_time.now(),
        )

    def reminders() -> list:
        return [
            call
            for call in fake_slack.calls("chat.postMessage")
            if (call.params.get("metadata") or {}).get("event_type") == REMINDER_EVENT
        ]

    six = NINE.replace(hour=18)
    database_time.set(six - dt.timedelta(seconds=1))
    leader.scheduler.heartbeat()
    leader.scheduler.run_reminders()
    assert leader.outbox.drain(10)
    assert reminders() == []
    database_time.set(six)
    leader.scheduler.heartbeat()
    leader.scheduler.run_reminders()
    assert leader.outbox.drain(10)
    [dm] = reminders()
    assert dm.params["channel"] == "UALICE"


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_season_recap_opens_at_the_channels_time_by_the_databases_clock(
    replica: Replica, database_time: FakeClock, fake_slack: FakeSlack, offset: float
) -> None:
    leader = replica("leader", offset)
    schedule_nine(leader, since=NINE - dt.timedelta(days=1))
    database_time.set(NINE + dt.timedelta(minutes=1))  # the day's question, out
    leader.scheduler.heartbeat()
    [outcome] = leader.scheduler.run_due()
    with leader.db.writing() as session:
        post = get_post(session=session, post_id=outcome.post_id)
        question = leader.bank.question(post.question_id)
        right = next(i for i, option in enumerate(question.options) if option.correct)
        record_answer(
            session=session, post=post, user_id="UALICE", option_index=right, correct=True, now=NINE
        )

    def recaps() -> list[dict]:
        return [
            m
            for m in fake_slack.messages(CHANNEL)
            if (m.get("metadata") or {}).get("event_type") == RECAP_EVENT
        ]

    december_first = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # the channel's 09:00
    database_time.set(december_first - dt.timedelta(seconds=1))
    fence = leader.scheduler.heartbeat()
    assert leader.recaps.post_due(fence) == []
    database_time.set(december_first)
    fence = leader.scheduler.heartbeat()
    [queued] = leader.recaps.post_due(fence)
    assert ClaimedDelivery.outcome(queued, timeout=10).status is Status.DELIVERED
    assert len(recaps()) == 1


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_offset_is_measured_at_each_beat_and_shown_as_a_gauge(
    replica: Replica, database_time: FakeClock, offset: float
) -> None:
    runtime = replica("replica", offset)
    runtime.scheduler.heartbeat()
    runtime.scheduler.sample()
    assert REGISTRY.get_sample_value("leader_quiz_clock_offset_seconds") == offset
    assert runtime.clock.now() == database_time.now()
