"""A click on a daily question's button: grade and store it, then acknowledge, reply privately
(the answer row owes the reply until Slack took it: services/replies.py), refresh the count.

An acknowledged click is a stored answer even if the process dies right after: over HTTP the
response leaves only when this returns (process_before_response, bot/app.py); in Socket Mode
ack() sends at once, so it comes after the store here."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import metrics
from bot.blocks.reply import NOT_AVAILABLE
from bot.listeners.respond import Responder, guarded
from bot.services.answering import Answering, DailyResult
from bot.services.counts import CountRefresher
from bot.services.replies import OwedReplies


class DailyAnswer:
    def __init__(
        self, *, answering: Answering, counts: CountRefresher, responder: Responder, replies: OwedReplies
    ) -> None:
        self.answering = answering
        self.counts = counts
        self.responder = responder
        self.replies = replies

    def handle(self, ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        try:
            self._handle(ack, body, context, client, logger)
        finally:
            ack()  # after the answer is stored; a second call is a no-op

    def _handle(self, ack: Ack, body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user_id = (body.get("user") or {}).get("id")
        team_id = (body.get("team") or {}).get("id") or context.team_id
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not (channel_id and user_id and team_id):
            return
        outcome: list[DailyResult] = []

        def grade():
            result = self.answering.answer_daily(
                team_id=team_id, channel_id=channel_id, user_id=user_id, value=value
            )
            outcome.append(result)
            return result.reply

        reply = guarded(grade) if value else NOT_AVAILABLE
        ack()
        metrics.CLICKS.labels(
            outcome=outcome[0].outcome if outcome else ("unavailable" if value else "not_available")
        ).inc()
        recorded = outcome[0].recorded_post_id if outcome else None
        self.responder.ephemeral(
            client,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            reply=reply,
            after=(lambda: self.replies.sent(recorded, user_id)) if recorded is not None else None,
        )
        if recorded is not None:
            try:
                self.counts.answered(recorded)
            except Exception:  # the count catches up on the next answer or at close
                logger.warning("answer count refresh failed", exc_info=True)
