"""Channel schedules: set, shown, removed and listed, from Slack and the CLI alike."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.clock import Clock
from db.engine import Database
from db.models import Schedule
from db.queries import schedules as queries
from quiz.schedule import ScheduleSpec


def store_schedule(
    session: Session, *, team_id: str, channel_id: str, spec: ScheduleSpec, now: dt.datetime
) -> None:
    """Create or replace a channel's schedule in `session` (the caller's transaction)."""
    queries.set_schedule(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        hour=spec.hour,
        minute=spec.minute,
        timezone=spec.timezone,
        days=spec.days_text,
        now=now,
    )


class Schedules:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def get(self, *, team_id: str, channel_id: str) -> Schedule | None:
        with self.db.reading() as session:
            return queries.get_schedule(session=session, team_id=team_id, channel_id=channel_id)

    def list(self) -> list[Schedule]:
        with self.db.reading() as session:
            return queries.list_schedules(session=session)

    def set(self, *, team_id: str, channel_id: str, spec: ScheduleSpec) -> None:
        """Create or replace; every replica picks it up within a sync (SPEC §6)."""
        with self.db.writing() as session:
            store_schedule(session, team_id=team_id, channel_id=channel_id, spec=spec, now=self.clock.now())

    def remove(self, *, team_id: str, channel_id: str) -> bool:
        with self.db.writing() as session:
            return queries.remove_schedule(session=session, team_id=team_id, channel_id=channel_id)

    def zone(self, *, team_id: str, channel_id: str) -> str:
        """The channel's schedule zone (UTC without a schedule)."""
        schedule = self.get(team_id=team_id, channel_id=channel_id)
        return schedule.timezone if schedule else "UTC"

    def today(self, *, team_id: str, channel_id: str) -> dt.date:
        """Today in the channel's schedule zone: the quiz day a post made now belongs to."""
        return self.clock.now().astimezone(ZoneInfo(self.zone(team_id=team_id, channel_id=channel_id))).date()
