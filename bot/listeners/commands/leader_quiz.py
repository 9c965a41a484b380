"""`/leader-quiz …`: ack at once, then answer privately through the response_url."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.replies import guarded, respond_privately
from bot.services.commands import CommandRunner


def handle_leader_quiz(
    ack: Ack, command: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    ack()
    runner: CommandRunner = context["commands"]
    team_id = command.get("team_id") or context.team_id or ""
    channel_id = command.get("channel_id") or ""
    user_id = command.get("user_id") or ""
    reply = guarded(
        lambda: runner.run(
            team_id=team_id, channel_id=channel_id, user_id=user_id, text=command.get("text") or ""
        )
    )
    respond_privately(respond, client, channel_id=channel_id, user_id=user_id, reply=reply)
