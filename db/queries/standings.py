"""Team standings: the period's totals per team from the database, ranked by
`quiz.team_score`.

Team score for a period = correct answers by the team's current members on the channel's
quiz days in the period ÷ (members × quiz days in the period). Ties go to the higher
turnout (answers ÷ (members × quiz days)), then to the name. A quiz day is a post of the
channel that Slack accepted (status other than `claimed`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from db.models import CLAIMED, Answer, Post, QuizTeam, QuizTeamMember
from quiz.team_score import QuizTeamStanding, QuizTeamTotals, rank_teams


# -- standings -----------------------------------------------------------------------------
def _day_bounds(column, start: dt.date | None, end: dt.date | None) -> list:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return conditions


def count_quiz_days(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> int:
    """The channel's quiz days in [start, end] (None: unbounded): posts Slack accepted."""
    return int(
        session.execute(
            select(func.count(Post.id)).where(
                Post.team_id == team_id,
                Post.channel_id == channel_id,
                Post.status != CLAIMED,
                *_day_bounds(Post.quiz_day, start, end),
            )
        ).scalar_one()
    )


def count_answers(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> int:
    """The channel's daily answers on quiz days in [start, end] (None: unbounded)."""
    return int(
        session.execute(
            select(func.count(Answer.id)).where(
                Answer.team_id == team_id,
                Answer.channel_id == channel_id,
                *_day_bounds(Answer.quiz_day, start, end),
            )
        ).scalar_one()
    )


def team_totals(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> list[QuizTeamTotals]:
    """Members, and correct and all answers of current members in the period, per team: one
    statement (answers grouped per member, then per team; teams without members count too)."""
    per_member = (
        select(
            QuizTeamMember.quiz_team_id.label("quiz_team_id"),
            QuizTeamMember.user_id.label("user_id"),
            func.count(Answer.id).label("answered"),
            func.coalesce(func.sum(case((Answer.correct, 1), else_=0)), 0).label("correct"),
        )
        .select_from(QuizTeamMember)
        .outerjoin(
            Answer,
            and_(
                Answer.team_id == QuizTeamMember.team_id,
                Answer.channel_id == QuizTeamMember.channel_id,
                Answer.user_id == QuizTeamMember.user_id,
                *_day_bounds(Answer.quiz_day, start, end),
            ),
        )
        .where(QuizTeamMember.team_id == team_id, QuizTeamMember.channel_id == channel_id)
        .group_by(QuizTeamMember.quiz_team_id, QuizTeamMember.user_id)
        .subquery()
    )
    rows = session.execute(
        select(
            QuizTeam.name,
            func.count(per_member.c.user_id).label("members"),
            func.coalesce(func.sum(per_member.c.correct), 0).label("correct"),
            func.coalesce(func.sum(per_member.c.answered), 0).label("answered"),
        )
        .select_from(QuizTeam)
        .outerjoin(per_member, per_member.c.quiz_team_id == QuizTeam.id)
        .where(QuizTeam.team_id == team_id, QuizTeam.channel_id == channel_id)
        .group_by(QuizTeam.id, QuizTeam.name)
    )
    return [
        QuizTeamTotals(
            name=row.name, members=int(row.members), correct=int(row.correct), answered=int(row.answered)
        )
        for row in rows
    ]


def team_standings(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> tuple[int, list[QuizTeamStanding]]:
    """(quiz days in the period, the teams ranked) for quiz days in [start, end]."""
    days = count_quiz_days(session=session, team_id=team_id, channel_id=channel_id, start=start, end=end)
    totals = team_totals(session=session, team_id=team_id, channel_id=channel_id, start=start, end=end)
    return days, rank_teams(totals, quiz_days=days)
