"""`/leader-quiz …`: ack at once, then (lazily, off the request) answer privately through the
response_url."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.commands.router import CommandRouter
from bot.listeners.respond import Responder, guarded


def ack_leader_quiz(ack: Ack) -> None:
    ack()


class LeaderQuiz:
    def __init__(self, *, router: CommandRouter, responder: Responder) -> None:
        self.router = router
        self.responder = responder

    def handle(self, command: dict, context: BoltContext, client: WebClient) -> None:
        team_id = command.get("team_id") or context.team_id or ""
        channel_id = command.get("channel_id") or ""
        user_id = command.get("user_id") or ""
        text = command.get("text") or ""
        reply = guarded(
            lambda: self.router.run(team_id=team_id, channel_id=channel_id, user_id=user_id, text=text)
        )
        self.responder.privately(
            client,
            team_id=team_id,
            response_url=command.get("response_url"),
            channel_id=channel_id,
            user_id=user_id,
            reply=reply,
        )
