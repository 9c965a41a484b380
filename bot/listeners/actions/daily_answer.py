"""A click on a daily question's button: grade and store it, then acknowledge; the verdict
goes to the click's own response_url through the outbox (the answer row owes it until Slack
took it: services/replies.py), and the message's count is refreshed.

An acknowledged click is a stored answer even if the process dies right after: over HTTP the
response leaves only when this returns (process_before_response, bot/app.py); in Socket Mode
ack() sends at once, so it comes after the store here."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext

from bot import metrics
from bot.blocks.reply import NOT_AVAILABLE
from bot.listeners.respond import guarded
from bot.services.answer_counts import AnswerCounts
from bot.services.answering import Answering, DailyResult
from bot.services.private_replies import PrivateReplies


class DailyAnswer:
    def __init__(self, *, answering: Answering, counts: AnswerCounts, replies: PrivateReplies) -> None:
        self.answering = answering
        self.counts = counts
        self.replies = replies

    def handle(self, ack: Ack, body: dict, action: dict, context: BoltContext, logger: Logger) -> None:
        try:
            self._handle(ack, body, action, context, logger)
        finally:
            ack()  # after the answer is stored; a second call is a no-op

    def _handle(self, ack: Ack, body: dict, action: dict, context: BoltContext, logger: Logger) -> None:
        channel_id, user_id, team_id = context.channel_id, context.user_id, context.team_id
        value = str(action.get("value") or "")
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
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=reply,
            response_url=body.get("response_url"),
            channel_id=channel_id,
            answer=(recorded, user_id) if recorded is not None else None,
        )
        if recorded is not None:
            try:
                self.counts.answered(recorded, team_id=team_id)
            except Exception:  # the count catches up on the next answer or at close
                logger.warning("answer count refresh failed", exc_info=True)
