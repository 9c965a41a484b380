"""Operational status: each channel's schedule and next post time, and who leads."""

from __future__ import annotations

import datetime as dt

from bot.domain.reports import ChannelStatus, Status
from bot.domain.schedule import ScheduleSpec, next_post_time
from db.engine import Database
from db.queries.leases import current_lease
from db.queries.posts import find_post
from db.queries.schedules import list_schedules


def read_status(*, db: Database, now: dt.datetime, team_id: str | None = None) -> Status:
    """Every schedule (or one workspace's), its next post time, and the current lease."""
    with db.reading() as session:
        channels = []
        for schedule in list_schedules(session=session):
            if team_id is not None and schedule.team_id != team_id:
                continue
            spec = ScheduleSpec.of(schedule)
            next_at = None
            if schedule.flagged_error is None:
                posted = find_post(
                    session=session,
                    team_id=schedule.team_id,
                    channel_id=schedule.channel_id,
                    quiz_day=spec.local_day(now),
                )
                next_at = next_post_time(
                    spec, changed_at=schedule.updated_at, now=now, posted_today=posted is not None
                )
            channels.append(
                ChannelStatus(
                    team_id=schedule.team_id,
                    channel_id=schedule.channel_id,
                    schedule=spec.describe(),
                    timezone=spec.timezone,
                    next_post_at=next_at,
                    flagged=schedule.flagged_error,
                )
            )
        lease = current_lease(session=session)
        return Status(
            channels=channels,
            leader=lease.holder if lease else None,
            token=lease.token if lease else None,
            lease_expires_at=lease.expires_at if lease else None,
            now=now,
        )
