"""Reminder opt-ins, the DMs already claimed for a day, and what a reminder says: the person's
streaks of 3 or more at risk because today's question is open and they have not answered."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from db.models import Answer, Post, Reminder, ReminderDM, UserStats
from db.queries.posts import OPEN, latest_closed_days
from db.queries.stats import effective_current_sql
from quiz.reminders import AT_RISK_FROM
from quiz.streaks import MAX_FREEZES


def set_reminder(
    *, session: Session, team_id: str, user_id: str, hour: int, minute: int, timezone: str, now: dt.datetime
) -> Reminder:
    row = session.get(Reminder, (team_id, user_id))
    if row is None:
        row = Reminder(team_id=team_id, user_id=user_id, created_at=now)
        session.add(row)
    row.hour, row.minute, row.timezone, row.updated_at = hour, minute, timezone, now
    session.flush()
    return row


def remove_reminder(*, session: Session, team_id: str, user_id: str) -> bool:
    result = session.execute(delete(Reminder).where(Reminder.team_id == team_id, Reminder.user_id == user_id))
    return bool(result.rowcount)


def all_reminders(*, session: Session, skip_teams: set[str]) -> list[Reminder]:
    rows = session.execute(select(Reminder).order_by(Reminder.team_id, Reminder.user_id)).scalars()
    return [row for row in rows if row.team_id not in skip_teams]


def remember_dm_channel(*, session: Session, team_id: str, user_id: str, channel_id: str) -> None:
    row = session.get(Reminder, (team_id, user_id))
    if row is not None:
        row.dm_channel_id = channel_id


def claimed_for_day(
    *, session: Session, team_id: str, local_day: dt.date, user_ids: Iterable[str]
) -> set[str]:
    """Of these people, those whose DM for that local day is already claimed (or sent)."""
    users = list(user_ids)
    if not users:
        return set()
    return set(
        session.execute(
            select(ReminderDM.user_id).where(
                ReminderDM.team_id == team_id,
                ReminderDM.local_day == local_day,
                ReminderDM.user_id.in_(users),
            )
        ).scalars()
    )


def streaks_at_risk(
    *, session: Session, team_id: str, user_ids: Iterable[str]
) -> dict[str, list[tuple[str, int]]]:
    """person -> [(channel, streak)] where their streak (freezes applied) is 3 or more and the
    channel's open question has no answer from them yet."""
    users = list(user_ids)
    at_risk: dict[str, list[tuple[str, int]]] = defaultdict(list)
    if not users:
        return at_risk
    open_posts = session.execute(
        select(Post.id, Post.channel_id).where(Post.team_id == team_id, Post.status == OPEN)
    ).all()
    for post_id, channel_id in open_posts:
        current = effective_current_sql(
            latest_closed_days(session=session, team_id=team_id, channel_id=channel_id, count=MAX_FREEZES + 1)
        )
        answered = exists().where(and_(Answer.post_id == post_id, Answer.user_id == UserStats.user_id))
        rows = session.execute(
            select(UserStats.user_id, current.label("streak")).where(
                UserStats.team_id == team_id,
                UserStats.channel_id == channel_id,
                UserStats.user_id.in_(users),
                current >= AT_RISK_FROM,
                ~answered,
            )
        )
        for user_id, streak in rows:
            at_risk[user_id].append((channel_id, int(streak)))
    return at_risk
