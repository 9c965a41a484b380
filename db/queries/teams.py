"""Teams in a channel's competition, their turnout-aware standings, and the claim rows of
monthly season recaps.

Team score for a period = correct answers by the team's current members on the channel's
quiz days in the period ÷ (members × quiz days in the period). Ties go to the higher
turnout (answers ÷ (members × quiz days)), then to the name. A quiz day is a post of the
channel that Slack accepted (status other than `claimed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Answer, Post, SeasonPost, Team, TeamMember
from db.queries._upsert import insert_for
from db.queries.leases import Fence, check_fence
from db.queries.posts import CLAIMED, AlreadyClaimed, StaleFence

POSTED = "posted"


# -- the score, as pure functions ----------------------------------------------------------
def team_score(*, correct: int, members: int, quiz_days: int) -> Fraction:
    """Correct answers per member per quiz day (0 for a team or period with nobody/nothing)."""
    slots = members * quiz_days
    return Fraction(correct, slots) if slots > 0 else Fraction(0)


def team_turnout(*, answered: int, members: int, quiz_days: int) -> Fraction:
    """The share of (member, quiz day) pairs that got an answer."""
    slots = members * quiz_days
    return Fraction(answered, slots) if slots > 0 else Fraction(0)


@dataclass(frozen=True)
class TeamTotals:
    """What the database adds up for one team over a period."""

    name: str
    members: int
    correct: int
    answered: int


@dataclass(frozen=True)
class TeamStanding:
    rank: int
    name: str
    members: int
    correct: int
    answered: int
    quiz_days: int

    @property
    def exact_score(self) -> Fraction:
        return team_score(correct=self.correct, members=self.members, quiz_days=self.quiz_days)

    @property
    def exact_turnout(self) -> Fraction:
        return team_turnout(answered=self.answered, members=self.members, quiz_days=self.quiz_days)

    @property
    def score(self) -> float:
        return float(self.exact_score)

    @property
    def turnout(self) -> float:
        return float(self.exact_turnout)


def rank_teams(totals: Iterable[TeamTotals], *, quiz_days: int) -> list[TeamStanding]:
    """Order by score, then turnout (both exact fractions, so equal ratios tie), then name."""

    def key(t: TeamTotals) -> tuple[Fraction, Fraction, str, str]:
        score = team_score(correct=t.correct, members=t.members, quiz_days=quiz_days)
        turnout = team_turnout(answered=t.answered, members=t.members, quiz_days=quiz_days)
        return (-score, -turnout, t.name.casefold(), t.name)

    return [
        TeamStanding(
            rank=rank,
            name=t.name,
            members=t.members,
            correct=t.correct,
            answered=t.answered,
            quiz_days=quiz_days,
        )
        for rank, t in enumerate(sorted(totals, key=key), start=1)
    ]


# -- membership ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamView:
    name: str
    members: list[str]


@dataclass(frozen=True)
class MembershipChange:
    team: str
    created: bool = False
    added: list[str] = field(default_factory=list)  # were in no team of the channel
    moved: dict[str, str] = field(default_factory=dict)  # user -> the team they left
    already: list[str] = field(default_factory=list)  # were in this team already
    removed: list[str] = field(default_factory=list)  # taken out of this team (sync, remove)
    not_members: list[str] = field(default_factory=list)  # asked to remove, but not in it


def get_team(*, session: Session, team_id: str, channel_id: str, name: str) -> Team | None:
    """The channel's team of that name, matched case-insensitively."""
    return (
        session.execute(
            select(Team)
            .where(
                Team.team_id == team_id,
                Team.channel_id == channel_id,
                func.lower(Team.name) == func.lower(name),
            )
            .order_by(Team.id)
        )
        .scalars()
        .first()
    )


def _get_or_create_team(
    *, session: Session, team_id: str, channel_id: str, name: str, now: dt.datetime
) -> tuple[Team, bool]:
    existing = get_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if existing is not None:
        return existing, False
    team = Team(team_id=team_id, channel_id=channel_id, name=name, created_at=now)
    try:
        with session.begin_nested():
            session.add(team)
            session.flush()
    except IntegrityError:  # another admin created it at the same moment
        existing = get_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
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
        select(TeamMember.user_id, Team.id, Team.name)
        .join(Team, Team.id == TeamMember.team_pk)
        .where(
            TeamMember.team_id == team_id,
            TeamMember.channel_id == channel_id,
            TeamMember.user_id.in_(list(user_ids)),
        )
    )
    return {row.user_id: (row.id, row.name) for row in rows}


