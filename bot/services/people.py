"""A person's data on request: everything stored about them, and erasing it everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db.engine import Database
from db.queries import people as people_queries
from db.queries.people import Forgotten

if TYPE_CHECKING:  # the CLI's export imports this module without the sending parts
    from bot.services.answer_counts import AnswerCounts


def export(db: Database, *, user_id: str, team_id: str | None) -> dict[str, Any]:
    """Every row about the person, per table (the shape `leader-quiz export --user` prints)."""
    with db.reading() as session:
        tables = people_queries.rows_about(session=session, user_id=user_id, team_id=team_id)
    return {"user": user_id, "team": team_id, "tables": tables}


class People:
    def __init__(self, *, db: Database, counts: AnswerCounts) -> None:
        self.db = db
        self.counts = counts

    def export(self, *, user_id: str, team_id: str | None) -> dict[str, Any]:
        return export(self.db, user_id=user_id, team_id=team_id)

    def forget(self, *, user_id: str, team_id: str | None) -> Forgotten:
        """Erase the person in one transaction, then refresh the answer count on the open
        questions they had answered (coalesced like any other count refresh)."""
        with self.db.writing() as session:
            forgotten = people_queries.forget(session=session, user_id=user_id, team_id=team_id)
        for post_id, team in forgotten.open_posts:
            self.counts.answered(post_id, team_id=team)
        return forgotten
