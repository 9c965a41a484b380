"""Web API clients built from settings: retries with slack_sdk's own handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.config import Settings

CLIENT_TIMEOUT_S = 10
# Slack channel errors that retrying cannot fix: flag the schedule and skip the channel.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "team_access_not_granted"}
)


def general_retry_handlers() -> list[RetryHandler]:
    """429s wait out Retry-After; 5xx and connection errors back off 0.5, 1, 2 ... 16 s
    (about half a minute in all) before the call gives up."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        RateLimitErrorRetryHandler(max_retry_count=6),
        ServerErrorRetryHandler(max_retry_count=6, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=6, interval_calculator=backoff),
    ]


def make_client(settings: Settings, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The general client, for calls that are safe to repeat (updates, ephemeral replies, reads)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=general_retry_handlers(),
    )


def make_webhook(response_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebhookClient:
    """A client for one interaction's response_url, with the same retries."""
    return WebhookClient(url=response_url, timeout=timeout, retry_handlers=general_retry_handlers())


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