def _put_in_team(
    *, session: Session, team: Team, user_ids: Sequence[str], now: dt.datetime
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
        statement = insert_for(session, TeamMember).values(
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
) -> MembershipChange:
    """Add people to a team (created if missing); someone in another team of the channel moves."""
    team, created = _get_or_create_team(
        session=session, team_id=team_id, channel_id=channel_id, name=name, now=now
    )
    change = _put_in_team(session=session, team=team, user_ids=user_ids, now=now)
    return MembershipChange(
        team=team.name, created=created, added=change.added, moved=change.moved, already=change.already
    )


def sync_members(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    user_ids: Sequence[str],
    now: dt.datetime,
) -> MembershipChange:
    """Make a team's membership exactly `user_ids` (created if missing): others leave it,
    and those in another team of the channel move here."""
    team, created = _get_or_create_team(
        session=session, team_id=team_id, channel_id=channel_id, name=name, now=now
    )
    users = list(dict.fromkeys(user_ids))
    leaving = list(
        session.execute(
            select(TeamMember.user_id)
            .where(TeamMember.team_pk == team.id, TeamMember.user_id.not_in(users))
            .order_by(TeamMember.user_id)
        ).scalars()
    )
    if leaving:
        session.execute(
            delete(TeamMember).where(TeamMember.team_pk == team.id, TeamMember.user_id.in_(leaving))
        )
    change = _put_in_team(session=session, team=team, user_ids=users, now=now)
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
    team = get_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if team is None:
        return None
    users = list(dict.fromkeys(user_ids))
    present = set(
        session.execute(
            select(TeamMember.user_id).where(TeamMember.team_pk == team.id, TeamMember.user_id.in_(users))
        ).scalars()
    )
    if present:
        session.execute(
            delete(TeamMember).where(TeamMember.team_pk == team.id, TeamMember.user_id.in_(sorted(present)))
        )
    return MembershipChange(
        team=team.name,
        removed=[user for user in users if user in present],
        not_members=[user for user in users if user not in present],
    )


def remove_team(*, session: Session, team_id: str, channel_id: str, name: str) -> TeamView | None:
    """Delete a team and its memberships; what it was, or None if there is no such team."""
    team = get_team(session=session, team_id=team_id, channel_id=channel_id, name=name)
    if team is None:
        return None
    members = list(
        session.execute(
            select(TeamMember.user_id).where(TeamMember.team_pk == team.id).order_by(TeamMember.user_id)
        ).scalars()
    )
    session.execute(delete(TeamMember).where(TeamMember.team_pk == team.id))
    session.execute(delete(Team).where(Team.id == team.id))
    return TeamView(name=team.name, members=members)


def list_teams(*, session: Session, team_id: str, channel_id: str) -> list[TeamView]:
    """The channel's teams by name, each with its members (an empty team has none)."""
    rows = session.execute(
        select(Team.id, Team.name, TeamMember.user_id)
        .outerjoin(TeamMember, TeamMember.team_pk == Team.id)
        .where(Team.team_id == team_id, Team.channel_id == channel_id)
        .order_by(func.lower(Team.name), Team.name, Team.id, TeamMember.user_id)
    )
    teams: dict[int, TeamView] = {}
    for row in rows:
        view = teams.setdefault(row.id, TeamView(name=row.name, members=[]))
        if row.user_id is not None:
            view.members.append(row.user_id)
    return list(teams.values())


def team_of(*, session: Session, team_id: str, channel_id: str, user_id: str) -> str | None:
    """The name of the person's team in the channel, or None."""
    return session.execute(
        select(Team.name)
        .join(TeamMember, TeamMember.team_pk == Team.id)
        .where(
            TeamMember.team_id == team_id,
            TeamMember.channel_id == channel_id,
            TeamMember.user_id == user_id,
        )
    ).scalar_one_or_none()


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
) -> list[TeamTotals]:
    """Members, and correct and all answers of current members in the period, per team: one
    statement (answers grouped per member, then per team; teams without members count too)."""
    per_member = (
        select(
            TeamMember.team_pk.label("team_pk"),
            TeamMember.user_id.label("user_id"),
            func.count(Answer.id).label("answered"),
            func.coalesce(func.sum(case((Answer.correct, 1), else_=0)), 0).label("correct"),
        )
        .select_from(TeamMember)
        .outerjoin(
            Answer,
            and_(
                Answer.team_id == TeamMember.team_id,
                Answer.channel_id == TeamMember.channel_id,
                Answer.user_id == TeamMember.user_id,
                *_day_bounds(Answer.quiz_day, start, end),
            ),
        )
        .where(TeamMember.team_id == team_id, TeamMember.channel_id == channel_id)
        .group_by(TeamMember.team_pk, TeamMember.user_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Team.name,
            func.count(per_member.c.user_id).label("members"),
            func.coalesce(func.sum(per_member.c.correct), 0).label("correct"),
            func.coalesce(func.sum(per_member.c.answered), 0).label("answered"),
        )
        .select_from(Team)
        .outerjoin(per_member, per_member.c.team_pk == Team.id)
        .where(Team.team_id == team_id, Team.channel_id == channel_id)
        .group_by(Team.id, Team.name)
    )
    return [
        TeamTotals(
            name=row.name, members=int(row.members), correct=int(row.correct), answered=int(row.answered)
        )
        for row in rows
    ]


