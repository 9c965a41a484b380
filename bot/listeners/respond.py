"""Sending private replies through the outbox (off the listener thread, with retries), and
turning a database outage into a polite answer."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot import metrics
from bot.blocks.reply import UNAVAILABLE, Reply
from bot.services.outbox import Outbox
from bot.slack.clients import SlackClients, make_webhook
from db.engine import is_unavailable

logger = logging.getLogger(__name__)


def guarded(work: Callable[[], Reply]) -> Reply:
    """Run `work`; a database outage becomes "temporarily unavailable" instead of a crash."""
    try:
        return work()
    except Exception as error:
        if is_unavailable(error):
            logger.warning("database unavailable: %s", type(error).__name__)
            metrics.DATABASE_ERRORS.inc()
            return UNAVAILABLE
        raise


def _raise_unless_ok(response: object) -> None:
    status = getattr(response, "status_code", 200)
    if status >= 400:
        raise RuntimeError(f"response_url answered {status}")


class Responder:
    """Private replies to one person, sent after the ack."""

    def __init__(self, outbox: Outbox, clients: SlackClients) -> None:
        self.outbox = outbox
        self.clients = clients

    def _client(self, given: WebClient, team_id: str) -> WebClient:
        """The workspace's own (instrumented, retrying) client, resolved at send time; Bolt's
        per-request client when there is none."""
        return self.clients.for_team(team_id) or given

    def privately(
        self,
        client: WebClient,
        *,
        team_id: str,
        response_url: str | None,
        channel_id: str | None,
        user_id: str,
        reply: Reply,
        replace_original: bool = False,
    ) -> None:
        """Answer through the response_url when Slack gave one (works in DMs and in channels
        the bot is not in), else with chat.postEphemeral."""
        if response_url:
            webhook = make_webhook(response_url)

            def send() -> None:
                _raise_unless_ok(
                    webhook.send(
                        response_type="ephemeral", replace_original=replace_original, **reply.payload()
                    )
                )

            self.outbox.submit(send, f"reply to {user_id}", team_id=team_id)
        elif channel_id:
            self.ephemeral(client, team_id=team_id, channel_id=channel_id, user_id=user_id, reply=reply)

    def ephemeral(
        self,
        client: WebClient,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        reply: Reply,
        after: Callable[[], None] | None = None,
    ) -> None:
        """chat.postEphemeral; `after` runs once Slack accepted it."""

        def send() -> None:
            self._client(client, team_id).chat_postEphemeral(
                channel=channel_id, user=user_id, **reply.payload()
            )
            if after is not None:
                after()

        self.outbox.submit(
            send,
            f"private reply to {user_id} in {channel_id}",
            team_id=team_id,
        )

    def direct_message(self, client: WebClient, *, team_id: str, user_id: str, reply: Reply) -> None:
        """A message in the person's DM with the app (posting to a user id opens it)."""
        self.outbox.submit(
            lambda: self._client(client, team_id).chat_postMessage(channel=user_id, **reply.payload()),
            f"DM to {user_id}",
            team_id=team_id,
        )

    def publish_home(self, client: WebClient, *, team_id: str, user_id: str, view: dict) -> None:
        self.outbox.submit(
            lambda: self._client(client, team_id).views_publish(user_id=user_id, view=view),
            f"App Home of {user_id}",
            team_id=team_id,
        )
