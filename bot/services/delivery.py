"""Posting a claimed message to a channel at most once: the shared core of daily questions
and season recaps.

A claimed row is written before Slack is called and the message carries metadata naming it.
Only 429s are retried blindly (Slack did not take the message); after a 5xx, a reset or a
timeout Slack may have posted it, so before trying again we look for the message by its
metadata in `conversations.history`, and never post while that lookup cannot answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_client import CHANNEL_ERRORS

logger = logging.getLogger(__name__)

POST_ATTEMPTS = 4
HISTORY_PAGES = 10


class LookupFailed(Exception):
    """conversations.history failed, so we cannot tell whether the message is there."""


@dataclass(frozen=True)
class Claimed:
    """What identifies one claimed message: its metadata event type, and the payload key and
    value naming the claimed row."""

    channel_id: str
    event_type: str
    key: str
    value: int
    claimed_at: dt.datetime
    extra: dict | None = None

    @property
    def metadata(self) -> dict:
        return {"event_type": self.event_type, "event_payload": {self.key: self.value, **(self.extra or {})}}


class Result(Enum):
    POSTED = "posted"
    REFUSED = "refused"  # the channel refuses the bot: flag it
    TAKEN_OVER = "taken_over"  # another replica took the claim over: stop
    FAILED = "failed"  # Slack unreachable: the claim stays for a later retry


@dataclass(frozen=True)
class Delivered:
    result: Result
    ts: str | None = None
    error: str | None = None


def find_by_metadata(client: WebClient, claimed: Claimed, *, look_back: dt.timedelta) -> str | None:
    """The ts of a message Slack already accepted for `claimed`, paging back to a little
    before the claim; raises LookupFailed if Slack cannot say."""
    oldest = (claimed.claimed_at - look_back).timestamp()
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        try:
            response = client.conversations_history(
                channel=claimed.channel_id,
                oldest=f"{oldest:.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
        except (SlackApiError, urllib.error.URLError, OSError) as error:
            logger.warning("conversations.history for %s failed: %s", claimed.channel_id, error)
            raise LookupFailed from error
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == claimed.event_type and str(payload.get(claimed.key)) == str(
                claimed.value
            ):
                return message.get("ts")
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
    raise LookupFailed("too many messages to search")


def deliver_once(
    *,
    client: WebClient,
    posting_client: WebClient,
    claimed: Claimed,
    text: str,
    blocks: list,
    still_ours: Callable[[], bool],
    look_first: bool,
    look_back: dt.timedelta,
    sleep: Callable[[float], None],
) -> Delivered:
    """Post the claimed message unless Slack already has it; see the module docstring."""
    for attempt in range(POST_ATTEMPTS):
        if attempt > 0:
            sleep(min(2.0**attempt, 10.0))
            if not still_ours():
                logger.warning("%s %s was taken over by another replica", claimed.key, claimed.value)
                return Delivered(Result.TAKEN_OVER)
        if look_first or attempt > 0:
            try:
                found = find_by_metadata(client, claimed, look_back=look_back)
            except LookupFailed:
                continue  # never post blind when the message may already be there
            if found:
                return Delivered(Result.POSTED, ts=found)
        try:
            response = posting_client.chat_postMessage(
                channel=claimed.channel_id,
                text=text,
                blocks=blocks,
                metadata=claimed.metadata,
                unfurl_links=False,
            )
            return Delivered(Result.POSTED, ts=response["ts"])
        except SlackApiError as error:
            code = error.response.get("error") or f"http_{error.response.status_code}"
            if code in CHANNEL_ERRORS:
                return Delivered(Result.REFUSED, error=code)
            logger.warning(
                "chat.postMessage to %s failed (%s), attempt %d", claimed.channel_id, code, attempt + 1
            )
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            logger.warning(
                "chat.postMessage to %s failed (%s), attempt %d", claimed.channel_id, error, attempt + 1
            )
    return Delivered(Result.FAILED, error="Slack unreachable")