def team_standings(
    *, session: Session, team_id: str, channel_id: str, start: dt.date | None, end: dt.date | None
) -> tuple[int, list[TeamStanding]]:
    """(quiz days in the period, the teams ranked) for quiz days in [start, end]."""
    days = count_quiz_days(session=session, team_id=team_id, channel_id=channel_id, start=start, end=end)
    totals = team_totals(session=session, team_id=team_id, channel_id=channel_id, start=start, end=end)
    return days, rank_teams(totals, quiz_days=days)


# -- season recaps -------------------------------------------------------------------------
def find_season_post(*, session: Session, team_id: str, channel_id: str, month: dt.date) -> SeasonPost | None:
    return session.execute(
        select(SeasonPost).where(
            SeasonPost.team_id == team_id, SeasonPost.channel_id == channel_id, SeasonPost.month == month
        )
    ).scalar_one_or_none()


def get_season_post(*, session: Session, season_post_id: int) -> SeasonPost | None:
    return session.get(SeasonPost, season_post_id)


def claim_season_post(
    *, session: Session, team_id: str, channel_id: str, month: dt.date, fence: Fence | None, now: dt.datetime
) -> SeasonPost:
    """Write the recap's row before calling Slack, checking and locking the lease in the same
    transaction as `claim_post` does; the unique (workspace, channel, month) row stops a
    second claim even from a stale leader."""
    if fence is not None and not check_fence(session=session, fence=fence, now=now):
        raise StaleFence(f"token {fence.token} held by {fence.holder} is no longer current")
    if find_season_post(session=session, team_id=team_id, channel_id=channel_id, month=month) is not None:
        raise AlreadyClaimed(f"{channel_id} already has a recap for {month:%Y-%m}")
    row = SeasonPost(
        team_id=team_id,
        channel_id=channel_id,
        month=month,
        status=CLAIMED,
        fencing_token=fence.token if fence else None,
        claimed_at=now,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise AlreadyClaimed(f"{channel_id} already has a recap for {month:%Y-%m}") from None
    return row


def retake_season_claim(
    *, session: Session, season_post_id: int, fence: Fence | None, now: dt.datetime, stale_before: dt.datetime
) -> bool:
    """Take over a recap claim whose claimer never stored the message ts; one replica wins."""
    if fence is not None and not check_fence(session=session, fence=fence, now=now):
        raise StaleFence(f"token {fence.token} held by {fence.holder} is no longer current")
    result = session.execute(
        update(SeasonPost)
        .where(
            SeasonPost.id == season_post_id,
            SeasonPost.status == CLAIMED,
            SeasonPost.claimed_at <= stale_before,
        )
        .values(claimed_at=now, fencing_token=fence.token if fence else None)
    )
    return result.rowcount == 1


def holds_season_claim(*, session: Session, season_post_id: int, claimed_at: dt.datetime) -> bool:
    row = session.get(SeasonPost, season_post_id)
    return row is not None and row.status == CLAIMED and row.claimed_at == claimed_at


def mark_season_posted(*, session: Session, season_post_id: int, message_ts: str, now: dt.datetime) -> bool:
    result = session.execute(
        update(SeasonPost)
        .where(SeasonPost.id == season_post_id, SeasonPost.status == CLAIMED)
        .values(status=POSTED, message_ts=message_ts, posted_at=now)
    )
    return result.rowcount == 1


def release_season_claim(*, session: Session, season_post_id: int) -> None:
    """Drop a claim Slack definitively refused (bot not in the channel)."""
    row = session.get(SeasonPost, season_post_id)
    if row is not None and row.status == CLAIMED:
        session.delete(row)
