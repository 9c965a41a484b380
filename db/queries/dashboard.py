"""What the dashboard charts, read per workspace and channel: answers per quiz day, who
answered when, every daily answer (for the questions' flags), and the review history of the
channel's people's cards (for "remembered now" week by week)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select, union
from sqlalchemy.orm import Session

from db.models import CLAIMED, Answer, Post, ReviewLog, Schedule


@dataclass(frozen=True)
class DayCount:
    quiz_day: dt.date
    answered: int
    correct: int


@dataclass(frozen=True)
class AnswerRow:
    user_id: str
    question_id: str
    option_index: int
    correct: bool
    version: str | None = None  # the version the post showed (option_index is into it)


@dataclass(frozen=True)
class ReviewEvent:
    user_id: str
    question_id: str
    rating: int  # fsrs.Rating
    reviewed_at: dt.datetime


def quiz_channels(*, session: Session, team_id: str) -> list[str]:
    """The workspace's quiz channels: those with a schedule or a daily question."""
    channels = union(
        select(Schedule.channel_id).where(Schedule.team_id == team_id),
        select(Post.channel_id).where(Post.team_id == team_id),
    ).subquery()
    return list(session.execute(select(channels.c.channel_id).order_by(channels.c.channel_id)).scalars())


def answers_per_day(*, session: Session, team_id: str, channel_id: str, days: int) -> list[DayCount]:
    """The channel's latest `days` quiz days (oldest first), each with its daily answers and how
    many were right; a quiz day nobody answered is there with zeros."""
    latest = (
        select(Post.id, Post.quiz_day)
        .where(Post.team_id == team_id, Post.channel_id == channel_id, Post.status != CLAIMED)
        .order_by(Post.quiz_day.desc())
        .limit(days)
        .subquery()
    )
    rows = session.execute(
        select(
            latest.c.quiz_day,
            func.count(Answer.id),
            func.coalesce(func.sum(case((Answer.correct, 1), else_=0)), 0),
        )
        .select_from(latest)
        .outerjoin(Answer, Answer.post_id == latest.c.id)
        .group_by(latest.c.quiz_day)
        .order_by(latest.c.quiz_day)
    )
    return [DayCount(day, int(answered), int(correct)) for day, answered, correct in rows]


def answer_days(
    *, session: Session, team_id: str, channel_id: str, since: dt.date
) -> list[tuple[dt.date, str]]:
    """(quiz day, person) of every daily answer in the channel since `since`."""
    return [
        (day, user)
        for day, user in session.execute(
            select(Answer.quiz_day, Answer.user_id).where(
                Answer.team_id == team_id, Answer.channel_id == channel_id, Answer.quiz_day >= since
            )
        )
    ]


def channel_answers(*, session: Session, team_id: str, channel_id: str) -> list[AnswerRow]:
    """Every daily answer in the channel (a person's first and only one per question)."""
    rows = session.execute(
        select(Answer.user_id, Answer.question_id, Answer.option_index, Answer.correct, Post.question_version)
        .join(Post, Post.id == Answer.post_id)
        .where(Answer.team_id == team_id, Answer.channel_id == channel_id)
        .order_by(Answer.id)
    )
    return [
        AnswerRow(user, question, int(option), bool(correct), version)
        for user, question, option, correct, version in rows
    ]


def review_history(*, session: Session, team_id: str, user_ids: list[str]) -> list[ReviewEvent]:
    """Every review of these people's cards, card by card in the order they happened."""
    if not user_ids:
        return []
    rows = session.execute(
        select(ReviewLog.user_id, ReviewLog.question_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.team_id == team_id, ReviewLog.user_id.in_(user_ids))
        .order_by(ReviewLog.user_id, ReviewLog.question_id, ReviewLog.reviewed_at, ReviewLog.id)
    )
    return [ReviewEvent(user, question, int(rating), at) for user, question, rating, at in rows]
