"""Two replicas in real time on a real database, one of them with its clock 40 s slow or fast
(or neither): while the leader lives the other never takes the lease; when the leader dies (its
heartbeats stop and the lease is not released, as after SIGKILL) the other takes over within
one renewal beat of the lease's expiry by the database's clock, as fast as with no offset. The
database's clock is its own: PostgreSQL's clock_timestamp(), SQLite's strftime('now')."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator

import pytest

from bot.clock import SystemClock
from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from db.clock import ServerClock
from db.engine import Database
from db.queries import leases
from tests.support.clocks import OffsetClock

LEASE_SECONDS = 3.0
RENEW_SECONDS = 1.0
SLACK_S = 1.0  # a beat's own work, and two replicas' threads on a busy machine (CI shares its cores)


@pytest.fixture
def replicas(env: dict[str, str]) -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    yield made
    for runtime in made:
        runtime.close()


def start(env: dict[str, str], made: list[Runtime], name: str, offset: float) -> Runtime:
    settings = load_settings(
        {**env, "LEASE_SECONDS": str(LEASE_SECONDS), "LEASE_RENEW_SECONDS": str(RENEW_SECONDS)}
    )
    runtime = build_runtime(
        dataclasses.replace(settings, replica_id=name),
        clock=OffsetClock(SystemClock(), offset),
        database_clock=ServerClock(),
    )
    made.append(runtime)
    runtime.scheduler.start()
    return runtime


def crash(runtime: Runtime) -> None:
    """What SIGKILL leaves: no more heartbeats, and the lease not given up."""
    assert runtime.scheduler._aps is not None
    runtime.scheduler._aps.shutdown(wait=False)
    runtime.scheduler._aps = None


def lease(db: Database) -> tuple[str, int, dt.datetime, dt.datetime] | None:
    with db.reading() as session:
        row = leases.current_lease(session=session)
        return None if row is None else (row.holder, row.token, row.renewed_at, row.expires_at)


def wait_for_holder(db: Database, holder: str, timeout: float) -> tuple[str, int, dt.datetime, dt.datetime]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = lease(db)
        if row is not None and row[0] == holder:
            return row
        time.sleep(0.02)
    raise AssertionError(f"{holder} did not take the lease within {timeout:.0f} s: {lease(db)}")


@pytest.mark.parametrize(
    ("leader_offset", "follower_offset"),
    [(0.0, 0.0), (0.0, -40.0), (0.0, 40.0), (-40.0, 0.0), (40.0, 0.0)],
    ids=["no-offset", "follower-slow", "follower-fast", "leader-slow", "leader-fast"],
)
def test_a_dead_leader_is_replaced_as_fast_whichever_clock_is_off(
    env: dict[str, str], replicas: list[Runtime], leader_offset: float, follower_offset: float
) -> None:
    leader = start(env, replicas, "leader", leader_offset)
    _, token, _, _ = wait_for_holder(leader.db, "leader", timeout=5)
    follower = start(env, replicas, "follower", follower_offset)

    # Both alive for a lease and two beats: the follower never takes the lease.
    watch_until = time.monotonic() + LEASE_SECONDS + 2 * RENEW_SECONDS
    while time.monotonic() < watch_until:
        row = lease(leader.db)
        assert row is not None and row[:2] == ("leader", token), f"taken from a live leader: {row}"
        time.sleep(0.05)
    assert follower.scheduler.is_leader() is False

    crash(leader)
    killed = time.monotonic()
    _, _, _, expires = lease(leader.db)  # the last renewal's expiry (the dead cannot renew)
    _, new_token, taken_at, _ = wait_for_holder(follower.db, "follower", timeout=LEASE_SECONDS + 10)
    takeover = time.monotonic() - killed
    assert new_token == token + 1
    # By the database's clock: never before the lease ran out, and at the follower's next beat.
    after_expiry = (taken_at - expires).total_seconds()
    assert 0 <= after_expiry <= RENEW_SECONDS + SLACK_S, f"taken {after_expiry:.2f} s after expiry"
    assert takeover <= LEASE_SECONDS + RENEW_SECONDS + SLACK_S, f"takeover took {takeover:.2f} s"
    print(
        f"\nleader {leader_offset:+.0f} s, follower {follower_offset:+.0f} s: takeover {takeover:.2f} s "
        f"after the kill, {after_expiry:.2f} s after the lease expired (lease {LEASE_SECONDS:g} s, "
        f"beat {RENEW_SECONDS:g} s)"
    )
