"""Engines and sessions. On SQLite, writes take the write lock up front (BEGIN IMMEDIATE)
so concurrent clicks queue on the busy timeout instead of failing on a lock upgrade."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's busy handler alone queues the processes there
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 30


def _sqlite_engine(url: str, *, immediate: Callable[[], bool]) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate() else "BEGIN")

    return engine


class FairLock:
    """A re-entrant lock granted in arrival order: a plain lock lets a busy thread win it
    again and again, which starved the lease renewal during a thousand-channel fan-out. The
    releaser hands the lock straight to the longest waiter and wakes only that one (waking
    every waiter to re-check cost a third of the CPU with 32 writer threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Event]] = deque()

    def __enter__(self) -> FairLock:
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                return self
            if self._owner is None and not self._waiters:
                self._owner, self._depth = me, 1
                return self
            handed = threading.Event()
            self._waiters.append((me, handed))
        handed.wait()  # the releaser made us the owner before setting this
        return self

    @property
    def depth(self) -> int:
        """How many times the owner holds it (read by the owner only)."""
        return self._depth

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, handed = self._waiters.popleft()
                self._depth = 1
                handed.set()
            else:
                self._owner = None


class WriteLock:
    """SQLite's one writer at a time, queued without SQLite's busy handler: this process's
    threads in arrival order (FairLock), then every process using the file through an flock
    on `<database>-writer.lock` beside it. The busy handler sleeps in growing steps (up to
    100 ms), so two gunicorn workers taking turns at the file's lock turned a burst of clicks
    into a long latency tail; the kernel wakes an flock waiter as soon as it is released."""

    def __init__(self, path: str | None) -> None:
        self._threads = FairLock()
        self._path = path
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # opened after a fork: not shared
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    def __enter__(self) -> WriteLock:
        self._threads.__enter__()
        if self._threads.depth == 1 and (fd := self._file()) is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.__exit__()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._threads.depth == 1 and self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.__exit__()


def _lock_path(url: str) -> str | None:
    database = make_url(url).database
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer.lock"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


class Database:
    """The app's handle on its database: `writing()` and `reading()` transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        # Set while this thread runs a library's write (library_writing): its transaction then
        # begins IMMEDIATE on the library engine too.
        self._library_writes = threading.local()
        if is_sqlite(url):
            self.engine = _sqlite_engine(url, immediate=lambda: True)
            self._read_engine = _sqlite_engine(
                url, immediate=lambda: getattr(self._library_writes, "active", False)
            )
        else:
            self.engine = create_engine(
                url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size, pool_timeout=10
            )
            self._read_engine = self.engine
        # SQLite has one writer at a time: writers queue on a lock, not on SQLite's busy
        # handler (WriteLock).
        self._write_lock: WriteLock | None = WriteLock(_lock_path(url)) if is_sqlite(url) else None
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def library_engine(self) -> Engine:
        """The engine for libraries that open their own transactions (slack_sdk's stores): on
        SQLite it begins lazily, so their reads never take the write lock."""
        return self._read_engine

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A read-write transaction, committed on success and rolled back on error."""
        if self._write_lock is None:
            with self._writer.begin() as session:
                yield session
            return
        with self._write_lock, self._writer.begin() as session:
            yield session

    @contextmanager
    def library_writing(self) -> Iterator[None]:
        """Around a library's own write transaction on `library_engine` (slack_sdk's stores
        saving an installation, consuming an OAuth state). On SQLite it queues on the write
        lock and begins IMMEDIATE, as `writing()` does: a deferred transaction that reads and
        then writes fails at once with "database is locked" when another process committed in
        between, whatever the busy timeout (two workers installing took turns at exactly that)."""
        if self._write_lock is None:
            yield
            return
        outer = getattr(self._library_writes, "active", False)
        with self._write_lock:
            self._library_writes.active = True
            try:
                yield
            finally:
                self._library_writes.active = outer

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (on SQLite it does not take the write lock)."""
        with self._reader.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()


def is_unavailable(error: BaseException) -> bool:
    """Whether an error means the database cannot be reached right now (not a bug)."""
    from sqlalchemy import exc

    if isinstance(error, exc.TimeoutError):  # pool exhausted while connections hang
        return True
    if isinstance(error, exc.DBAPIError):
        return bool(error.connection_invalidated) or isinstance(
            error, exc.OperationalError | exc.InterfaceError
        )
    return False
