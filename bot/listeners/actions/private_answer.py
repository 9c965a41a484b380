"""Questions for one person: a click on a practice or review question's button (graded, the
verdict replacing the message; a review's shows the next review too; never touches streaks),
and "Start review" on App Home or in the reminder DM."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, BoltContext

from bot.blocks.reply import Reply
from bot.listeners.respond import guarded
from bot.services.private_replies import PrivateReplies
from bot.services.reviews import Reviews


class PrivateAnswer:
    """A practice or a review click: `grade` is `Practice.answer` or `Reviews.answer`."""

    def __init__(self, *, grade: Callable[..., Reply], replies: PrivateReplies) -> None:
        self.grade = grade
        self.replies = replies

    def handle(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user_id, team_id = context.user_id, context.team_id
        value = str(action.get("value") or "")
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.grade(team_id=team_id, user_id=user_id, value=value))
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=reply,
            response_url=body.get("response_url"),
            channel_id=context.channel_id,
            replace_original=True,
        )


class StartReview:
    def __init__(self, *, reviews: Reviews, replies: PrivateReplies) -> None:
        self.reviews = reviews
        self.replies = replies

    def handle(self, ack: Ack, body: dict, context: BoltContext) -> None:
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
