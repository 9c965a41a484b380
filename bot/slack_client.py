"""Web API clients built from settings: retries with slack_sdk's own handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

CLIENT_TIMEOUT_S = 10
# Slack channel errors that retrying cannot fix: flag the schedule and skip the channel.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "team_access_not_granted"}
)


def make_client(settings: Settings, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The general client: 429s wait out Retry-After; 5xx and connection errors retry with
    backoff. Safe for idempotent calls (updates, ephemeral replies, reads)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )


def make_posting_client(settings: Settings, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The client for daily posts retries only 429s (Slack did not take the message). After a
    5xx, a reset or a timeout Slack may have posted it, so the poster first looks for the
    message by its metadata instead of blindly posting again."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=8)],
    )
