"""Daily posts: choosing the question, claiming under a fencing token, opening, closing,
and the coalescing claim for answer-count refreshes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Answer, Post
from db.queries.leases import Fence, check_fence

CLAIMED, OPEN, CLOSED = "claimed", "open", "closed"


class StaleFence(Exception):
    """The claimer's lease is no longer the current one: the database refuses the claim."""


class AlreadyClaimed(Exception):
    """The channel already has a post row for that quiz day."""


def get_post(*, session: Session, post_id: int) -> Post | None:
    return session.get(Post, post_id)


def find_post(*, session: Session, team_id: str, channel_id: str, quiz_day: dt.date) -> Post | None:
    return session.execute(
        select(Post).where(Post.team_id == team_id, Post.channel_id == channel_id, Post.quiz_day == quiz_day)
    ).scalar_one_or_none()


def next_question(
    *, session: Session, team_id: str, channel_id: str, question_ids: Sequence[str]
) -> tuple[str, int]:
    """The channel's next question and its cycle: the first question, in curriculum order,
    not yet posted in the current pass through the bank; a new pass once all were used."""
    rows = session.execute(
        select(Post.question_id, Post.cycle).where(Post.team_id == team_id, Post.channel_id == channel_id)
    ).all()
    cycle = max((row.cycle for row in rows), default=0)
    used = {row.question_id for row in rows if row.cycle == cycle}
    for question_id in question_ids:
        if question_id not in used:
            return question_id, cycle
    return question_ids[0], cycle + 1


def claim_post(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    quiz_day: dt.date,
    timezone: str,
    question_ids: Sequence[str],
    fence: Fence | None,
    now: dt.datetime,
) -> Post:
    """Write the post row before calling Slack. Under a fence, the lease row is checked and
    locked in the same transaction; the unique (team, channel, quiz day) row stops a second
    claim even from a stale leader."""
    if fence is not None and not check_fence(session=session, fence=fence, now=now):
        raise StaleFence(f"token {fence.token} held by {fence.holder} is no longer current")
    existing = find_post(session=session, team_id=team_id, channel_id=channel_id, quiz_day=quiz_day)
    if existing is not None:
        raise AlreadyClaimed(f"{channel_id} already has a post for {quiz_day}")
    question_id, cycle = next_question(
        session=session, team_id=team_id, channel_id=channel_id, question_ids=question_ids
    )
    post = Post(
        team_id=team_id,
        channel_id=channel_id,
        quiz_day=quiz_day,
        timezone=timezone,
        question_id=question_id,
        cycle=cycle,
        status=CLAIMED,
        fencing_token=fence.token if fence else None,
        claimed_by=fence.holder if fence else None,
        claimed_at=now,
    )
    session.add(post)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise AlreadyClaimed(f"{channel_id} already has a post for {quiz_day}") from None
    return post


def retake_claim(
    *, session: Session, post_id: int, fence: Fence | None, now: dt.datetime, stale_before: dt.datetime
) -> bool:
    """Take over a claim whose claimer never finished (crashed before storing the message ts).
    Only one replica wins; the claim's age keeps a live claimer from being overtaken."""
    if fence is not None and not check_fence(session=session, fence=fence, now=now):
        raise StaleFence(f"token {fence.token} held by {fence.holder} is no longer current")
    result = session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == CLAIMED, Post.claimed_at <= stale_before)
        .values(
            claimed_at=now,
            fencing_token=fence.token if fence else None,
            claimed_by=fence.holder if fence else None,
        )
    )
    return result.rowcount == 1


def holds_claim(*, session: Session, post_id: int, claimed_at: dt.datetime) -> bool:
    """Whether a claim is still the one we wrote (a takeover rewrites `claimed_at`)."""
    post = session.get(Post, post_id)
    return post is not None and post.status == CLAIMED and post.claimed_at == claimed_at


