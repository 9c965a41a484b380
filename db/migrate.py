"""Apply Alembic migrations programmatically (`leader-quiz db upgrade`, and `serve` at start).

Alembic is imported only when something has to be migrated or inspected: a CLI command on a
database already at the newest migration checks one row and goes on (`ensure_current`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
VERSIONS = HERE / "migrations" / "versions"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration this code ships (what `upgrade` brings a database to), read from
    the migration files' names: one line of history, `NNNN_what.py` with revision "NNNN" (a
    test holds this to Alembic's own head)."""
    return max(path.name.split("_", 1)[0] for path in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def known_revisions() -> set[str]:
    """Every migration this code ships."""
    from alembic.script import ScriptDirectory

    return {
        script.revision
        for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()
    }


def ensure_current(url: str) -> None:
    """Bring the database to the newest migration, unless it is there already (one read of
    alembic_version, without importing Alembic)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no alembic_version yet: a new database
        current = None
    finally:
        engine.dispose()
    if current != head_revision():
        upgrade(url)
