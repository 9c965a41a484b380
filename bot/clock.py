"""Clocks. `Clock` is what the app asks for the time (injectable, so tests move time without
waiting); `ClusterClock` is the one every decision shared between replicas is made on: the
database's time, read through this replica's clock corrected by its measured offset."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Protocol

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.orm import Session

from db.clock import DatabaseClock, ServerClock
from db.engine import Database


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class DatabaseFollows:
    """A database clock that reads another clock: a world with one time, where a test's (or a
    replay's) clock stands for the database's too."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self, session: Session) -> dt.datetime:
        return self.clock.now()


@dataclass(frozen=True)
class Offset:
    """One measurement of this replica's clock against the database's."""

    ahead: dt.timedelta  # this replica's clock minus the database's (negative: behind)
    uncertainty: dt.timedelta  # half the round trip the reading took: the error can be no larger
    measured_at: dt.datetime  # the database's time when it was read

    @property
    def ahead_seconds(self) -> float:
        return self.ahead.total_seconds()


class ClusterClock:
    """The cluster's clock: this replica's `Clock` minus how far it is ahead of the database's,
    measured at every lease beat. Every replica reads the same time from it whatever its own
    clock says, so "is the lease expired", "is the question due", "when was this claimed" have
    one answer across replicas.

    Why an offset rather than the database's `now()` in every statement: "due" is decided in
    Python (time zones, DST, weekdays) and APScheduler waits on this machine's clock, so the
    decisions need the database's time at any moment, not only inside a statement. The lease
    itself does better than the offset: the heartbeat reads the database's time in the lease's
    own transaction, once the row is locked (`read`), and decides expiry, renewal and takeover
    on that exact reading; the same reading is this replica's offset sample (local time taken
    just before and after it; offset = database time minus the midpoint, good to half the
    round trip). Between beats a step of this machine's clock goes uncorrected, which is what
    `leader-quiz doctor` and the clock-offset gauge watch for.

    Before the first measurement it trusts the local clock. Thread-safe.
    """

    def __init__(self, local: Clock, database: DatabaseClock) -> None:
        self.local = local
        self.database = database
        self._offset: Offset | None = None
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        return self.local.now() - self.ahead()

    def ahead(self) -> dt.timedelta:
        """How far this replica's clock is ahead of the database's, last measured (zero before
        the first measurement)."""
        with self._lock:
            return self._offset.ahead if self._offset else dt.timedelta(0)

    @property
    def offset(self) -> Offset | None:
        with self._lock:
            return self._offset

    def read(self, session: Session) -> dt.datetime:
        """The database's time, read through `session` (inside the caller's transaction), and
        the offset measured from it."""
        before = self.local.now()
        database_now = self.database.now(session)
        after = self.local.now()
        half_trip = (after - before) / 2
        offset = Offset(
            ahead=before + half_trip - database_now, uncertainty=half_trip, measured_at=database_now
        )
        with self._lock:
            self._offset = offset
        return database_now

    def measure(self, db: Database) -> Offset:
        """Measure the offset now, in a transaction of its own."""
        with db.reading() as session:
            self.read(session)
        offset = self.offset
        assert offset is not None
        return offset


class OnClusterTime(BaseTrigger):
    """An APScheduler trigger whose times are the cluster's: APScheduler waits on this
    machine's clock, so each fire time is moved by how far that clock is ahead of the
    database's (a cron job for 09:00 fires when this clock says 09:00:40 if it runs 40 s fast).
    The offset is read each time the next fire is computed."""

    def __init__(self, inner: BaseTrigger, clock: ClusterClock) -> None:
        self.inner = inner
        self.clock = clock
        self._lock = threading.Lock()
        self._given: dict[dt.datetime, dt.datetime] = {}  # the last fire time given: the inner one

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        ahead = self.clock.ahead()
        previous = None
        if previous_fire_time is not None:
            with self._lock:
                # The inner time we moved, not the fire time moved back by today's offset: the
                # offset may have changed since, and the same time must not come round again.
                previous = self._given.get(previous_fire_time, previous_fire_time - ahead)
        fire = self.inner.get_next_fire_time(previous, now - ahead)
        if fire is None:
            return None
        moved = _shift(fire, ahead)
        with self._lock:
            self._given = {moved: fire}
        return moved

    def __str__(self) -> str:
        return f"{self.inner} on the cluster's clock"


def _shift(when: dt.datetime, by: dt.timedelta) -> dt.datetime:
    """`when` moved by `by` in elapsed time (aware arithmetic in a zone is wall-clock arithmetic,
    wrong across a DST switch), shown in its own zone."""
    return (when.astimezone(dt.UTC) + by).astimezone(when.tzinfo)


def cluster_clock(clock: Clock | None, database_clock: DatabaseClock | None) -> ClusterClock:
    """The clock every part of a runtime is given: this replica's clock (`clock`, the system's
    by default) corrected onto the database's (`database_clock`: the server's by default, and
    when only `clock` is given, that same clock: a world with one time, as tests and replays
    drive it)."""
    if database_clock is None:
        database_clock = ServerClock() if clock is None else DatabaseFollows(clock)
    return ClusterClock(clock or SystemClock(), database_clock)
