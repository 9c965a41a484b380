"""A click on a practice question: grade it privately; never touches streaks."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.listeners.respond import guarded
from bot.services.practice import Practice
from bot.services.replies import PrivateReplies


class PracticeAnswer:
    def __init__(self, *, practice: Practice, replies: PrivateReplies) -> None:
        self.practice = practice
        self.replies = replies

    def handle(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user_id, team_id = context.user_id, context.team_id
        value = str(action.get("value") or "")
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.practice.answer(team_id=team_id, user_id=user_id, value=value))
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=reply,
            response_url=body.get("response_url"),
            channel_id=context.channel_id,
            replace_original=True,
        )
