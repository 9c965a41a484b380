"""Recording answers: what a click writes, and nothing else (the source of truth: a daily
answer and its review-log row, or a practice or review answer's log row; the streaks, totals
and cards derived from them are db.derived's)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Answer, Post, ReviewLog
from db.queries.posts import ANSWERABLE
from quiz import spaced


def find_answer(*, session: Session, post_id: int, user_id: str) -> Answer | None:
    return session.execute(
        select(Answer).where(Answer.post_id == post_id, Answer.user_id == user_id)
    ).scalar_one_or_none()


def latest_answers(*, session: Session, team_id: str, user_id: str, limit: int) -> list[Answer]:
    """A person's latest daily answers in a workspace, newest first."""
    return list(
        session.execute(
            select(Answer)
            .where(Answer.team_id == team_id, Answer.user_id == user_id)
            .order_by(Answer.answered_at.desc())
            .limit(limit)
        ).scalars()
    )


class Recorded(Enum):
    STORED = "stored"
    ALREADY_ANSWERED = "already_answered"  # the first answer stands
    CLOSED = "closed"  # the question closed before the answer could be stored


@dataclass(frozen=True)
class NewAnswer:
    """A graded daily answer, to be stored."""

    post_id: int
    team_id: str
    channel_id: str
    user_id: str
    quiz_day: dt.date
    question_id: str
    option_index: int
    correct: bool
    answered_at: dt.datetime


_answers = Answer.__table__
_posts = Post.__table__
_log = ReviewLog.__table__


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """Built once per dialect: building them per batch cost more CPU than the database work."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statuses = select(_posts.c.id, _posts.c.status).where(_posts.c.id.in_(bindparam("ids", expanding=True)))
    if dialect == "postgresql":
        statuses = statuses.with_for_update(read=True)  # a close waits for these answers
    store = (
        insert(_answers)
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        .returning(_answers.c.post_id, _answers.c.user_id)
    )
    return statuses, store


def record_answers(*, session: Session, answers: Sequence[NewAnswer]) -> list[Recorded]:
    """Store a batch of daily answers (one group commit): each answer row and its review-log
    row, and nothing else (the caches fold them later, db.derived). The first answer stands
    (the unique (post, user) row); an answer counts only while its post is open or still being
    posted (a click proves Slack shows the message). On PostgreSQL the posts are share-locked,
    so a close waits for the batch; on SQLite the write lock already serialises them."""
    if not answers:
        return []
    statuses_sql, store_sql = _statements(session.get_bind().dialect.name)
    statuses = dict(session.execute(statuses_sql, {"ids": sorted({a.post_id for a in answers})}).all())
    open_ = [a for a in answers if statuses.get(a.post_id) in ANSWERABLE]
    stored: set[tuple[int, str]] = set()
    if open_:
        stored = {
            (row.post_id, row.user_id)
            for row in session.execute(
                store_sql,
                [
                    {
                        "post_id": a.post_id,
                        "team_id": a.team_id,
                        "channel_id": a.channel_id,
                        "user_id": a.user_id,
                        "quiz_day": a.quiz_day,
                        "question_id": a.question_id,
                        "option_index": a.option_index,
                        "correct": a.correct,
                        "answered_at": a.answered_at,
                    }
                    for a in open_
                ],
            )
        }
    outcomes: list[Recorded] = []
    logged: list[dict] = []
    for answer in answers:
        key = (answer.post_id, answer.user_id)
        if statuses.get(answer.post_id) not in ANSWERABLE:
            outcomes.append(Recorded.CLOSED)
        elif key in stored:
            stored.discard(key)  # a double click within one batch: the first stands
            outcomes.append(Recorded.STORED)
            logged.append(
                _log_row(
                    answer.team_id,
                    answer.user_id,
                    answer.question_id,
                    answer.correct,
                    answer.answered_at,
                    DAILY,
                )
            )
        else:
            outcomes.append(Recorded.ALREADY_ANSWERED)
    if logged:
        session.execute(_log.insert(), logged)
    return outcomes


DAILY, PRACTICE, REVIEW = "daily", "practice", "review"


def _log_row(
    team_id: str, user_id: str, question_id: str, correct: bool, at: dt.datetime, source: str
) -> dict:
    return {
        "team_id": team_id,
        "user_id": user_id,
        "question_id": question_id,
        "rating": spaced.rating(correct).value,
        "source": source,
        "reviewed_at": at,
    }


def record_review(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    question_id: str,
    correct: bool,
    now: dt.datetime,
    source: str,
) -> None:
    """A practice or review answer: one review-log row (lesson progress and the card follow
    from it; it never touches streaks or leaderboards)."""
    session.execute(_log.insert(), [_log_row(team_id, user_id, question_id, correct, now, source)])


def mastered_questions(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """Question ids the person has ever answered correctly, daily, practice or review."""
    return set(
        session.execute(
            select(_log.c.question_id)
            .where(
                _log.c.team_id == team_id,
                _log.c.user_id == user_id,
                _log.c.rating == spaced.rating(True).value,
            )
            .distinct()
        ).scalars()
    )
