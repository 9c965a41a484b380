"""Sending private replies, and turning a database outage into a polite answer."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.services.replies import UNAVAILABLE, Reply
from db.engine import is_unavailable

logger = logging.getLogger(__name__)


def guarded(work: Callable[[], Reply]) -> Reply:
    """Run `work`; a database outage becomes "temporarily unavailable" instead of a crash."""
    try:
        return work()
    except Exception as error:
        if is_unavailable(error):
            logger.warning("database unavailable: %s", type(error).__name__)
            return UNAVAILABLE
        raise


def send_ephemeral(client: WebClient, *, channel_id: str, user_id: str, reply: Reply) -> None:
    client.chat_postEphemeral(channel=channel_id, user=user_id, **reply.payload())


def respond_privately(
    respond: Respond | None,
    client: WebClient,
    *,
    channel_id: str | None,
    user_id: str,
    reply: Reply,
    replace_original: bool = False,
) -> None:
    """Answer through the response_url when Slack gave one (works in DMs and channels the
    bot is not in), else with chat.postEphemeral."""
    if respond is not None and getattr(respond, "response_url", None):
        respond(response_type="ephemeral", replace_original=replace_original, **reply.payload())
    elif channel_id:
        send_ephemeral(client, channel_id=channel_id, user_id=user_id, reply=reply)
