"""The database's own clock: the one time every replica agrees on, read in a session.

PostgreSQL answers `clock_timestamp()` (the server's wall clock at that moment; `now()` would
be the start of the transaction). SQLite has no server: `strftime('%f', 'now')` is the clock of
the host running the process, which every replica sharing the file shares too.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session


class DatabaseClock(Protocol):
    def now(self, session: Session) -> dt.datetime:
        """The database's current time (aware UTC), read through `session`."""
        ...


class ServerClock:
    """The database server's clock, as `serve` reads it."""

    def now(self, session: Session) -> dt.datetime:
        if session.get_bind().dialect.name == "postgresql":
            value = session.execute(text("SELECT clock_timestamp()")).scalar_one()
            return value.astimezone(dt.UTC)
        # Millisecond resolution ("2026-11-26 09:00:00.123"), in UTC.
        value = session.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
