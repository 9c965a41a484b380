"""Everything stored about one person, found by reading the database's own schema (so a table
added later with a `user_id` column is covered without touching this file): rows to export,
and rows to erase when they ask to be forgotten.

Where the person is named:
- every table with a `user_id` column: the row is theirs (answers, streaks and running totals,
  review cards and log, reminders and reminder DMs, reports, team
  memberships);
- `question_reports.resolved_by`: they resolved someone else's report (the report stays, the
  name goes);
- `admin_audit.actor_id`: they changed something from the dashboard (the record of the change
  stays, the name goes); their dashboard sessions have a `user_id` and go with the rest;
- `own_questions.author_id` / `suggested_by`, `question_suggestions.decided_by`: they wrote,
  approved or suggested one of the workspace's own questions, or decided someone's suggestion
  (the question stays the workspace's, the name goes); their own suggestions, still waiting or
  decided, have a `user_id` and go with the rest;
- `slack_installations.user_id`: they installed the app (the installation stays, or the
  workspace would stop working; their id and any user token on it go).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table, and_, delete, select, update
from sqlalchemy.orm import Session

from db.derived import lock_caches

INSTALLATIONS = "slack_installations"
# Columns of an installation row that name or act as the installer (slack_sdk's schema).
INSTALLER_COLUMNS = {
    "user_id": "",  # NOT NULL in slack_sdk's table: blanked, not nulled
    "user_token": None,
    "user_refresh_token": None,
    "user_token_expires_at": None,
    "user_scopes": None,
}
SECRET_COLUMNS = frozenset({"bot_token", "bot_refresh_token", "user_token", "user_refresh_token"})
# table -> columns naming a person who acted
NAMING_COLUMNS = {
    "question_reports": ("resolved_by",),
    "admin_audit": ("actor_id",),
    "own_questions": ("author_id", "suggested_by"),
    "question_suggestions": ("decided_by",),
}


@dataclass
class Forgotten:
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    redacted: dict[str, int] = field(default_factory=dict)  # table -> rows that no longer name them
    # open questions whose count changed, as (post, workspace)
    open_posts: list[tuple[int, str]] = field(default_factory=list)


def _tables(session: Session) -> list[Table]:
    """The live schema, parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=session.connection())
    return metadata.sorted_tables


def _theirs(table: Table, column: str, user_id: str, team_id: str | None):
    condition = table.c[column] == user_id
    if team_id is not None and "team_id" in table.c:
        condition = and_(condition, table.c.team_id == team_id)
    return condition


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def rows_about(*, session: Session, user_id: str, team_id: str | None) -> dict[str, list[dict[str, Any]]]:
    """Every stored row that is about the person or names them, per table, in a stable order;
    secrets (tokens) are shown only as present or not."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in _tables(session):
        columns = [c for c in ("user_id", *NAMING_COLUMNS.get(table.name, ())) if c in table.c]
        for column in columns:
            statement = select(table).where(_theirs(table, column, user_id, team_id))
            order = [c for c in table.primary_key.columns] or list(table.c)
            rows = session.execute(statement.order_by(*order)).mappings().all()
            for row in rows:
                found.setdefault(table.name, []).append(
                    {
                        key: ("[secret]" if value is not None else None)
                        if key in SECRET_COLUMNS
                        else _plain(value)
                        for key, value in row.items()
                    }
                )
    return found


def forget(*, session: Session, user_id: str, team_id: str | None) -> Forgotten:
    """Erase the person everywhere (in one workspace with `team_id`, else in every one). The
    running totals are per person, so deleting their rows leaves every board as if they had
    never played."""
    lock_caches(session)
    result = Forgotten()
    tables = _tables(session)
    by_name = {table.name: table for table in tables}
    if "answers" in by_name and "posts" in by_name:
        answers, posts = by_name["answers"], by_name["posts"]
        result.open_posts = sorted(
            (post_id, team)
            for post_id, team in session.execute(
                select(posts.c.id, posts.c.team_id)
                .join(answers, answers.c.post_id == posts.c.id)
                .where(_theirs(answers, "user_id", user_id, team_id), posts.c.status == "open")
            )
        )
    for table_name, naming in NAMING_COLUMNS.items():
        table = by_name.get(table_name)
        for column in naming:
            if table is None or column not in table.c:
                continue
            condition = table.c[column] == user_id
            if team_id is not None:
                condition = and_(condition, table.c.team_id == team_id)
            count = session.execute(update(table).where(condition).values({column: None})).rowcount
            if count:
                result.redacted[table_name] = result.redacted.get(table_name, 0) + count
    installations = by_name.get(INSTALLATIONS)
    if installations is not None:
        values = {name: value for name, value in INSTALLER_COLUMNS.items() if name in installations.c}
        count = session.execute(
            update(installations).where(_theirs(installations, "user_id", user_id, team_id)).values(values)
        ).rowcount
        if count:
            result.redacted[INSTALLATIONS] = count
    for table in reversed(tables):  # children before their parents
        if table.name == INSTALLATIONS or "user_id" not in table.c:
            continue
        count = session.execute(delete(table).where(_theirs(table, "user_id", user_id, team_id))).rowcount
        if count:
            result.deleted[table.name] = count
    return result
