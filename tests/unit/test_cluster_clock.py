"""The cluster's clock: the offset measured against the database's, corrected for, and the
APScheduler trigger moved by it. The database's clock here is a FakeClock."""

from __future__ import annotations

import datetime as dt

from apscheduler.triggers.cron import CronTrigger

from bot.clock import ClusterClock, DatabaseFollows, OnClusterTime
from tests.support.clocks import FakeClock, OffsetClock

NINE = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
NO_SESSION = None  # DatabaseFollows reads its clock, not a session


class SlowReading:
    """A database clock whose reading takes `trip` of this replica's time, answered halfway."""

    def __init__(self, database: FakeClock, local: FakeClock, trip: dt.timedelta) -> None:
        self.database, self.local, self.trip = database, local, trip

    def now(self, session: object) -> dt.datetime:
        self.local.advance(seconds=self.trip.total_seconds() / 2)
        self.database.advance(seconds=self.trip.total_seconds() / 2)
        answer = self.database.now()
        self.local.advance(seconds=self.trip.total_seconds() / 2)
        self.database.advance(seconds=self.trip.total_seconds() / 2)
        return answer


def test_before_a_measurement_the_local_clock_is_trusted() -> None:
    database = FakeClock(NINE)
    clock = ClusterClock(OffsetClock(database, 40), DatabaseFollows(database))
    assert clock.offset is None and clock.ahead() == dt.timedelta(0)
    assert clock.now() == NINE + dt.timedelta(seconds=40)


def test_the_offset_is_the_database_time_against_the_midpoint_of_the_reading() -> None:
    database, local = FakeClock(NINE), FakeClock(NINE - dt.timedelta(seconds=40))
    clock = ClusterClock(local, SlowReading(database, local, dt.timedelta(milliseconds=200)))
    read = clock.read(NO_SESSION)  # type: ignore[arg-type]
    assert read == NINE + dt.timedelta(milliseconds=100)
    offset = clock.offset
    assert offset is not None
    assert offset.ahead == dt.timedelta(seconds=-40) and offset.ahead_seconds == -40.0
    assert offset.uncertainty == dt.timedelta(milliseconds=100)
    assert clock.now() == database.now()  # corrected: the database's time, whatever this clock says


def test_a_step_of_the_local_clock_is_corrected_at_the_next_measurement() -> None:
    database = FakeClock(NINE)
    local = OffsetClock(database, 0)
    clock = ClusterClock(local, DatabaseFollows(database))
    clock.read(NO_SESSION)  # type: ignore[arg-type]
    local.offset = dt.timedelta(seconds=-3)  # stepped between two beats
    assert clock.now() == NINE - dt.timedelta(seconds=3)
    clock.read(NO_SESSION)  # type: ignore[arg-type]
    assert clock.now() == NINE


def test_a_cron_job_fires_when_this_clock_reads_the_database_time_plus_the_offset() -> None:
    database = FakeClock(NINE - dt.timedelta(hours=1))
    for offset in (-40, 0, 40):
        local = OffsetClock(database, offset)
        clock = ClusterClock(local, DatabaseFollows(database))
        clock.read(NO_SESSION)  # type: ignore[arg-type]
        trigger = OnClusterTime(CronTrigger(hour=9, minute=0, timezone="UTC"), clock)
        assert trigger.get_next_fire_time(None, local.now()) == NINE + dt.timedelta(seconds=offset)


def test_a_cron_time_fires_once_when_the_offset_moves_between_fires() -> None:
    database = FakeClock(NINE - dt.timedelta(hours=1))
    local = OffsetClock(database, 40)
    clock = ClusterClock(local, DatabaseFollows(database))
    clock.read(NO_SESSION)  # type: ignore[arg-type]
    trigger = OnClusterTime(CronTrigger(hour=9, minute=0, timezone="UTC"), clock)
    fire = trigger.get_next_fire_time(None, local.now())
    assert fire == NINE + dt.timedelta(seconds=40)

    local.offset = dt.timedelta(seconds=41)  # this clock drifted a second; a beat saw it
    database.set(NINE + dt.timedelta(milliseconds=5))
    clock.read(NO_SESSION)  # type: ignore[arg-type]
    assert trigger.get_next_fire_time(fire, local.now()) == NINE + dt.timedelta(days=1, seconds=41)


def test_the_move_is_in_elapsed_time_across_a_dst_switch() -> None:
    """01:59:30 Berlin on the spring-forward day, 40 s later, is 03:00:10 (02:00 never comes)."""
    berlin_start = dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.UTC)  # 01:00 CET
    database = FakeClock(berlin_start)
    local = OffsetClock(database, 40)
    clock = ClusterClock(local, DatabaseFollows(database))
    clock.read(NO_SESSION)  # type: ignore[arg-type]
    trigger = OnClusterTime(CronTrigger(hour=1, minute=59, second=30, timezone="Europe/Berlin"), clock)
    fire = trigger.get_next_fire_time(None, local.now())
    assert fire == dt.datetime(2026, 3, 29, 1, 0, 10, tzinfo=dt.UTC)  # 03:00:10 CEST
