"""A workspace's life in multi-workspace mode: installed (through the OAuth flow), uninstalled
or its bot token revoked (tokens removed, schedules paused at once, data kept for the
retention window), reinstalled (schedules resume), purged (every row of it deleted)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from slack_sdk.oauth.installation_store import Installation

from bot.clock import Clock
from bot.slack.installed import WorkspaceTokens
from db.engine import Database
from db.queries import admin as admin_queries
from db.queries import workspaces as queries

if TYPE_CHECKING:  # slack_sdk's SQLAlchemy store is imported only in multi-workspace mode
    from db.installations import EncryptedInstallationStore

logger = logging.getLogger(__name__)


class Workspaces:
    def __init__(
        self,
        *,
        db: Database,
        store: EncryptedInstallationStore,
        tokens: WorkspaceTokens,
        clock: Clock,
        retention: dt.timedelta,
    ) -> None:
        self.db = db
        self.store = store
        self.tokens = tokens
        self.clock = clock
        self.retention = retention

    def installed(self, installation: Installation) -> list[str]:
        """The OAuth flow stored an installation: serve its workspace(s) again."""
        with self.db.writing() as session:
            teams = queries.installed(
                session=session,
                team_id=installation.team_id,
                enterprise_id=installation.enterprise_id,
                org_install=bool(installation.is_enterprise_install),
                now=self.clock.now(),
            )
        self.tokens.forget(teams)
        logger.info(
            "installed in %s",
            f"organisation {installation.enterprise_id}"
            if installation.is_enterprise_install
            else installation.team_id,
        )
        return teams

    def uninstalled(self, *, enterprise_id: str | None, team_id: str | None, org_install: bool) -> list[str]:
        """`app_uninstalled` (or the bot token revoked): remove the tokens and pause the
        workspace(s) now; their data stays until the retention window ends."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=None if org_install else team_id)
        with self.db.writing() as session:
            teams = queries.uninstalled(
                session=session,
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_install=org_install,
                now=self.clock.now(),
            )
            admin_queries.end_team_sessions(session=session, team_ids=teams)  # dashboard sessions end
        self.tokens.forget(teams)
        logger.info(
            "uninstalled from %s: tokens removed, schedules paused, dashboard sessions ended",
            ", ".join(teams) or "an unknown workspace",
        )
        return teams

    def purge_due(self) -> list[str]:
        """Purge the workspaces uninstalled longer ago than the retention window."""
        with self.db.reading() as session:
            due = queries.due_for_purge(session=session, uninstalled_before=self.clock.now() - self.retention)
        for team_id in due:
            self.purge(team_id)
        return due

    def purge(self, team_id: str) -> dict[str, int]:
        """Delete every row of the workspace; rows removed per table."""
        with self.db.writing() as session:
            removed = queries.purge(session=session, team_id=team_id)
        self.tokens.forget([team_id])
        logger.info("purged workspace %s: %s", team_id, removed or "nothing stored")
        return removed
