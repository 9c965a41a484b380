"""When a person's reminder DM is due: once a local day, at their chosen time in their Slack
time zone, and not on the day it was set after that time; and which streaks it names."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME = (9, 0)
DEADLINE = dt.timedelta(hours=6)  # a reminder later than this says too little
AT_RISK_FROM = 3  # streaks this long are worth a nudge


class ReminderSetting(Protocol):
    """A person's opt-in (`db.models.Reminder` is one)."""

    timezone: str
    hour: int
    minute: int
    updated_at: dt.datetime


def local_time(reminder: ReminderSetting, now: dt.datetime) -> dt.datetime:
    """`now` in the person's time zone (UTC when Slack gave one we do not know)."""
    try:
        zone = ZoneInfo(reminder.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone)


def reminder_time(reminder: ReminderSetting, now: dt.datetime) -> dt.datetime:
    """When today's reminder is (or was) due, in the person's time zone."""
    local = local_time(reminder, now)
    return local.replace(hour=reminder.hour, minute=reminder.minute, second=0, microsecond=0)


def due_day(reminder: ReminderSetting, now: dt.datetime) -> dt.date | None:
    """The local day whose reminder is due now, if any: its time has come today, and the
    reminder was set before that time (one set later starts tomorrow)."""
    at = reminder_time(reminder, now)
    if now < at or reminder.updated_at > at:
        return None
    return at.date()
