"""Players' reports of problems with questions: filed, listed while open, resolved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import QuestionReport


def file_report(*, session: Session, report: QuestionReport) -> int:
    """Store a new report; its id."""
    session.add(report)
    session.flush()
    return report.id


def open_reports(*, session: Session, team_id: str | None = None) -> list[QuestionReport]:
    """Unresolved reports, oldest first (one workspace's, or every workspace's for the CLI)."""
    statement = select(QuestionReport).where(QuestionReport.resolved_at.is_(None)).order_by(QuestionReport.id)
    if team_id is not None:
        statement = statement.where(QuestionReport.team_id == team_id)
    return list(session.execute(statement).scalars())


def resolve(*, session: Session, report_id: int, team_id: str | None, by: str, now: dt.datetime) -> bool:
    """Mark a report resolved (only within `team_id` when given); True if it was open."""
    statement = (
        update(QuestionReport)
        .where(QuestionReport.id == report_id, QuestionReport.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by=by)
    )
    if team_id is not None:
        statement = statement.where(QuestionReport.team_id == team_id)
    return session.execute(statement).rowcount == 1
