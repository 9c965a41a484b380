"""Operational status: each channel's schedule and next post time, and who leads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.scheduler import next_post_time, spec_of
from db.engine import Database
from db.queries.leases import current_lease
from db.queries.posts import find_post
from db.queries.schedules import list_schedules


@dataclass(frozen=True)
class ChannelStatus:
    team_id: str
    channel_id: str
    schedule: str
    next_post_at: dt.datetime | None
    flagged: str | None


@dataclass(frozen=True)
class Status:
    channels: list[ChannelStatus]
    leader: str | None
    token: int | None
    lease_expires_at: dt.datetime | None
    now: dt.datetime

    def as_json(self) -> dict:
        return {
            "leader": self.leader,
            "token": self.token,
            "lease_expires_at": self.lease_expires_at.isoformat() if self.lease_expires_at else None,
            "leader_alive": bool(self.lease_expires_at and self.lease_expires_at > self.now),
            "channels": [
                {
                    "team": c.team_id,
                    "channel": c.channel_id,
                    "schedule": c.schedule,
                    "next_post_at": c.next_post_at.isoformat() if c.next_post_at else None,
                    "flagged": c.flagged,
                }
                for c in self.channels
            ],
        }


def read_status(*, db: Database, now: dt.datetime) -> Status:
    with db.reading() as session:
        channels = []
        for schedule in list_schedules(session=session):
            spec = spec_of(schedule)
            posted = find_post(
                session=session,
                team_id=schedule.team_id,
                channel_id=schedule.channel_id,
                quiz_day=spec.local_day(now),
            )
            next_at = None
            if schedule.flagged_error is None:
                next_at = next_post_time(
                    spec, changed_at=schedule.updated_at, now=now, posted_today=posted is not None
                )
            channels.append(
                ChannelStatus(
                    team_id=schedule.team_id,
                    channel_id=schedule.channel_id,
                    schedule=spec.describe(),
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
