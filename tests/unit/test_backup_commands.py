"""The pg_dump command `leader-quiz backup` prints for a PostgreSQL DATABASE_URL: what libpq
understands (no SQLAlchemy driver), and never the password."""

from __future__ import annotations

import shlex
from pathlib import Path

from db.backup import libpq_url, pg_dump_command


def test_the_password_and_the_driver_are_left_out() -> None:
    url = "postgresql+psycopg://quiz:s3cret-pass@db.example:6543/leader_quiz?sslmode=require"
    assert libpq_url(url) == "postgresql://quiz@db.example:6543/leader_quiz?sslmode=require"
    command = pg_dump_command(url, Path("/backups/quiz dump.pgc"))
    assert "s3cret-pass" not in command and "psycopg" not in command
    assert shlex.split(command) == [
        "pg_dump",
        "--format=custom",
        "--file=/backups/quiz dump.pgc",
        "postgresql://quiz@db.example:6543/leader_quiz?sslmode=require",
    ]


def test_a_url_without_user_or_port_stays_so() -> None:
    assert libpq_url("postgresql+psycopg:///leader_quiz") == "postgresql:///leader_quiz"
