"""A fresh, migrated database for every test, on SQLite (default) or on the PostgreSQL
server named by TEST_DATABASE_URL (each test gets its own database, cloned from a
template migrated once per run)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import upgrade


def backend() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return "postgresql" if url.startswith("postgresql") else "sqlite"


class DatabaseFactory:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.admin_url = os.environ.get("TEST_DATABASE_URL", "").strip()
        self.created: list[str] = []
        self.run_id = f"lq_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        if backend() == "postgresql":
            self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
            self.template = f"{self.run_id}_tpl"
            self._execute(f'CREATE DATABASE "{self.template}"')
            upgrade(self._url_for(self.template))
        else:
            self.template_file = workdir / "template.db"
            upgrade(f"sqlite:///{self.template_file}")

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def _url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def new(self) -> str:
        """The URL of a new database at the head migration."""
        name = f"{self.run_id}_{len(self.created)}"
        self.created.append(name)
        if backend() == "postgresql":
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            return self._url_for(name)
        path = self.workdir / f"{name}.db"
        shutil.copyfile(self.template_file, path)
        return f"sqlite:///{path}"

    def new_empty(self) -> str:
        """The URL of a new database with no tables (for migration tests)."""
        name = f"{self.run_id}_{len(self.created)}"
        self.created.append(name)
        if backend() == "postgresql":
            self._execute(f'CREATE DATABASE "{name}"')
            return self._url_for(name)
        return f"sqlite:///{self.workdir / name}.db"

    def drop(self, url: str) -> None:
        if backend() != "postgresql":
            return
        name = make_url(url).database
        self._execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        self._execute(f'DROP DATABASE IF EXISTS "{name}"')

    def close(self) -> None:
        if backend() == "postgresql":
            for name in [*self.created, self.template]:
                self.drop(self._url_for(name))
            self.admin.dispose()
