"""`app_home_opened`: publish the person's own stats to their Home tab."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import render_home_unavailable
from bot.runtime import Runtime
from bot.services.home import home_view
from db.engine import is_unavailable


def ack_event(ack: Ack) -> None:
    ack()


def handle_app_home_opened(event: dict, context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
        return
    runtime: Runtime = context["runtime"]
    user_id = event["user"]
    team_id = context.team_id or ""
    try:
        view = home_view(runtime, team_id=team_id, user_id=user_id)
    except Exception as error:
        if not is_unavailable(error):
            raise
        view = render_home_unavailable()
    runtime.outbox.submit(lambda: client.views_publish(user_id=user_id, view=view), f"App Home of {user_id}")
