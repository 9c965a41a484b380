"""Operational status: each channel's schedule and next post time, who leads, and how far
behind the replicas' outboxes are."""

from __future__ import annotations

import datetime as dt

from bot.domain.status import ChannelStatus, OutboxBacklog, Status
from db.engine import Database
from db.queries.budgets import fresh_snapshots
from db.queries.leases import current_lease
from db.queries.owed import owed_count
from db.queries.posts import find_post
from db.queries.schedules import list_schedules
from quiz.schedule import ScheduleSpec, next_post_time

# A replica writes its outbox snapshot every few seconds; one older than this has stopped.
SNAPSHOT_FRESH = dt.timedelta(seconds=30)


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
            outbox=_outbox(
                fresh_snapshots(session=session, since=now - SNAPSHOT_FRESH), owed_count(session=session)
            ),
        )


def _outbox(snapshots: dict[str, dict], owed: int) -> OutboxBacklog:
    kinds: dict[str, tuple[int, float]] = {}
    throttled: dict[str, int] = {}
    for state in snapshots.values():
        for kind, entry in (state.get("kinds") or {}).items():
            queued, late = kinds.get(kind, (0, 0.0))
            kinds[kind] = (queued + int(entry.get("queued", 0)), max(late, float(entry.get("late", 0.0))))
        for method, count in (state.get("throttled") or {}).items():
            throttled[method] = throttled.get(method, 0) + int(count)
    return OutboxBacklog(replicas=len(snapshots), kinds=kinds, throttled=throttled, owed_replies=owed)
