"""What a channel gets wrong: its daily answers per question and option in a period, and
the channel's people (for "remembered now" per lesson)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Answer, Post, UserStats


@dataclass(frozen=True)
class OptionCount:
    question_id: str
    option_index: int
    correct: bool
    answers: int
    version: str | None = None  # the version the post showed (its option_index is into it)


def option_counts(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> list[OptionCount]:
    """How many daily answers chose each option of each question, on quiz days in [start, end]
    (a daily answer is always the person's first: the first answer stands)."""
    conditions = [Answer.team_id == team_id, Answer.channel_id == channel_id]
    if start is not None:
        conditions.append(Answer.quiz_day >= start)
    if end is not None:
        conditions.append(Answer.quiz_day <= end)
    rows = session.execute(
        select(
            Answer.question_id,
            Post.question_version,
            Answer.option_index,
            Answer.correct,
            func.count(Answer.id),
        )
        .join(Post, Post.id == Answer.post_id)
        .where(*conditions)
        .group_by(Answer.question_id, Post.question_version, Answer.option_index, Answer.correct)
    )
    return [OptionCount(q, int(i), bool(c), int(n), v) for q, v, i, c, n in rows]


def channel_people(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """Everyone who has answered a daily question in the channel."""
    return list(
        session.execute(
            select(UserStats.user_id)
            .where(UserStats.team_id == team_id, UserStats.channel_id == channel_id, UserStats.answered > 0)
            .order_by(UserStats.user_id)
        ).scalars()
    )
