"""Backups (`leader-quiz backup --to FILE`).

SQLite: SQLite's online backup API copies the whole database in one step under a read
transaction, so the copy is one consistent snapshot even while `serve` keeps writing (in WAL
mode readers never block the writer). The copy is written beside the target and renamed into
place only once it is complete and passes `PRAGMA integrity_check`.

PostgreSQL: `pg_dump --format=custom` does the same job from outside; `pg_dump_command` says
exactly what to run for a DATABASE_URL."""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

BUSY_TIMEOUT_S = 30


class BackupError(Exception):
    """One line: why no backup was made."""


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    pages: int
    size: int  # bytes


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: there is nothing to back up")
    return Path(database)


def backup_sqlite(url: str, target: Path, *, force: bool = False) -> Backup:
    source = sqlite_file(url)
    if not source.exists():
        raise BackupError(f"no SQLite database at {source.resolve()} (check DATABASE_URL)")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: pass --force to overwrite it")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent} to write {target.name} into")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        pages = _copy(source, partial)
        os.replace(partial, target)  # a reader of `target` never sees half a backup
    finally:
        partial.unlink(missing_ok=True)
    return Backup(source=source, target=target, pages=pages, size=target.stat().st_size)


def _copy(source: Path, destination: Path) -> int:
    """Copy `source` into `destination`; the number of pages copied."""
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)  # pages=-1: every page in one step, so one snapshot
            verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"the copy failed SQLite's integrity check: {verdict}")
            # One self-contained file (the source is in WAL mode; the copy needs no -wal file).
            dst.execute("PRAGMA journal_mode=DELETE")
            return dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()


def libpq_url(url: str) -> str:
    """The DATABASE_URL as pg_dump and pg_restore take it: no SQLAlchemy driver, no password
    (they read it from PGPASSWORD or ~/.pgpass)."""
    parsed = make_url(url)
    bare = URL.create(  # (`URL.set(password=None)` would keep the password: None means unchanged)
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def pg_dump_command(url: str, target: Path) -> str:
    return f"pg_dump --format=custom --file={shlex.quote(str(target))} {shlex.quote(libpq_url(url))}"
