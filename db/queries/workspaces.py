"""The workspaces the bot serves in multi-workspace mode: installed, uninstalled (schedules
paused, data kept for the retention window), and purged (every row of the workspace gone)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.derived import lock_caches
from db.models import Base, Workspace

INSTALLED, UNINSTALLED = "installed", "uninstalled"


def get(*, session: Session, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def record(
    *, session: Session, team_id: str, enterprise_id: str | None, org_install: bool, now: dt.datetime
) -> None:
    """Remember how a workspace's token is found, the first time a request from it arrives
    (the workspaces of an org-wide install are learned this way)."""
    if session.get(Workspace, team_id) is None:
        session.add(
            Workspace(
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_install=org_install,
                status=INSTALLED,
                installed_at=now,
            )
        )


def installed(
    *, session: Session, team_id: str | None, enterprise_id: str | None, org_install: bool, now: dt.datetime
) -> list[str]:
    """An install (or reinstall) finished: the workspace (for an org-wide install, every
    workspace of the organisation we know) is served again; the team ids resumed."""
    if org_install:
        session.execute(
            update(Workspace)
            .where(Workspace.enterprise_id == enterprise_id, Workspace.org_install.is_(True))
            .values(status=INSTALLED, uninstalled_at=None, installed_at=now)
        )
        return list(
            session.execute(
                select(Workspace.team_id).where(
                    Workspace.enterprise_id == enterprise_id, Workspace.org_install.is_(True)
                )
            ).scalars()
        )
    assert team_id is not None
    row = session.get(Workspace, team_id)
    if row is None:
        session.add(
            Workspace(
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_install=False,
                status=INSTALLED,
                installed_at=now,
            )
        )
    else:
        row.enterprise_id, row.org_install, row.status = enterprise_id, False, INSTALLED
        row.installed_at, row.uninstalled_at = now, None
    return [team_id]


def uninstalled(
    *, session: Session, team_id: str | None, enterprise_id: str | None, org_install: bool, now: dt.datetime
) -> list[str]:
    """The app was uninstalled (or its bot token revoked): the team ids now paused."""
    if org_install:
        where = (Workspace.enterprise_id == enterprise_id) & Workspace.org_install.is_(True)
    else:
        where = Workspace.team_id == team_id
    teams = list(
        session.execute(select(Workspace.team_id).where(where, Workspace.status == INSTALLED)).scalars()
    )
    session.execute(
        update(Workspace)
        .where(where, Workspace.status == INSTALLED)
        .values(status=UNINSTALLED, uninstalled_at=now)
    )
    if not org_install and team_id is not None and session.get(Workspace, team_id) is None:
        session.add(
            Workspace(
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_install=False,
                status=UNINSTALLED,
                installed_at=now,
                uninstalled_at=now,
            )
        )
        teams.append(team_id)
    return teams


def uninstalled_teams(*, session: Session) -> set[str]:
    return set(session.execute(select(Workspace.team_id).where(Workspace.status == UNINSTALLED)).scalars())


def due_for_purge(*, session: Session, uninstalled_before: dt.datetime) -> list[str]:
    return list(
        session.execute(
            select(Workspace.team_id)
            .where(Workspace.status == UNINSTALLED, Workspace.uninstalled_at <= uninstalled_before)
            .order_by(Workspace.team_id)
        ).scalars()
    )


def purge(*, session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace from every table that has a `team_id` column (so a
    table added later is covered too); rows deleted per table."""
    lock_caches(session)
    removed: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):  # children before their parents
        if "team_id" in table.c:
            count = session.execute(delete(table).where(table.c.team_id == team_id)).rowcount
            if count:
                removed[table.name] = count
    return removed
