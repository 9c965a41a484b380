"""Reviews in private: a click on a review's button (graded, then the next review in the same
message), and "Start review" on App Home or in the reminder DM."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.respond import Responder, guarded
from bot.services.reviews import Reviews


class ReviewAnswer:
    def __init__(self, *, reviews: Reviews, responder: Responder) -> None:
        self.reviews = reviews
        self.responder = responder

    def handle(self, ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        user_id = (body.get("user") or {}).get("id")
        team_id = (body.get("team") or {}).get("id") or context.team_id
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.reviews.answer(team_id=team_id, user_id=user_id, value=value))
        self.responder.privately(
            client,
            team_id=team_id,
            response_url=body.get("response_url"),
            channel_id=(body.get("channel") or {}).get("id"),
            user_id=user_id,
            reply=reply,
            replace_original=True,
        )

    def start(self, ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        """The first due review: under the reminder DM (its response_url), or, from App Home
        (which has none), as a message in the person's DM with the app."""
        ack()
        user_id = (body.get("user") or {}).get("id")
        team_id = (body.get("team") or {}).get("id") or context.team_id
        if not (user_id and team_id):
            return
        reply = guarded(lambda: self.reviews.next_review(team_id=team_id, user_id=user_id))
        if body.get("response_url"):
            self.responder.privately(
                client,
                team_id=team_id,
                response_url=body["response_url"],
                channel_id=None,
                user_id=user_id,
                reply=reply,
            )
        else:
            self.responder.direct_message(client, team_id=team_id, user_id=user_id, reply=reply)