def mark_open(*, session: Session, post_id: int, message_ts: str, now: dt.datetime) -> bool:
    result = session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == CLAIMED)
        .values(status=OPEN, message_ts=message_ts, posted_at=now)
    )
    return result.rowcount == 1


def release_claim(*, session: Session, post_id: int) -> None:
    """Drop a claim Slack definitively refused (bot not in channel): no question, no quiz day."""
    post = session.get(Post, post_id)
    if post is not None and post.status == CLAIMED:
        session.delete(post)


def close_open_before(
    *, session: Session, team_id: str, channel_id: str, quiz_day: dt.date, now: dt.datetime
) -> list[int]:
    """Close the channel's open questions older than `quiz_day`; returns the ids this call
    closed (and so must reveal)."""
    closing = list(
        session.execute(
            select(Post.id).where(
                Post.team_id == team_id,
                Post.channel_id == channel_id,
                Post.status == OPEN,
                Post.quiz_day < quiz_day,
            )
        ).scalars()
    )
    return [post_id for post_id in closing if close_post(session=session, post_id=post_id, now=now)]


def close_post(*, session: Session, post_id: int, now: dt.datetime) -> bool:
    """Close an open post; True for the one caller that closed it (and so reveals it)."""
    result = session.execute(
        update(Post).where(Post.id == post_id, Post.status == OPEN).values(status=CLOSED, closed_at=now)
    )
    return result.rowcount == 1


def stale_claims(*, session: Session, stale_before: dt.datetime) -> list[Post]:
    return list(
        session.execute(select(Post).where(Post.status == CLAIMED, Post.claimed_at <= stale_before)).scalars()
    )


def closed_days(*, session: Session, team_id: str, channel_id: str) -> list[dt.date]:
    """The channel's closed quiz days, oldest first (a few hundred a year at most)."""
    return list(
        session.execute(
            select(Post.quiz_day)
            .where(Post.team_id == team_id, Post.channel_id == channel_id, Post.status == CLOSED)
            .order_by(Post.quiz_day)
        ).scalars()
    )


def latest_closed_days(*, session: Session, team_id: str, channel_id: str, count: int) -> list[dt.date]:
    """The channel's `count` most recent closed quiz days, newest first."""
    return list(
        session.execute(
            select(Post.quiz_day)
            .where(Post.team_id == team_id, Post.channel_id == channel_id, Post.status == CLOSED)
            .order_by(Post.quiz_day.desc())
            .limit(count)
        ).scalars()
    )


def quiz_days_since(*, session: Session, team_id: str, channel_id: str, since: dt.date) -> int:
    """How many questions the channel has had (open or closed) on or after `since`."""
    return session.execute(
        select(func.count(Post.id)).where(
            Post.team_id == team_id,
            Post.channel_id == channel_id,
            Post.quiz_day >= since,
            Post.status != CLAIMED,
        )
    ).scalar_one()


def answer_counts(*, session: Session, post_id: int) -> tuple[int, int]:
    """(answered, correct) for a post."""
    answered, correct = session.execute(
        select(func.count(Answer.id), func.coalesce(func.sum(case((Answer.correct, 1), else_=0)), 0)).where(
            Answer.post_id == post_id
        )
    ).one()
    return int(answered), int(correct)


def claim_count_refresh(*, session: Session, post_id: int, now: dt.datetime, window: dt.timedelta) -> bool:
    """Take this window's single `chat.update` slot for a post, across all replicas."""
    result = session.execute(
        update(Post)
        .where(
            Post.id == post_id,
            Post.status == OPEN,
            (Post.count_refreshed_at.is_(None)) | (Post.count_refreshed_at <= now - window),
        )
        .values(count_refreshed_at=now)
    )
    return result.rowcount == 1


def channel_posts(*, session: Session, team_id: str, channel_id: str) -> list[Post]:
    return list(
        session.execute(
            select(Post)
            .where(Post.team_id == team_id, Post.channel_id == channel_id, Post.status != CLAIMED)
            .order_by(Post.quiz_day)
        ).scalars()
    )
