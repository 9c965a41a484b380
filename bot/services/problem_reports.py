"""Players improve the bank: a report of a problem with a question (from the private reply or
the reveal) is stored with the question, the option the person chose and their note; admins
list the open ones and mark them resolved. A report never affects anyone's score."""

from __future__ import annotations

from bot.clock import Clock
from bot.domain.problem_reports import OpenReport
from bot.services.catalog import QuestionCatalog
from db.engine import Database
from db.models import QuestionReport
from db.queries import problem_reports as queries

MAX_NOTE = 1000


class ProblemReports:
    def __init__(self, *, db: Database, catalog: QuestionCatalog, clock: Clock) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock

    def file(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        question_id: str,
        option_index: int | None,
        note: str,
        version: str | None = None,
    ) -> int | None:
        """Store a report about the version the player saw; None when the workspace has no such
        question (a tampered button, another workspace's question)."""
        question = self.catalog.version_of(team_id, question_id, version)
        if question is None:
            return None
        if option_index is not None and not 0 <= option_index < len(question.options):
            option_index = None
        with self.db.writing() as session:
            report = QuestionReport(
                team_id=team_id,
                user_id=user_id,
                channel_id=channel_id,
                question_id=question_id,
                option_index=option_index,
                note=note.strip()[:MAX_NOTE],
                question_version=question.version,
                created_at=self.clock.now(),
            )
            return queries.file_report(session=session, report=report)

    def open(self, *, team_id: str | None) -> list[OpenReport]:
        with self.db.reading() as session:
            rows = queries.open_reports(session=session, team_id=team_id)
        found = []
        for row in rows:
            question = self.catalog.version_of(row.team_id, row.question_id, row.question_version)
            chosen = None
            if (
                question is not None
                and row.option_index is not None
                and row.option_index < len(question.options)
            ):
                chosen = question.options[row.option_index].text
            found.append(
                OpenReport(
                    id=row.id,
                    team_id=row.team_id,
                    user_id=row.user_id,
                    question_id=row.question_id,
                    prompt=question.prompt if question else "(no longer in the bank)",
                    chosen=chosen,
                    note=row.note,
                    created_at=row.created_at.isoformat(),
                )
            )
        return found

    def resolve(self, *, team_id: str | None, report_id: int, by: str) -> bool:
        with self.db.writing() as session:
            return queries.resolve(
                session=session, report_id=report_id, team_id=team_id, by=by, now=self.clock.now()
            )
