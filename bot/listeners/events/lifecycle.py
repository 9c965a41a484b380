"""`app_uninstalled` and `tokens_revoked` (multi-workspace mode): the workspace's tokens go and
its schedules pause at once."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.services.workspaces import Workspaces


class Lifecycle:
    def __init__(self, *, workspaces: Workspaces) -> None:
        self.workspaces = workspaces

    def app_uninstalled(self, ack: Ack, context: BoltContext) -> None:
        ack()
        self.workspaces.uninstalled(
            enterprise_id=context.enterprise_id,
            team_id=context.team_id,
            org_install=bool(context.is_enterprise_install),
        )

    def tokens_revoked(self, ack: Ack, event: dict, context: BoltContext) -> None:
        ack()
        # Only the bot token matters to this app (it asks for no user scopes).
        if (event.get("tokens") or {}).get("bot"):
            self.workspaces.uninstalled(
                enterprise_id=context.enterprise_id,
                team_id=context.team_id,
                org_install=bool(context.is_enterprise_install),
            )
