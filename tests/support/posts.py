"""Reading what the scheduler posted, for assertions: a channel's posts and its pending jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.scheduler import QuizScheduler
from db.models import CLAIMED, Post


def channel_posts(*, session: Session, team_id: str, channel_id: str) -> list[Post]:
    """The channel's posts that reached Slack (not merely claimed), by quiz day."""
    return list(
        session.execute(
            select(Post)
            .where(Post.team_id == team_id, Post.channel_id == channel_id, Post.status != CLAIMED)
            .order_by(Post.quiz_day)
        ).scalars()
    )


def next_run_times(scheduler: QuizScheduler) -> dict[str, dt.datetime | None]:
    """When each channel's posting job fires next (none when this replica does not lead)."""
    if scheduler._aps is None:
        return {}
    return {job.id: job.next_run_time for job in scheduler._aps.get_jobs() if job.id.startswith("post:")}
