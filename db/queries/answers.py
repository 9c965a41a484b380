"""Recording answers: the daily answer with its streak and totals in one transaction,
and practice answers, which touch only the user's question history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Answer, Post, QuestionHistory, UserStats
from db.queries._upsert import insert_for
from db.queries.posts import closed_days_between, is_open_for_answers
from db.streaks import StreakState, apply_answer


class AlreadyAnswered(Exception):
    """The user already answered this post; the first answer stands."""


class QuestionClosed(Exception):
    """The post closed before the answer could be stored."""


def find_answer(*, session: Session, post_id: int, user_id: str) -> Answer | None:
    return session.execute(
        select(Answer).where(Answer.post_id == post_id, Answer.user_id == user_id)
    ).scalar_one_or_none()


def record_answer(
    *, session: Session, post: Post, user_id: str, option_index: int, correct: bool, now: dt.datetime
) -> UserStats:
    """Store a daily answer and update the user's totals and streak; raise AlreadyAnswered
    if the unique (post, user) row exists, QuestionClosed if the post closed meanwhile.
    Returns the updated stats."""
    if not is_open_for_answers(session=session, post_id=post.id):
        raise QuestionClosed
    session.add(
        Answer(
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
    )
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyAnswered from None
    stats = _locked_stats(session=session, team_id=post.team_id, channel_id=post.channel_id, user_id=user_id)
    state = stats_state(stats)
    missed = 0
    if state.last_answered_day is not None:
        missed = closed_days_between(
            session=session,
            team_id=post.team_id,
            channel_id=post.channel_id,
            after=state.last_answered_day,
            before=post.quiz_day,
        )
    state = apply_answer(state, day=post.quiz_day, correct=correct, missed_between=missed)
    stats.current_streak, stats.longest_streak = state.current, state.longest
    stats.last_answered_day = state.last_answered_day
    stats.freezes_held, stats.freezes_used = state.freezes_held, state.freezes_used
    stats.freeze_progress = state.freeze_progress
    stats.answered += 1
    stats.correct += int(correct)
    if stats.first_answered_day is None or post.quiz_day < stats.first_answered_day:
        stats.first_answered_day = post.quiz_day
    record_history(
        session=session,
        team_id=post.team_id,
        user_id=user_id,
        question_id=post.question_id,
        correct=correct,
        now=now,
    )
    return stats


def stats_state(stats: UserStats) -> StreakState:
    return StreakState(
        current=stats.current_streak,
        longest=stats.longest_streak,
        last_answered_day=stats.last_answered_day,
        freezes_held=stats.freezes_held or 0,
        freezes_used=stats.freezes_used or 0,
        freeze_progress=stats.freeze_progress or 0,
    )


def _locked_stats(*, session: Session, team_id: str, channel_id: str, user_id: str) -> UserStats:
    session.execute(
        insert_for(session, UserStats)
        .values(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            answered=0,
            correct=0,
            current_streak=0,
            longest_streak=0,
            freezes_held=0,
            freezes_used=0,
            freeze_progress=0,
        )
        .on_conflict_do_nothing()
    )
    return session.execute(
        select(UserStats)
        .where(UserStats.team_id == team_id, UserStats.channel_id == channel_id, UserStats.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def record_history(
    *, session: Session, team_id: str, user_id: str, question_id: str, correct: bool, now: dt.datetime
) -> None:
    """Count an answer (daily or practice) toward the user's history of one question."""
    table = QuestionHistory.__table__
    statement = insert_for(session, QuestionHistory).values(
        team_id=team_id,
        user_id=user_id,
        question_id=question_id,
        correct_count=int(correct),
        wrong_count=int(not correct),
        first_correct_at=now if correct else None,
        last_wrong_at=None if correct else now,
        last_answered_at=now,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["team_id", "user_id", "question_id"],
        set_={
            "correct_count": table.c.correct_count + excluded.correct_count,
            "wrong_count": table.c.wrong_count + excluded.wrong_count,
            "first_correct_at": func.coalesce(table.c.first_correct_at, excluded.first_correct_at),
            "last_wrong_at": func.coalesce(excluded.last_wrong_at, table.c.last_wrong_at),
            "last_answered_at": excluded.last_answered_at,
        },
    )
    session.execute(statement)


def question_history(*, session: Session, team_id: str, user_id: str) -> dict[str, QuestionHistory]:
    rows = session.execute(
        select(QuestionHistory).where(QuestionHistory.team_id == team_id, QuestionHistory.user_id == user_id)
    ).scalars()
    return {row.question_id: row for row in rows}
