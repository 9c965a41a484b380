"""Channel schedules: stored per (team, channel), flagged when Slack refuses the channel."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Schedule


def set_schedule(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    hour: int,
    minute: int,
    timezone: str,
    days: str,
    now: dt.datetime,
) -> Schedule:
    """Create or replace a channel's schedule; replacing clears any flag."""
    schedule = session.execute(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
    ).scalar_one_or_none()
    if schedule is None:
        schedule = Schedule(team_id=team_id, channel_id=channel_id, created_at=now)
        session.add(schedule)
    schedule.hour, schedule.minute, schedule.timezone, schedule.days = hour, minute, timezone, days
    schedule.updated_at = now
    schedule.flagged_error = None
    schedule.flagged_at = None
    session.flush()
    return schedule


def get_schedule(*, session: Session, team_id: str, channel_id: str) -> Schedule | None:
    return session.execute(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
    ).scalar_one_or_none()


def find_channel_schedule(*, session: Session, channel_id: str) -> Schedule | None:
    """The schedule of a channel when the team is not known (CLI without --team)."""
    return (
        session.execute(select(Schedule).where(Schedule.channel_id == channel_id).order_by(Schedule.id))
        .scalars()
        .first()
    )


def list_schedules(*, session: Session) -> list[Schedule]:
    return list(session.execute(select(Schedule).order_by(Schedule.team_id, Schedule.channel_id)).scalars())


def remove_schedule(*, session: Session, team_id: str, channel_id: str) -> bool:
    result = session.execute(
        delete(Schedule).where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
    )
    return bool(result.rowcount)


def flag_schedule(*, session: Session, team_id: str, channel_id: str, error: str, now: dt.datetime) -> bool:
    """Mark a schedule as failing; True only the first time (so it is logged once)."""
    schedule = get_schedule(session=session, team_id=team_id, channel_id=channel_id)
    if schedule is None or schedule.flagged_error is not None:
        return False
    schedule.flagged_error = error
    schedule.flagged_at = now
    return True
