"""CSV exports for admins (`leader-quiz export`): one row per daily answer of a channel in
a period, or one row per person with their totals and streaks."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from typing import TextIO

from sqlalchemy import select

from content import Question
from db import derived
from db.engine import Database
from db.models import Answer, Post
from db.queries.stats import leaderboard

ANSWER_COLUMNS = ("quiz_day", "user", "question_id", "lesson", "option_index", "correct", "answered_at")
SUMMARY_COLUMNS = ("user", "answered", "correct", "accuracy", "current_streak", "longest_streak")
BATCH = 1000


def _flag(value: bool) -> str:
    return "true" if value else "false"


def write_answers(
    out: TextIO,
    *,
    db: Database,
    question: Callable[[str, str | None], Question | None],
    team_id: str,
    channel_id: str,
    start: dt.date | None,
    end: dt.date | None,
) -> int:
    """One row per answer, by quiz day then answer time, streamed in batches; the row count.
    `option_index` is the option's index in the question as its post showed it (0-based), not
    its shown letter; `lesson` is the question's lesson id (empty if the question left the
    bank). `question(id, version)` finds a question as the workspace's catalog has it."""
    writer = csv.writer(out)
    writer.writerow(ANSWER_COLUMNS)
    conditions = [Answer.team_id == team_id, Answer.channel_id == channel_id]
    if start is not None:
        conditions.append(Answer.quiz_day >= start)
    if end is not None:
        conditions.append(Answer.quiz_day <= end)
    statement = (
        select(
            Answer.quiz_day,
            Answer.user_id,
            Answer.question_id,
            Answer.option_index,
            Answer.correct,
            Answer.answered_at,
            Post.question_version,
        )
        .join(Post, Post.id == Answer.post_id)
        .where(*conditions)
        .order_by(Answer.quiz_day, Answer.answered_at, Answer.user_id)
        .execution_options(yield_per=BATCH)
    )
    lessons: dict[str, str] = {}
    count = 0
    with db.reading() as session:
        for row in session.execute(statement):
            if row.question_id not in lessons:
                found = question(row.question_id, row.question_version)
                lessons[row.question_id] = found.lesson_id if found else ""
            writer.writerow(
                (
                    row.quiz_day.isoformat(),
                    row.user_id,
                    row.question_id,
                    lessons[row.question_id],
                    row.option_index,
                    _flag(row.correct),
                    row.answered_at.isoformat(),
                )
            )
            count += 1
    return count


def write_summary(
    out: TextIO,
    *,
    db: Database,
    team_id: str,
    channel_id: str,
    start: dt.date | None,
    end: dt.date | None,
) -> int:
    """One row per person who answered in the period, in leaderboard order: answered,
    correct and accuracy (0 to 1) in the period, and their streaks now; the row count."""
    writer = csv.writer(out)
    writer.writerow(SUMMARY_COLUMNS)
    derived.settled(db)
    with db.reading() as session:
        rows = leaderboard(session=session, team_id=team_id, channel_id=channel_id, start=start, end=end)
    for r in rows:
        writer.writerow(
            (r.user_id, r.answered, r.correct, f"{r.accuracy:.4f}", r.current_streak, r.longest_streak)
        )
    return len(rows)
