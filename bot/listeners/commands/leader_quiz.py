"""`/leader-quiz …`: ack at once, then (lazily, off the request) answer privately through the
response_url."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import guarded, reply_privately
from bot.runtime import Runtime
from bot.services.commands import CommandRunner


def ack_leader_quiz(ack: Ack) -> None:
    ack()


def handle_leader_quiz(command: dict, context: BoltContext, client: WebClient) -> None:
    runtime: Runtime = context["runtime"]
    runner: CommandRunner = context["commands"]
    team_id = command.get("team_id") or context.team_id or ""
    channel_id = command.get("channel_id") or ""
    user_id = command.get("user_id") or ""
    text = command.get("text") or ""
    reply = guarded(lambda: runner.run(team_id=team_id, channel_id=channel_id, user_id=user_id, text=text))
    reply_privately(
        runtime,
        client,
        response_url=command.get("response_url"),
        channel_id=channel_id,
        user_id=user_id,
        reply=reply,
    )
