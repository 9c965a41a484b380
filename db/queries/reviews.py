"""Review cards, read: one person's exactly (db.derived folds their unfolded reviews on top);
many people's (a reminder wave, a channel's "remembered now") from the cache, which their
callers settle first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import derived
from db.models import ReviewCard
from quiz import spaced


def cards(*, session: Session, team_id: str, user_id: str) -> dict[str, spaced.CardState]:
    """The person's cards, by question id, exact (the cache with their unfolded reviews)."""
    return derived.person_cards(session=session, team_id=team_id, user_id=user_id)


def due_questions(
    *, session: Session, team_id: str, user_id: str, now: dt.datetime, limit: int | None = None
) -> list[str]:
    """The person's due questions, longest overdue first (exact)."""
    due = sorted(
        (card.due, question_id)
        for question_id, card in cards(session=session, team_id=team_id, user_id=user_id).items()
        if card.due <= now
    )
    return [question_id for _, question_id in due[:limit]]


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
    """The person's due cards (exact)."""
    return sum(
        1 for card in cards(session=session, team_id=team_id, user_id=user_id).values() if card.due <= now
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
    return [(row.user_id, row.question_id, derived.card_of(row)) for row in rows]
