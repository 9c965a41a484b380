"""A click on a practice question: grade it privately; never touches streaks."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.respond import Responder, guarded
from bot.services.practice import Practice


class PracticeAnswer:
    def __init__(self, *, practice: Practice, responder: Responder) -> None:
        self.practice = practice
        self.responder = responder

    def handle(self, ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        user_id = (body.get("user") or {}).get("id")
        team_id = (body.get("team") or {}).get("id") or context.team_id
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.practice.answer(team_id=team_id, user_id=user_id, value=value))
        self.responder.privately(
            client,
            team_id=team_id,
            response_url=body.get("response_url"),
            channel_id=(body.get("channel") or {}).get("id"),
            user_id=user_id,
            reply=reply,
            replace_original=True,
        )
