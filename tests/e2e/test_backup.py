"""Backups while the bot keeps writing: `leader-quiz backup` (SQLite's online backup API) or the
pg_dump command it prints (PostgreSQL) runs while another thread records answers; the backup,
restored as the README says, shows each person's stats exactly as the original had them at
one instant during the backup."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.services.catalog import QuestionCatalog
from bot.services.schedules import Schedules
from bot.services.stats import Stats
from content import load_bank
from db.engine import Database
from tests.support.databases import DatabaseFactory, backend
from tests.unit.quiz_db import TEAM, answer, post_day

CHANNEL = "CBACKUP"
DAYS = [dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(60)]


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def stats(database_url: str, user: str) -> dict:
    done = cli(database_url, "stats", "--channel", CHANNEL, "--user", user, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Writer:
    """Answers one open quiz day after another as UTRACK, as the app's answer path does (the
    answer row and the running totals in one transaction), and keeps `stats --json` of UTRACK
    as the original showed it after each answer."""

    def __init__(self, db: Database, post_ids: list[int]) -> None:
        self.db = db
        self.post_ids = post_ids
        catalog = QuestionCatalog(db=db, bank=load_bank(), clock=SystemClock())
        self.reports = Stats(db=db, catalog=catalog, schedules=Schedules(db=db, clock=SystemClock()))
        self.seen: dict[int, dict] = {0: self.snapshot()}  # answers written -> UTRACK's stats then
        self.written = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def snapshot(self) -> dict:
        return self.reports.stats(team_id=TEAM, channel_id=CHANNEL, user_id="UTRACK").as_json()

    def run(self) -> None:
        for n, post_id in enumerate(self.post_ids):
            if self.stop.wait(0.01):
                return
            answer(self.db, post_id=post_id, user="UTRACK", correct=n % 4 != 3)
            self.seen[n + 1] = self.snapshot()
            self.written = n + 1

    def __enter__(self) -> Writer:
        self.thread.start()
        while self.written < 3:  # under way before the backup starts
            self.stop.wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.fixture
def quiz(database_url: str) -> Iterator[tuple[Database, list[int]]]:
    """A channel with 60 open quiz days; UALICE answered the first three (right, right, wrong)."""
    db = Database(database_url)
    question_ids = [q.id for q in load_bank().questions]
    post_ids = [
        post_day(db, channel=CHANNEL, day=day, question_ids=question_ids, close_earlier=False) for day in DAYS
    ]
    for post_id, right in zip(post_ids, (True, True, False), strict=False):
        answer(db, post_id=post_id, user="UALICE", correct=right)
    yield db, post_ids
    db.dispose()


def check_restored(original: str, restored: str, writer: Writer, before: int, after: int) -> None:
    assert stats(restored, "UALICE") == stats(original, "UALICE")
    track = stats(restored, "UTRACK")
    k = track["answered"]
    assert before <= k <= after, (before, k, after)  # the backup was taken while it wrote
    assert track == writer.seen[k]  # exactly the original's stats after its k-th answer
    assert k < writer.written, "the writer never wrote after the backup: nothing was tested"


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's backup API; PostgreSQL has its own test")
def test_sqlite_backup_while_answers_are_written(
    quiz: tuple[Database, list[int]], database_url: str, tmp_path: Path
) -> None:
    db, post_ids = quiz
    target = tmp_path / "backup.db"
    with Writer(db, post_ids[3:]) as writer:
        before = writer.written
        done = cli(database_url, "backup", "--to", str(target))
        after = writer.written
        writer.stop.wait(0.2)  # and it goes on after the backup
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {db.url.removeprefix('sqlite:///')} to {target}")
    assert "integrity ok" in done.stdout
    assert not list(tmp_path.glob(".backup.db.partial-*"))  # nothing half-written left behind
    # Restore as the README says: copy the file to where DATABASE_URL points, then db upgrade.
    restored_file = tmp_path / "restored" / "leader_quiz.db"
    restored_file.parent.mkdir()
    shutil.copyfile(target, restored_file)
    restored = f"sqlite:///{restored_file}"
    upgraded = cli(restored, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    check_restored(database_url, restored, writer, before, after)


@pytest.mark.skipif(backend() != "sqlite", reason="the refusals do not depend on the database")
def test_backup_refuses_to_overwrite_unless_forced(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "kept.db"
    target.write_bytes(b"an older backup")
    refused = cli(database_url, "backup", "--to", str(target))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert target.read_bytes() == b"an older backup"
    forced = cli(database_url, "backup", "--to", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    missing = cli(f"sqlite:///{tmp_path}/nowhere.db", "backup", "--to", str(tmp_path / "x.db"))
    assert missing.returncode == 1 and "no SQLite database at" in missing.stderr
    assert not (tmp_path / "nowhere.db").exists() and not (tmp_path / "x.db").exists()


@pytest.mark.skipif(backend() != "postgresql", reason="pg_dump and pg_restore need PostgreSQL")
def test_postgres_dump_and_restore_while_answers_are_written(
    quiz: tuple[Database, list[int]], database_url: str, database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    db, post_ids = quiz
    dump = tmp_path / "leader_quiz.dump"
    told = cli(database_url, "backup", "--to", str(dump))
    assert told.returncode == 2 and "pg_dump" in told.stderr
    command = shlex.split(told.stdout.strip())
    assert command[:3] == ["pg_dump", "--format=custom", f"--file={dump}"]
    assert command[3].startswith("postgresql://") and "+psycopg" not in command[3]
    with Writer(db, post_ids[3:]) as writer:
        before = writer.written
        dumped = subprocess.run(command, capture_output=True, text=True, timeout=120)
        after = writer.written
        writer.stop.wait(0.2)
    assert dumped.returncode == 0, dumped.stderr
    # Restore as the README says: into an empty database, then db upgrade.
    restored = database_factory.new_empty()
    try:
        libpq = restored.replace("postgresql+psycopg://", "postgresql://", 1)
        loaded = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", f"--dbname={libpq}", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        upgraded = cli(restored, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        check_restored(database_url, restored, writer, before, after)
    finally:
        database_factory.drop(restored)
