"""`app_home_opened`: publish the person's own page to their Home tab."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.services.home import Home


def ack_event(ack: Ack) -> None:
    ack()


class AppHomeOpened:
    def __init__(self, *, home: Home) -> None:
        self.home = home

    def handle(self, event: dict, context: BoltContext) -> None:
        if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
            return
        self.home.publish(
            team_id=context.team_id or "", user_id=event["user"], enterprise_id=context.enterprise_id
        )
