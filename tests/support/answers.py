"""Storing answers in tests the way the app does (db.queries.answers: the answer and its
review-log row, folded into the caches later by db.derived)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from db.models import Post
from db.queries.answers import NewAnswer, Recorded, record_answers


def record_answer(
    *, session: Session, post: Post, user_id: str, option_index: int, correct: bool, now: dt.datetime
) -> Recorded:
    """One daily answer, as the click's group commit stores it."""
    [recorded] = record_answers(
        session=session,
        answers=[
            NewAnswer(
                post_id=post.id,
                team_id=post.team_id,
                channel_id=post.channel_id,
                user_id=user_id,
                quiz_day=post.quiz_day,
                question_id=post.question_id,
                option_index=option_index,
                correct=correct,
                answered_at=now,
            )
        ],
    )
    return recorded
