"""Driving the real query path for unit tests: post a quiz day (the claim and open queries
the daily poster runs, without Slack), answer it, close it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from db.derived import settled
from db.engine import Database
from db.models import Post
from db.queries import claims
from db.queries.posts import claim_values, close_post, get_post, open_post
from tests.support.answers import record_answer

TEAM = "T0001"
QUESTION_IDS = tuple(f"q-{n}" for n in range(1, 8))


@contextmanager
def database(url: str) -> Iterator[Database]:
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def post_day(
    db: Database,
    *,
    channel: str,
    day: dt.date,
    team: str = TEAM,
    question_ids: Sequence[str] = QUESTION_IDS,
    close_earlier: bool = True,
    own_ids: Sequence[str] = (),
    use: str = "shipped",
) -> int:
    """Claim and open `day`'s post (closing every earlier open one, unless told not to); the
    post id."""
    with db.writing() as session:
        post = claims.claim(
            session,
            Post,
            key={"team_id": team, "channel_id": channel, "quiz_day": day},
            values=claim_values(
                session=session,
                team_id=team,
                channel_id=channel,
                question_ids=question_ids,
                timezone="UTC",
                own_ids=own_ids,
                use=use,
            ),
            fence=None,
            now=noon(day),
        )
        post_id = post.id
    with db.writing() as session:
        if close_earlier:
            open_post(session=session, post_id=post_id, message_ts=f"{post_id}.000100", now=noon(day))
        else:
            assert claims.mark_delivered(
                session, Post, row_id=post_id, message_ts=f"{post_id}.000100", now=noon(day)
            )
    return post_id


def close(db: Database, post_id: int, *, now: dt.datetime | None = None) -> None:
    with db.writing() as session:
        assert close_post(session=session, post_id=post_id, now=now or dt.datetime.now(dt.UTC))


def answer(db: Database, *, post_id: int, user: str, correct: bool, now: dt.datetime | None = None) -> None:
    """One answer stored and folded into the caches at once (as the app's folder does within a
    quarter second), so the query-level tests read the caches as they stand after the click."""
    with db.writing() as session:
        post = get_post(session=session, post_id=post_id)
        assert post is not None
        record_answer(
            session=session,
            post=post,
            user_id=user,
            option_index=0 if correct else 1,
            correct=correct,
            now=now or noon(post.quiz_day) + dt.timedelta(minutes=5),
        )
    settled(db)
