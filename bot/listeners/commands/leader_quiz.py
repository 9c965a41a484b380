"""`/leader-quiz …`: ack at once, then (lazily, off the request) answer privately through the
command's response_url, by way of the outbox."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.listeners.commands.router import CommandRouter
from bot.listeners.respond import guarded
from bot.services.private_replies import PrivateReplies


def ack_leader_quiz(ack: Ack) -> None:
    ack()


class LeaderQuiz:
    def __init__(self, *, router: CommandRouter, replies: PrivateReplies) -> None:
        self.router = router
        self.replies = replies

    def handle(self, command: dict, context: BoltContext) -> None:
        team_id = command.get("team_id") or context.team_id or ""
        channel_id = command.get("channel_id") or ""
        user_id = command.get("user_id") or ""
        text = command.get("text") or ""
        reply = guarded(
            lambda: self.router.run(
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                text=text,
                trigger_id=command.get("trigger_id") or "",
                enterprise_id=command.get("enterprise_id") or context.enterprise_id,
            )
        )
        if reply is None:  # a modal opened instead
            return
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=reply,
            response_url=command.get("response_url"),
            channel_id=channel_id,
        )
