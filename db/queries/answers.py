"""Recording answers: the daily answer with its streak, totals and review card in one
transaction, and the question history every graded answer (daily, practice, review) adds to."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import spaced
from db.models import Answer, PeriodTotal, Post, QuestionHistory, UserStats, UTCDateTime
from db.periods import MONTH, WEEK, month_start, week_start
from db.queries import reviews
from db.queries.posts import ANSWERABLE
from db.streaks import StreakState, apply_answer


class AlreadyAnswered(Exception):
    """The user already answered this post; the first answer stands."""


class QuestionClosed(Exception):
    """The post closed before the answer could be stored."""


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


@dataclass(frozen=True)
class RecordedAnswer:
    current_streak: int
    longest_streak: int


_answers = Answer.__table__
_posts = Post.__table__
_stats = UserStats.__table__
_history = QuestionHistory.__table__
_periods = PeriodTotal.__table__


class _Statements:
    """The click path's statements, built once per dialect: building them per click (and
    letting SQLAlchemy derive a cache key each time) cost more CPU than the database work."""

    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.post_status = (
            select(_posts.c.status).where(_posts.c.id == bindparam("post_id")).with_for_update(read=True)
        )
        self.insert_answer = _answers.insert()
        ensure = insert(_stats).values(
            team_id=bindparam("team_id"),
            channel_id=bindparam("channel_id"),
            user_id=bindparam("user_id"),
            answered=0,
            correct=0,
            current_streak=0,
            longest_streak=0,
            freezes_held=0,
            freezes_used=0,
            freeze_progress=0,
        )
        # A no-op update on conflict locks the existing row and returns it, in one statement.
        self.locked_stats = ensure.on_conflict_do_update(
            index_elements=["team_id", "channel_id", "user_id"], set_={"answered": _stats.c.answered}
        ).returning(*_stats.c)
        self.closed_between = select(func.count(_posts.c.id)).where(
            _posts.c.team_id == bindparam("team_id"),
            _posts.c.channel_id == bindparam("channel_id"),
            _posts.c.quiz_day > bindparam("after"),
            _posts.c.quiz_day < bindparam("before"),
            _posts.c.status == "closed",
        )
        self.update_stats = (
            update(_stats)
            .where(
                _stats.c.team_id == bindparam("k_team"),
                _stats.c.channel_id == bindparam("k_channel"),
                _stats.c.user_id == bindparam("k_user"),
            )
            .values(
                answered=_stats.c.answered + 1,
                correct=_stats.c.correct + bindparam("add_correct"),
                current_streak=bindparam("new_current"),
                longest_streak=bindparam("new_longest"),
                last_answered_day=bindparam("new_last_day"),
                first_answered_day=bindparam("new_first_day"),
                freezes_held=bindparam("new_held"),
                freezes_used=bindparam("new_used"),
                freeze_progress=bindparam("new_progress"),
            )
        )
        period = insert(_periods).values(
            team_id=bindparam("team_id"),
            channel_id=bindparam("channel_id"),
            period=bindparam("period"),
            period_start=bindparam("period_start"),
            user_id=bindparam("user_id"),
            answered=1,
            correct=bindparam("add_correct"),
        )
        self.count_period = period.on_conflict_do_update(
            index_elements=["team_id", "channel_id", "period", "period_start", "user_id"],
            set_={
                "answered": _periods.c.answered + 1,
                "correct": _periods.c.correct + period.excluded.correct,
            },
        )
        history = insert(_history).values(
            team_id=bindparam("team_id"),
            user_id=bindparam("user_id"),
            question_id=bindparam("question_id"),
            correct_count=bindparam("correct_count"),
            wrong_count=bindparam("wrong_count"),
            first_correct_at=bindparam("first_correct_at", type_=UTCDateTime()),
            last_wrong_at=bindparam("last_wrong_at", type_=UTCDateTime()),
            last_answered_at=bindparam("last_answered_at", type_=UTCDateTime()),
        )
        excluded = history.excluded
        self.record_history = history.on_conflict_do_update(
            index_elements=["team_id", "user_id", "question_id"],
            set_={
                "correct_count": _history.c.correct_count + excluded.correct_count,
                "wrong_count": _history.c.wrong_count + excluded.wrong_count,
                "first_correct_at": func.coalesce(_history.c.first_correct_at, excluded.first_correct_at),
                "last_wrong_at": func.coalesce(excluded.last_wrong_at, _history.c.last_wrong_at),
                "last_answered_at": excluded.last_answered_at,
            },
        )


@functools.cache
def _statements(dialect: str) -> _Statements:
    return _Statements(dialect)


def _for(session: Session) -> _Statements:
    return _statements(session.get_bind().dialect.name)


def record_answer(
    *, session: Session, post: Post, user_id: str, option_index: int, correct: bool, now: dt.datetime
) -> RecordedAnswer:
    """Store a daily answer and update the user's totals and streak in the same transaction;
    raise AlreadyAnswered if the unique (post, user) row exists, QuestionClosed if the post
    closed meanwhile (its row is share-locked, so a close waits for this answer). A post still
    `claimed` takes answers: Slack only sends clicks on a message it shows, so the message is
    out even if the poster has not stored its ts yet (or died before it could)."""
    statements = _for(session)
    if session.execute(statements.post_status, {"post_id": post.id}).scalar() not in ANSWERABLE:
        raise QuestionClosed
    try:
        session.execute(
            statements.insert_answer,
            {
                "post_id": post.id,
                "team_id": post.team_id,
                "channel_id": post.channel_id,
                "user_id": user_id,
                "quiz_day": post.quiz_day,
                "question_id": post.question_id,
                "option_index": option_index,
                "correct": correct,
                "answered_at": now,
            },
        )
    except IntegrityError:
        raise AlreadyAnswered from None
    key = {"team_id": post.team_id, "channel_id": post.channel_id, "user_id": user_id}
    row = session.execute(statements.locked_stats, key).one()
    state = StreakState(
        current=row.current_streak,
        longest=row.longest_streak,
        last_answered_day=row.last_answered_day,
        freezes_held=row.freezes_held or 0,
        freezes_used=row.freezes_used or 0,
        freeze_progress=row.freeze_progress or 0,
    )
    missed = 0
    if state.last_answered_day is not None:
        missed = session.execute(
            statements.closed_between,
            {**key, "after": state.last_answered_day, "before": post.quiz_day},
        ).scalar_one()
    state = apply_answer(state, day=post.quiz_day, correct=correct, missed_between=missed)
    first_day = row.first_answered_day
    session.execute(
        statements.update_stats,
        {
            "k_team": post.team_id,
            "k_channel": post.channel_id,
            "k_user": user_id,
            "add_correct": int(correct),
            "new_current": state.current,
            "new_longest": state.longest,
            "new_last_day": state.last_answered_day,
            "new_first_day": post.quiz_day if first_day is None or post.quiz_day < first_day else first_day,
            "new_held": state.freezes_held,
            "new_used": state.freezes_used,
            "new_progress": state.freeze_progress,
        },
    )
    session.execute(
        statements.count_period,
        [
            {**key, "period": WEEK, "period_start": week_start(post.quiz_day), "add_correct": int(correct)},
            {**key, "period": MONTH, "period_start": month_start(post.quiz_day), "add_correct": int(correct)},
        ],
    )
    record_history(
        session=session,
        team_id=post.team_id,
        user_id=user_id,
        question_id=post.question_id,
        correct=correct,
        now=now,
    )
    reviews.review(
        session=session,
        team_id=post.team_id,
        user_id=user_id,
        question_id=post.question_id,
        correct=correct,
        now=now,
        source=reviews.DAILY,
    )
    return RecordedAnswer(current_streak=state.current, longest_streak=state.longest)


def stats_state(stats: UserStats) -> StreakState:
    return StreakState(
        current=stats.current_streak,
        longest=stats.longest_streak,
        last_answered_day=stats.last_answered_day,
        freezes_held=stats.freezes_held or 0,
        freezes_used=stats.freezes_used or 0,
        freeze_progress=stats.freeze_progress or 0,
    )


def record_history(
    *, session: Session, team_id: str, user_id: str, question_id: str, correct: bool, now: dt.datetime
) -> None:
    """Count an answer (daily or practice) toward the user's history of one question."""
    session.execute(
        _for(session).record_history,
        {
            "team_id": team_id,
            "user_id": user_id,
            "question_id": question_id,
            "correct_count": int(correct),
            "wrong_count": int(not correct),
            "first_correct_at": now if correct else None,
            "last_wrong_at": None if correct else now,
            "last_answered_at": now,
        },
    )


def record_private_answer(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    question_id: str,
    correct: bool,
    now: dt.datetime,
    source: str,
) -> spaced.CardState:
    """A practice or review answer: lesson progress (the history) and the review card, never
    streaks or leaderboards; the card's new state."""
    record_history(
        session=session, team_id=team_id, user_id=user_id, question_id=question_id, correct=correct, now=now
    )
    return reviews.review(
        session=session,
        team_id=team_id,
        user_id=user_id,
        question_id=question_id,
        correct=correct,
        now=now,
        source=source,
    )


def question_history(*, session: Session, team_id: str, user_id: str) -> dict[str, QuestionHistory]:
    rows = session.execute(
        select(QuestionHistory).where(QuestionHistory.team_id == team_id, QuestionHistory.user_id == user_id)
    ).scalars()
    return {row.question_id: row for row in rows}
