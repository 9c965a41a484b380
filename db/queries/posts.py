"""Daily posts: choosing the question, opening (Slack took it) and closing, and the
coalescing claim for answer-count refreshes. Claiming goes through `db.queries.claims`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from db.models import CLAIMED, Answer, Post
from db.queries import claims
from db.queries.own_questions import BOTH, OWN, OWN_PREFIX, SHIPPED

OPEN, CLOSED = Post.DELIVERED, "closed"
# A claimed post takes answers too: a click proves Slack shows the message (db.queries.answers).
ANSWERABLE = frozenset({CLAIMED, OPEN})


def get_post(*, session: Session, post_id: int) -> Post | None:
    return session.get(Post, post_id)


def find_post(*, session: Session, team_id: str, channel_id: str, quiz_day: dt.date) -> Post | None:
    return session.execute(
        select(Post).where(Post.team_id == team_id, Post.channel_id == channel_id, Post.quiz_day == quiz_day)
    ).scalar_one_or_none()


def next_question(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    question_ids: Sequence[str],
    own_ids: Sequence[str] = (),
    use: str = SHIPPED,
) -> tuple[str, int]:
    """The channel's next question and its cycle. Each set of questions (the shipped bank,
    `question_ids`, and the workspace's own, `own_ids`) keeps its own passes: the first of its
    questions, in order, not yet posted in its current pass; a new pass once all were used, so
    no question repeats before its whole set has been posted. Which set goes next follows the
    channel's `use`: `shipped`; `own` (the bank while the workspace has none of its own); `both`
    alternates, own after shipped and shipped after own, starting with own."""
    rows = session.execute(
        select(Post.id, Post.question_id, Post.cycle).where(
            Post.team_id == team_id, Post.channel_id == channel_id
        )
    ).all()
    own = bool(own_ids) and (
        use == OWN or (use == BOTH and not question_ids) or (use == BOTH and not _latest_was_own(rows))
    )
    ids = own_ids if own else question_ids
    mine = [row for row in rows if row.question_id.startswith(OWN_PREFIX) == own]
    cycle = max((row.cycle for row in mine), default=0)
    used = {row.question_id for row in mine if row.cycle == cycle}
    for question_id in ids:
        if question_id not in used:
            return question_id, cycle
    return ids[0], cycle + 1


def _latest_was_own(rows: Sequence) -> bool:
    latest = max(rows, key=lambda row: row.id, default=None)
    return latest is not None and latest.question_id.startswith(OWN_PREFIX)


def claim_values(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    question_ids: Sequence[str],
    timezone: str,
    own_ids: Sequence[str] = (),
    use: str = SHIPPED,
) -> dict:
    """What a new post row holds beside its key: the channel's next question, chosen in the
    claim's own transaction."""
    question_id, cycle = next_question(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        question_ids=question_ids,
        own_ids=own_ids,
        use=use,
    )
    return {"question_id": question_id, "cycle": cycle, "timezone": timezone}


def open_post(*, session: Session, post_id: int, message_ts: str, now: dt.datetime) -> list[int]:
    """Slack took the post: close the channel's earlier open questions and open this one in
    the same transaction, so a channel never has two open at once (an answer to today must
    not find yesterday still open). The ids this call closed, to reveal."""
    post = session.get(Post, post_id)
    if post is None or post.status != CLAIMED:
        return []
    closed = close_open_before(
        session=session, team_id=post.team_id, channel_id=post.channel_id, quiz_day=post.quiz_day, now=now
    )
    claims.mark_delivered(session, Post, row_id=post_id, message_ts=message_ts, now=now)
    return closed


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


def claim_count_refresh(
    *, session: Session, post_id: int, now: dt.datetime, window: dt.timedelta, hold: dt.datetime
) -> bool:
    """Take this window's single `chat.update` slot for a post, across all replicas. The slot
    reads as taken until `hold` (a time ahead), or until the sender records when its send
    ended (`count_sent`): a send slow to leave never overlaps another's window."""
    result = session.execute(
        update(Post)
        .where(
            Post.id == post_id,
            Post.status == OPEN,
            (Post.count_refreshed_at.is_(None)) | (Post.count_refreshed_at <= now - window),
        )
        .values(count_refreshed_at=hold)
    )
    return result.rowcount == 1


def mark_revealed(*, session: Session, post_id: int, now: dt.datetime) -> None:
    session.execute(update(Post).where(Post.id == post_id).values(revealed_at=now))


def unrevealed(*, session: Session, closed_after: dt.datetime) -> list[tuple[int, str]]:
    """Closed posts (closed since `closed_after`) whose reveal has not reached Slack."""
    rows = session.execute(
        select(Post.id, Post.team_id).where(
            Post.status == CLOSED, Post.revealed_at.is_(None), Post.closed_at >= closed_after
        )
    )
    return [(post_id, team_id) for post_id, team_id in rows]
