"""Slack rate budgets kept in the database, so every replica draws from one budget per
(workspace, method); and the outbox snapshots `leader-quiz status` reads.

Grants are stamped with the database's time, not a replica's, so a replica whose clock is off
cannot make the shared window look emptier than it is."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.clock import ServerClock
from db.models import OutboxSnapshot, SlackBudget


def database_time(session: Session) -> float:
    """The database server's clock, epoch seconds: Slack counts its minutes in real time, so
    budgets use the server's own clock, never a test's or a replica's."""
    return ServerClock().now(session).timestamp()


@dataclass(frozen=True)
class Grant:
    granted: int  # calls allowed now (0 to the number wanted)
    at: float  # database time of the grant
    retry_at: float | None  # when more may be granted (None: everything wanted was granted)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(SlackBudget)


def _locked(session: Session, team_id: str, method: str) -> SlackBudget:
    session.execute(
        _insert(session)
        .values(team_id=team_id, method=method, granted="", paused_until=0.0)
        .on_conflict_do_nothing(index_elements=["team_id", "method"])
    )
    return session.execute(
        select(SlackBudget)
        .where(SlackBudget.team_id == team_id, SlackBudget.method == method)
        .with_for_update()
    ).scalar_one()


def take(
    *,
    session: Session,
    team_id: str,
    method: str,
    want: int,
    limit: int,
    window: float,
    now: float | None = None,
) -> Grant:
    """Grant up to `want` calls so that no `window` seconds ever hold more than `limit` grants,
    unless Slack asked us to wait (a 429's Retry-After). `now` defaults to the database's time."""
    now = database_time(session) if now is None else now
    row = _locked(session, team_id, method)
    if row.paused_until > now:
        return Grant(0, now, row.paused_until)
    stamps = [float(stamp) for stamp in row.granted.split() if float(stamp) > now - window]
    granted = max(0, min(want, limit - len(stamps)))
    stamps.extend([now] * granted)
    row.granted = " ".join(f"{stamp:.3f}" for stamp in stamps)
    if granted == want:
        return Grant(granted, now, None)
    # Full: the next call may go when the oldest grant in the window leaves it.
    return Grant(granted, now, stamps[len(stamps) - limit] + window if len(stamps) >= limit else now)


def pause(*, session: Session, team_id: str, method: str, seconds: float, now: float | None = None) -> float:
    """Slack answered 429: no replica calls this method in this workspace for `seconds`; the
    database time the pause ends."""
    until = (database_time(session) if now is None else now) + seconds
    row = _locked(session, team_id, method)
    row.paused_until = max(row.paused_until, until)
    return row.paused_until


def save_snapshot(*, session: Session, replica_id: str, now: dt.datetime, state: dict) -> None:
    values = {"replica_id": replica_id, "updated_at": now, "state": json.dumps(state, sort_keys=True)}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(OutboxSnapshot)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["replica_id"], set_={"updated_at": now, "state": values["state"]}
        )
    )


def fresh_snapshots(*, session: Session, since: dt.datetime) -> dict[str, dict]:
    """The outbox state of every replica that reported since `since` (the others stopped)."""
    rows = session.execute(
        select(OutboxSnapshot.replica_id, OutboxSnapshot.state).where(OutboxSnapshot.updated_at >= since)
    )
    return {replica: json.loads(state) for replica, state in rows}


def forget_snapshot(*, session: Session, replica_id: str) -> None:
    session.execute(delete(OutboxSnapshot).where(OutboxSnapshot.replica_id == replica_id))
