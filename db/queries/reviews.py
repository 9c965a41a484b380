"""Review cards: every graded answer reviews the person's card for the question (in the
answer's own transaction), and what is due, and what is remembered, is read from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import spaced
from db.models import ReviewCard, ReviewLog
from db.queries._upsert import insert_for

DAILY, PRACTICE, REVIEW = "daily", "practice", "review"


def _state(row: ReviewCard) -> spaced.CardState:
    return spaced.CardState(
        state=row.state,
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due,
        last_review=row.last_review,
    )


_cards, _log = ReviewCard.__table__, ReviewLog.__table__


def _locked(session: Session, team_id: str, user_id: str, question_id: str):  # a Row of review_cards
    return session.execute(
        select(_cards)
        .where(
            _cards.c.team_id == team_id,
            _cards.c.user_id == user_id,
            _cards.c.question_id == question_id,
        )
        .with_for_update()
    ).one_or_none()


def review(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    question_id: str,
    correct: bool,
    now: dt.datetime,
    source: str,
) -> spaced.CardState:
    """Review the card (creating it on a first answer) and log the review; the new state.

    Core statements, not the ORM: this runs inside every click's transaction, and a daily
    answer is nearly always a card's first review, which one INSERT ... ON CONFLICT DO NOTHING
    RETURNING settles without a savepoint or a unit-of-work flush (half the click's cost before)."""
    fresh = spaced.review(None, correct=correct, now=now)
    card_id = session.execute(
        insert_for(session, _cards)
        .values(
            team_id=team_id,
            user_id=user_id,
            question_id=question_id,
            **_columns(fresh),
            reviews=1,
            lapses=int(not correct),
        )
        .on_conflict_do_nothing(index_elements=["team_id", "user_id", "question_id"])
        .returning(_cards.c.id)
    ).scalar()
    state = fresh
    if card_id is None:  # reviewed before: schedule from its stored state, under a row lock
        row = _locked(session, team_id, user_id, question_id)
        assert row is not None  # the conflict was this row, and cards are only deleted with their owner
        card_id = row.id
        state = spaced.review(_state(row), correct=correct, now=now)
        session.execute(
            update(_cards)
            .where(_cards.c.id == card_id)
            .values(
                **_columns(state), reviews=_cards.c.reviews + 1, lapses=_cards.c.lapses + int(not correct)
            )
        )
    session.execute(
        _log.insert().values(
            card_id=card_id,
            team_id=team_id,
            user_id=user_id,
            question_id=question_id,
            rating=spaced.rating(correct).value,
            source=source,
            reviewed_at=now,
        )
    )
    return state


def _columns(state: spaced.CardState) -> dict:
    return {
        "state": state.state,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": state.due,
        "last_review": state.last_review,
    }


def cards(*, session: Session, team_id: str, user_id: str) -> dict[str, spaced.CardState]:
    """The person's cards, by question id."""
    rows = session.execute(
        select(ReviewCard).where(ReviewCard.team_id == team_id, ReviewCard.user_id == user_id)
    ).scalars()
    return {row.question_id: _state(row) for row in rows}


def due_questions(
    *, session: Session, team_id: str, user_id: str, now: dt.datetime, limit: int | None = None
) -> list[str]:
    """The person's due questions, longest overdue first."""
    statement = (
        select(ReviewCard.question_id)
        .where(ReviewCard.team_id == team_id, ReviewCard.user_id == user_id, ReviewCard.due <= now)
        .order_by(ReviewCard.due, ReviewCard.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement).scalars())


def first_due(
    *, session: Session, team_id: str, user_ids: Iterable[str], now: dt.datetime, per_user: int
) -> dict[str, list[str]]:
    """Each person's first `per_user` due questions (longest overdue first), in one statement."""
    users = list(user_ids)
    if not users:
        return {}
    ranked = (
        select(
            ReviewCard.user_id,
            ReviewCard.question_id,
            func.row_number()
            .over(partition_by=ReviewCard.user_id, order_by=(ReviewCard.due, ReviewCard.id))
            .label("place"),
        )
        .where(ReviewCard.team_id == team_id, ReviewCard.user_id.in_(users), ReviewCard.due <= now)
        .subquery()
    )
    found: dict[str, list[str]] = {}
    for user, question in session.execute(
        select(ranked.c.user_id, ranked.c.question_id)
        .where(ranked.c.place <= per_user)
        .order_by(ranked.c.user_id, ranked.c.place)
    ):
        found.setdefault(user, []).append(question)
    return found


def due_count(*, session: Session, team_id: str, user_id: str, now: dt.datetime) -> int:
    return int(
        session.execute(
            select(func.count(ReviewCard.id)).where(
                ReviewCard.team_id == team_id, ReviewCard.user_id == user_id, ReviewCard.due <= now
            )
        ).scalar_one()
    )


def due_counts(
    *, session: Session, team_id: str, user_ids: Iterable[str], now: dt.datetime
) -> dict[str, int]:
    """Due cards per person, for many people in one statement."""
    users = list(user_ids)
    if not users:
        return {}
    rows = session.execute(
        select(ReviewCard.user_id, func.count(ReviewCard.id))
        .where(ReviewCard.team_id == team_id, ReviewCard.user_id.in_(users), ReviewCard.due <= now)
        .group_by(ReviewCard.user_id)
    )
    return {user: int(count) for user, count in rows}


def team_cards(
    *, session: Session, team_id: str, user_ids: Iterable[str]
) -> list[tuple[str, str, spaced.CardState]]:
    """(user, question, card) for a group of people (a channel's), for "remembered now"."""
    users = list(user_ids)
    if not users:
        return []
    rows = session.execute(
        select(ReviewCard).where(ReviewCard.team_id == team_id, ReviewCard.user_id.in_(users))
    ).scalars()
    return [(row.user_id, row.question_id, _state(row)) for row in rows]
