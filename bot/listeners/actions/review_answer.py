"""Reviews in private: a click on a review's button (graded, then the next review in the same
message), and "Start review" on App Home or in the reminder DM."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from bot.listeners.respond import guarded
from bot.services.replies import PrivateReplies
from bot.services.reviews import Reviews


class ReviewAnswer:
    def __init__(self, *, reviews: Reviews, replies: PrivateReplies) -> None:
        self.reviews = reviews
        self.replies = replies

    def handle(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user_id, team_id = context.user_id, context.team_id
        value = str(action.get("value") or "")
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.reviews.answer(team_id=team_id, user_id=user_id, value=value))
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=reply,
            response_url=body.get("response_url"),
            channel_id=context.channel_id,
            replace_original=True,
        )

    def start(self, ack: Ack, body: dict, context: BoltContext) -> None:
        """The first due review: under the reminder DM (its response_url), or, from App Home
        (which has none), as a message in the person's DM with the app."""
        ack()
        user_id, team_id = context.user_id, context.team_id
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.reviews.next_review(team_id=team_id, user_id=user_id))
        self.replies.send(
            team_id=team_id, user_id=user_id, reply=reply, response_url=body.get("response_url")
        )
