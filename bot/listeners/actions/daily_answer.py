"""A click on a daily question's button: ack at once, grade, reply privately, refresh the count."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import guarded, send_ephemeral
from bot.runtime import Runtime
from bot.services.answering import DailyResult
from bot.services.replies import NOT_AVAILABLE


def handle_daily_answer(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    ack()
    runtime: Runtime = context["runtime"]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    user_id = (body.get("user") or {}).get("id")
    team_id = (body.get("team") or {}).get("id") or context.team_id
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    if not (channel_id and user_id and team_id):
        return
    outcome: list[DailyResult] = []

    def grade():
        result = runtime.answering.answer_daily(
            team_id=team_id, channel_id=channel_id, user_id=user_id, value=value
        )
        outcome.append(result)
        return result.reply

    reply = guarded(grade) if value else NOT_AVAILABLE
    send_ephemeral(runtime, client, channel_id=channel_id, user_id=user_id, reply=reply)
    if outcome and outcome[0].recorded_post_id is not None:
        try:
            runtime.refresher.answered(outcome[0].recorded_post_id)
        except Exception:  # the count catches up on the next answer or at close
            logger.warning("answer count refresh failed", exc_info=True)
