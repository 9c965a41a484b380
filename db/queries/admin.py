"""The dashboard's own rows: sign-ins under way (single use), signed-in sessions, and the
audit log of changes made from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import AdminAudit, AdminSession, AdminSignIn


def begin_sign_in(
    *,
    session: Session,
    state_hash: str,
    browser_hash: str,
    nonce: str,
    redirect_uri: str,
    now: dt.datetime,
    expired_before: dt.datetime,
) -> None:
    """Keep a new sign-in's state; sign-ins abandoned before `expired_before` go."""
    session.execute(delete(AdminSignIn).where(AdminSignIn.created_at < expired_before))
    session.add(
        AdminSignIn(
            state_hash=state_hash,
            browser_hash=browser_hash,
            nonce=nonce,
            redirect_uri=redirect_uri,
            created_at=now,
        )
    )


def take_sign_in(*, session: Session, state_hash: str) -> AdminSignIn | None:
    """The sign-in with this state, deleted in the same transaction: of two callbacks with one
    state (a replay, two replicas), only the one whose DELETE removed the row gets it."""
    row = session.get(AdminSignIn, state_hash)
    if row is None:
        return None
    session.expunge(row)
    taken = session.execute(delete(AdminSignIn).where(AdminSignIn.state_hash == state_hash)).rowcount
    return row if taken == 1 else None


def start_session(
    *, session: Session, session_id: str, team_id: str, user_id: str, now: dt.datetime, replaces: str | None
) -> None:
    """A new session (the id is new at every sign-in); the browser's previous one ends."""
    if replaces:
        session.execute(delete(AdminSession).where(AdminSession.id == replaces))
    session.add(
        AdminSession(
            id=session_id,
            team_id=team_id,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            admin_checked_at=now,
        )
    )


def get_session(*, session: Session, session_id: str) -> AdminSession | None:
    return session.get(AdminSession, session_id)


def touch_session(
    *, session: Session, session_id: str, now: dt.datetime, admin_checked: bool = False
) -> None:
    values: dict = {"last_seen_at": now}
    if admin_checked:
        values["admin_checked_at"] = now
    session.execute(update(AdminSession).where(AdminSession.id == session_id).values(values))


def end_session(*, session: Session, session_id: str) -> bool:
    return session.execute(delete(AdminSession).where(AdminSession.id == session_id)).rowcount == 1


def end_team_sessions(*, session: Session, team_ids: Iterable[str]) -> int:
    """Sign everyone out of these workspaces (the app was uninstalled there)."""
    teams = list(team_ids)
    if not teams:
        return 0
    return session.execute(delete(AdminSession).where(AdminSession.team_id.in_(teams))).rowcount


def end_stale_sessions(*, session: Session, idle_before: dt.datetime, created_before: dt.datetime) -> int:
    """Housekeeping: sessions idle too long or older than the longest a session may last."""
    return session.execute(
        delete(AdminSession).where(
            (AdminSession.last_seen_at < idle_before) | (AdminSession.created_at < created_before)
        )
    ).rowcount


def record_change(
    *,
    session: Session,
    team_id: str,
    actor_id: str,
    action: str,
    target: str,
    detail: str,
    now: dt.datetime,
) -> None:
    """The audit row of a change made from the dashboard, in the change's own transaction."""
    session.add(
        AdminAudit(
            team_id=team_id, actor_id=actor_id, action=action, target=target, detail=detail[:500], at=now
        )
    )


def recent_changes(*, session: Session, team_id: str, limit: int = 100) -> list[AdminAudit]:
    return list(
        session.execute(
            select(AdminAudit)
            .where(AdminAudit.team_id == team_id)
            .order_by(AdminAudit.at.desc(), AdminAudit.id.desc())
            .limit(limit)
        ).scalars()
    )
