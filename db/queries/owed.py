"""Private replies owed for stored answers, and answer counts owed to open messages: what a
replica that died (or stopped) right after acknowledging clicks left for the leader to finish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from db.models import Answer, Post
from db.queries.posts import OPEN


@dataclass(frozen=True)
class OwedReply:
    post_id: int
    user_id: str
    team_id: str
    channel_id: str


_answers = Answer.__table__  # Core: an executemany UPDATE keyed by (post, user), not the ORM's by-id one
_mark = (
    update(_answers)
    .where(
        _answers.c.post_id == bindparam("p"),
        _answers.c.user_id == bindparam("u"),
        _answers.c.replied_at.is_(None),
    )
    .values(replied_at=bindparam("now"))
)
# On PostgreSQL the rows are locked first, in id order, as the fold locks the answers it marks
# (db.derived): two transactions updating overlapping answers in different orders deadlock
# (seen at 250 clicks/s with two workers: a fold against a batch of replied marks).
_lock_in_id_order = (
    select(_answers.c.id)
    .where(tuple_(_answers.c.post_id, _answers.c.user_id).in_(bindparam("keys", expanding=True)))
    .order_by(_answers.c.id)
    .with_for_update()
)


def mark_replied(*, session: Session, answers: Iterable[tuple[int, str]], now: dt.datetime) -> None:
    """The replies to these (post, user) answers reached Slack: one executemany for the batch."""
    params = [{"p": post_id, "u": user_id, "now": now} for post_id, user_id in answers]
    if not params:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_lock_in_id_order, {"keys": [(p["p"], p["u"]) for p in params]})
    session.execute(_mark, params)


def owed_replies(
    *, session: Session, answered_before: dt.datetime, answered_after: dt.datetime, limit: int
) -> list[OwedReply]:
    """Answers stored in the window whose reply never reached Slack, oldest first."""
    rows = session.execute(
        select(Answer.post_id, Answer.user_id, Answer.team_id, Answer.channel_id)
        .where(
            Answer.replied_at.is_(None),
            Answer.answered_at < answered_before,
            Answer.answered_at >= answered_after,
        )
        .order_by(Answer.answered_at)
        .limit(limit)
    )
    return [OwedReply(*row) for row in rows]


def owed_count(*, session: Session) -> int:
    """Stored answers whose verdict has not reached Slack yet."""
    return session.execute(
        select(func.count()).select_from(Answer).where(Answer.replied_at.is_(None))
    ).scalar_one()


def give_up_replies(*, session: Session, answered_before: dt.datetime) -> int:
    """Replies too old to be worth sending: marked as settled, unsent."""
    return session.execute(
        update(Answer)
        .where(Answer.replied_at.is_(None), Answer.answered_at < answered_before)
        .values(replied_at=Answer.answered_at)
        .execution_options(synchronize_session=False)
    ).rowcount


def stale_counts(*, session: Session, quiet_since: dt.datetime) -> list[tuple[int, str]]:
    """Open posts whose message shows a count other than the stored answers', with no answer
    since `quiet_since` (a live refresher is not racing): the refresh was lost with the replica
    that would have sent it, or someone was forgotten."""
    rows = session.execute(
        select(Post.id, Post.team_id, Post.count_shown, func.count(Answer.id), func.max(Answer.answered_at))
        .outerjoin(Answer, Answer.post_id == Post.id)
        .where(Post.status == OPEN)
        .group_by(Post.id, Post.team_id, Post.count_shown)
        .order_by(Post.id)
    )
    return [
        (post_id, team_id)
        for post_id, team_id, shown, answered, latest in rows
        if (shown or 0) != answered and (latest is None or _utc(latest) < quiet_since)
    ]


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def count_sent(
    *, session: Session, post_id: int, held: dt.datetime, sent_at: dt.datetime, answered: int | None
) -> None:
    """The count update claimed with `held` ended at `sent_at` (the next window runs from
    here); `answered` is what the message now shows, None when Slack did not take it. If the
    slot was taken over meanwhile (the send outlived its hold), another update may have landed
    before this one: what the message shows is unknown (NULL), which the leader's catch-up
    (`stale_counts`) sets right."""
    values: dict = {"count_refreshed_at": sent_at}
    if answered is not None:
        values["count_shown"] = answered
    ours = session.execute(
        update(Post).where(Post.id == post_id, Post.count_refreshed_at == held).values(**values)
    ).rowcount
    if not ours and answered is not None:
        session.execute(update(Post).where(Post.id == post_id).values(count_shown=None))
