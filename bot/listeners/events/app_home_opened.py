"""`app_home_opened`: publish the person's own stats to their Home tab."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import render_home, render_home_unavailable
from bot.listeners.respond import Responder
from bot.services.home import Home
from db.engine import is_unavailable


def ack_event(ack: Ack) -> None:
    ack()


class AppHomeOpened:
    def __init__(self, *, home: Home, responder: Responder) -> None:
        self.home = home
        self.responder = responder

    def handle(self, event: dict, context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
            return
        user_id = event["user"]
        team_id = context.team_id or ""
        try:
            view = render_home(self.home.report(team_id=team_id, user_id=user_id))
        except Exception as error:
            if not is_unavailable(error):
                raise
            view = render_home_unavailable()
        self.responder.publish_home(client, team_id=team_id, user_id=user_id, view=view)
