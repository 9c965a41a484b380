"""Channel schedules as people type them (`09:00 Europe/Berlin mon-fri`): parsing with
errors that name the bad part, and the local post time of a given day."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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
