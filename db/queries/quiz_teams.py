"""Teams in a channel's competition: creating them, and putting people in (at most one team
per person per channel), out, or in sync with a user group."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import QuizTeam, QuizTeamMember
from db.queries._upsert import insert_for
from db.results import MembershipChange, QuizTeamView


# -- membership ----------------------------------------------------------------------------
def get_quiz_team(*, session: Session, team_id: str, channel_id: str, name: str) -> QuizTeam | None:
    """The channel's team of that name, matched case-insensitively."""
    return (
        session.execute(
            select(QuizTeam)
            .where(
                QuizTeam.team_id == team_id,
                QuizTeam.channel_id == channel_id,
                func.lower(QuizTeam.name) == func.lower(name),
            )
            .order_by(QuizTeam.id)
        )
        .scalars()
        .first()
    )


def _get_or_create_quiz_team(
    *, session: Session, team_id: str, channel_id: str, name: str, now: dt.datetime
) -> tuple[QuizTeam, bool]:
    existing = get_quiz_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if existing is not None:
        return existing, False
    team = QuizTeam(team_id=team_id, channel_id=channel_id, name=name, created_at=now)
    try:
        with session.begin_nested():
            session.add(team)
            session.flush()
    except IntegrityError:  # another admin created it at the same moment
        existing = get_quiz_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
        assert existing is not None
        return existing, False
    return team, True


def _memberships(
    *, session: Session, team_id: str, channel_id: str, user_ids: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """user -> (team pk, team name) for those of `user_ids` in a team of the channel."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(QuizTeamMember.user_id, QuizTeam.id, QuizTeam.name)
        .join(QuizTeam, QuizTeam.id == QuizTeamMember.quiz_team_id)
        .where(
            QuizTeamMember.team_id == team_id,
            QuizTeamMember.channel_id == channel_id,
            QuizTeamMember.user_id.in_(list(user_ids)),
        )
    )
    return {row.user_id: (row.id, row.name) for row in rows}


def _put_in_quiz_team(
    *, session: Session, team: QuizTeam, user_ids: Sequence[str], now: dt.datetime
) -> MembershipChange:
    """Put people in `team`, moving them out of any other team of the channel: one upsert
    on the (workspace, channel, user) key, which also keeps a person in one team even when
    two admins race."""
    users = list(dict.fromkeys(user_ids))
    before = _memberships(session=session, team_id=team.team_id, channel_id=team.channel_id, user_ids=users)
    change = MembershipChange(team=team.name)
    for user in users:
        if user not in before:
            change.added.append(user)
        elif before[user][0] == team.id:
            change.already.append(user)
        else:
            change.moved[user] = before[user][1]
    joining = [user for user in users if user not in change.already]
    if joining:
        statement = insert_for(session, QuizTeamMember).values(
            [
                {
                    "team_id": team.team_id,
                    "channel_id": team.channel_id,
                    "user_id": user,
                    "team_pk": team.id,
                    "added_at": now,
                }
                for user in joining
            ]
        )
        statement = statement.on_conflict_do_update(
            index_elements=["team_id", "channel_id", "user_id"],
            set_={"team_pk": statement.excluded.team_pk, "added_at": statement.excluded.added_at},
        )
        session.execute(statement)
    return change


def add_members(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    user_ids: Sequence[str],
    now: dt.datetime,
    exactly: bool = False,
) -> MembershipChange:
    """Add people to a team (created if missing); someone in another team of the channel moves.
    With `exactly` (a Slack user group's sync) the team becomes `user_ids`: the others leave it."""
    team, created = _get_or_create_quiz_team(
        session=session, team_id=team_id, channel_id=channel_id, name=name, now=now
    )
    users = list(dict.fromkeys(user_ids))
    leaving: list[str] = []
    if exactly:
        leaving = list(
            session.execute(
                select(QuizTeamMember.user_id)
                .where(QuizTeamMember.quiz_team_id == team.id, QuizTeamMember.user_id.not_in(users))
                .order_by(QuizTeamMember.user_id)
            ).scalars()
        )
    if leaving:
        session.execute(
            delete(QuizTeamMember).where(
                QuizTeamMember.quiz_team_id == team.id, QuizTeamMember.user_id.in_(leaving)
            )
        )
    change = _put_in_quiz_team(session=session, team=team, user_ids=users, now=now)
    return MembershipChange(
        team=team.name,
        created=created,
        added=change.added,
        moved=change.moved,
        already=change.already,
        removed=leaving,
    )


def remove_members(
    *, session: Session, team_id: str, channel_id: str, name: str, user_ids: Sequence[str]
) -> MembershipChange | None:
    """Take people out of a team (the team stays, even empty); None if there is no such team."""
    team = get_quiz_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if team is None:
        return None
    users = list(dict.fromkeys(user_ids))
    present = set(
        session.execute(
            select(QuizTeamMember.user_id).where(
                QuizTeamMember.quiz_team_id == team.id, QuizTeamMember.user_id.in_(users)
            )
        ).scalars()
    )
    if present:
        session.execute(
            delete(QuizTeamMember).where(
                QuizTeamMember.quiz_team_id == team.id, QuizTeamMember.user_id.in_(sorted(present))
            )
        )
    return MembershipChange(
        team=team.name,
        removed=[user for user in users if user in present],
        not_members=[user for user in users if user not in present],
    )


def remove_quiz_team(*, session: Session, team_id: str, channel_id: str, name: str) -> QuizTeamView | None:
    """Delete a team and its memberships; what it was, or None if there is no such team."""
    team = get_quiz_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if team is None:
        return None
    members = list(
        session.execute(
            select(QuizTeamMember.user_id)
            .where(QuizTeamMember.quiz_team_id == team.id)
            .order_by(QuizTeamMember.user_id)
        ).scalars()
    )
    session.execute(delete(QuizTeamMember).where(QuizTeamMember.quiz_team_id == team.id))
    session.execute(delete(QuizTeam).where(QuizTeam.id == team.id))
    return QuizTeamView(name=team.name, members=members)


def list_quiz_teams(*, session: Session, team_id: str, channel_id: str) -> list[QuizTeamView]:
    """The channel's teams by name, each with its members (an empty team has none)."""
    rows = session.execute(
        select(QuizTeam.id, QuizTeam.name, QuizTeamMember.user_id)
        .outerjoin(QuizTeamMember, QuizTeamMember.quiz_team_id == QuizTeam.id)
        .where(QuizTeam.team_id == team_id, QuizTeam.channel_id == channel_id)
        .order_by(func.lower(QuizTeam.name), QuizTeam.name, QuizTeam.id, QuizTeamMember.user_id)
    )
    teams: dict[int, QuizTeamView] = {}
    for row in rows:
        view = teams.setdefault(row.id, QuizTeamView(name=row.name, members=[]))
        if row.user_id is not None:
            view.members.append(row.user_id)
    return list(teams.values())


def quiz_team_of(*, session: Session, team_id: str, channel_id: str, user_id: str) -> str | None:
    """The name of the person's team in the channel, or None."""
    return session.execute(
        select(QuizTeam.name)
        .join(QuizTeamMember, QuizTeamMember.quiz_team_id == QuizTeam.id)
        .where(
            QuizTeamMember.team_id == team_id,
            QuizTeamMember.channel_id == channel_id,
            QuizTeamMember.user_id == user_id,
        )
    ).scalar_one_or_none()
