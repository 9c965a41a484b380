"""Web API clients built from settings (retries with slack_sdk's own handlers), and the
`SlackClients` every service asks for the client of the workspace it is working for."""

from __future__ import annotations

from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

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


def make_client(token: str | None, api_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The general client, for calls that are safe to repeat (updates, ephemeral replies, reads)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=general_retry_handlers())


def make_webhook(response_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebhookClient:
    """A client for one interaction's response_url, with the same retries."""
    return WebhookClient(url=response_url, timeout=timeout, retry_handlers=general_retry_handlers())


def make_posting_client(token: str | None, api_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The client for claimed messages retries only 429s (Slack did not take the message).
    After a 5xx, a reset or a timeout Slack may have posted it, so the deliverer first looks
    for the message by its metadata instead of blindly posting again."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=8)],
    )


class SlackClients(Protocol):
    """The Web API clients for one workspace; None when the bot holds no token for it (not
    installed, or uninstalled), in which case nothing may be sent for that workspace."""

    def for_team(self, team_id: str) -> WebClient | None:
        """The general client (calls safe to repeat)."""
        ...

    def posting_for_team(self, team_id: str) -> WebClient | None:
        """The client for claimed messages (only 429s retried)."""
        ...


class StaticClients:
    """Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for every call."""

    def __init__(self, client: WebClient, posting_client: WebClient) -> None:
        self.client = client
        self.posting_client = posting_client

    @classmethod
    def from_token(cls, token: str, api_url: str) -> StaticClients:
        return cls(make_client(token, api_url), make_posting_client(token, api_url))

    def for_team(self, team_id: str) -> WebClient | None:
        return self.client

    def posting_for_team(self, team_id: str) -> WebClient | None:
        return self.posting_client
