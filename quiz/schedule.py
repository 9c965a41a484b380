"""Channel schedules as people type them (`09:00 Europe/Berlin mon-fri`): parsing with
errors that name the bad part, the APScheduler trigger that fires them, when a channel's
question is due, and when its next one goes out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {"daily": "mon-sun", "weekdays": "mon-fri", "weekends": "sat-sun", "everyday": "mon-sun"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class ScheduleError(ValueError):
    """A schedule part that does not parse; the message names that part."""


@dataclass(frozen=True)
class ScheduleSpec:
    hour: int
    minute: int
    timezone: str
    days: tuple[int, ...]  # 0 = Monday, as datetime.weekday()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days_text(self) -> str:
        return format_days(self.days)

    @property
    def time_text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def describe(self) -> str:
        return f"{self.time_text} {self.timezone} {self.days_text}"

    def post_time(self, day: dt.date) -> dt.datetime | None:
        """When `day`'s question goes out (aware UTC), or None if `day` is not a posting day.

        A time inside a DST gap (02:30 on a spring-forward day) falls after the jump, at
        the same elapsed instant (03:30); a time in a repeated hour takes its first pass.
        """
        if day.weekday() not in self.days:
            return None
        local = dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=self.zone)  # fold=0
        return local.astimezone(dt.UTC)

    def local_day(self, when: dt.datetime) -> dt.date:
        return when.astimezone(self.zone).date()

    def trigger(self) -> CronTrigger:
        """The cron trigger firing at each post time, in the schedule's own zone (APScheduler
        places a time in a DST gap after the jump and a repeated hour on its first pass, as
        `post_time` does)."""
        return CronTrigger(
            day_of_week=",".join(WEEKDAYS[day] for day in self.days),
            hour=self.hour,
            minute=self.minute,
            timezone=self.zone,
        )

    @classmethod
    def of(cls, stored: StoredSchedule) -> ScheduleSpec:
        return cls(
            hour=stored.hour, minute=stored.minute, timezone=stored.timezone, days=parse_days(stored.days)
        )


class StoredSchedule(Protocol):
    """A schedule as the database keeps it (`db.models.Schedule`)."""

    hour: int
    minute: int
    timezone: str
    days: str


def due_quiz_day(spec: ScheduleSpec, *, changed_at: dt.datetime, now: dt.datetime) -> dt.date | None:
    """The local day whose question is due now, if any: today's post time has passed, and
    the schedule existed before it (a schedule set after today's time starts tomorrow)."""
    today = spec.local_day(now)
    post_at = spec.post_time(today)
    if post_at is None or now < post_at or changed_at > post_at:
        return None
    return today


def next_post_time(
    spec: ScheduleSpec, *, changed_at: dt.datetime, now: dt.datetime, posted_today: bool
) -> dt.datetime:
    """When the channel's next question goes out: now, if today's is due and missing;
    otherwise the trigger's next fire after now (and after the schedule was set), skipping
    the rest of today once today's question is out."""
    if not posted_today and due_quiz_day(spec, changed_at=changed_at, now=now) is not None:
        return now
    start = max(now, changed_at)
    if posted_today:
        tomorrow = spec.local_day(now) + dt.timedelta(days=1)
        start = max(start, dt.datetime.combine(tomorrow, dt.time(0), tzinfo=spec.zone))
    fire = spec.trigger().get_next_fire_time(None, start)
    if fire is None:
        raise ValueError("a schedule with no days")
    return fire.astimezone(dt.UTC)


def parse_time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError(f"time {text!r} is not HH:MM (24-hour, e.g. 09:30)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError(f"time {text!r} is not a time of day (00:00-23:59)")
    return hour, minute


def parse_zone(text: str) -> str:
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    # ZoneInfo also accepts file paths; only plain IANA names are schedules.
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise ScheduleError(f"time zone {text!r} is not an IANA zone such as Europe/Berlin")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"time zone {text!r} is not an IANA zone such as Europe/Berlin") from None
    if name not in _known_zones():
        raise ScheduleError(f"time zone {text!r} is not an IANA zone such as Europe/Berlin")
    return name


_ZONES: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def _day_index(word: str, whole: str) -> int:
    try:
        return WEEKDAYS.index(word[:3]) if len(word) >= 3 and _is_day_word(word) else _bad_day(word, whole)
    except ValueError:
        return _bad_day(word, whole)


def _is_day_word(word: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(day.startswith(word) for day in full)


def _bad_day(word: str, whole: str) -> int:
    raise ScheduleError(f"day {word!r} in {whole!r} is not a weekday (use mon-fri, daily, or mon,wed,fri)")


def parse_days(text: str) -> tuple[int, ...]:
    whole = text.strip().lower()
    spec = _ALIASES.get(whole, whole)
    if not spec:
        raise ScheduleError("days are missing (use mon-fri, daily, or mon,wed,fri)")
    days: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day_index(first.strip(), text), _day_index(last.strip(), text)
            if end < start:
                raise ScheduleError(f"day range {part!r} runs backwards (use e.g. mon-fri)")
            days.update(range(start, end + 1))
        else:
            days.add(_day_index(part, text))
    return tuple(sorted(days))


def format_days(days: tuple[int, ...]) -> str:
    """The shortest text that `parse_days` reads back: `daily`, `mon-fri`, or `mon,wed,fri`."""
    ordered = tuple(sorted(set(days)))
    if ordered == tuple(range(7)):
        return "daily"
    if len(ordered) > 2 and ordered == tuple(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAYS[ordered[0]]}-{WEEKDAYS[ordered[-1]]}"
    return ",".join(WEEKDAYS[day] for day in ordered)


def parse_schedule(time_text: str, zone_text: str, days_text: str) -> ScheduleSpec:
    hour, minute = parse_time(time_text)
    return ScheduleSpec(hour=hour, minute=minute, timezone=parse_zone(zone_text), days=parse_days(days_text))


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"date {text!r} is not YYYY-MM-DD") from None
