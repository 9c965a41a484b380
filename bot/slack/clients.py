"""Web API clients built from settings (retries with slack_sdk's own handlers), and the
`SlackClients` every service asks for the client of the workspace it is working for."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot import metrics

CLIENT_TIMEOUT_S = 10
# Slack channel errors that retrying cannot fix: flag the schedule and skip the channel.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "team_access_not_granted"}
)


class _Counted:
    """Counts each retry slack_sdk's handler decides on (the `reason` label of the metric)."""

    reason = ""

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        metrics.SLACK_RETRIES.labels(reason=self.reason).inc()
        super().prepare_for_next_attempt(**kwargs)  # type: ignore[misc]


class _RateLimited(_Counted, RateLimitErrorRetryHandler):
    reason = "429"


class _ServerError(_Counted, ServerErrorRetryHandler):
    reason = "5xx"


class _ConnectionError(_Counted, ConnectionErrorRetryHandler):
    reason = "connection"


class InstrumentedWebClient(WebClient):
    """slack_sdk's client, counting every call by method and result for /metrics."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            metrics.SLACK_CALLS.labels(
                method=api_method, result=metrics.slack_result(error.response.status_code)
            ).inc()
            raise
        except Exception:
            metrics.SLACK_CALLS.labels(method=api_method, result="error").inc()
            raise
        metrics.SLACK_CALLS.labels(method=api_method, result=metrics.slack_result(response.status_code)).inc()
        return response


def general_retry_handlers() -> list[RetryHandler]:
    """429s wait out Retry-After; 5xx and connection errors back off 0.5, 1, 2 ... 16 s
    (about half a minute in all) before the call gives up."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        _RateLimited(max_retry_count=6),
        _ServerError(max_retry_count=6, interval_calculator=backoff),
        _ConnectionError(max_retry_count=6, interval_calculator=backoff),
    ]


def make_client(token: str | None, api_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The general client, for calls that are safe to repeat (updates, ephemeral replies, reads)."""
    return InstrumentedWebClient(
        token=token, base_url=api_url, timeout=timeout, retry_handlers=general_retry_handlers()
    )


def make_webhook(response_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebhookClient:
    """A client for one interaction's response_url, with the same retries."""
    return WebhookClient(url=response_url, timeout=timeout, retry_handlers=general_retry_handlers())


def make_posting_client(token: str | None, api_url: str, *, timeout: int = CLIENT_TIMEOUT_S) -> WebClient:
    """The client for claimed messages retries only 429s (Slack did not take the message).
    After a 5xx, a reset or a timeout Slack may have posted it, so the deliverer first looks
    for the message by its metadata instead of blindly posting again."""
    return InstrumentedWebClient(
        token=token,
        base_url=api_url,
        timeout=timeout,
        retry_handlers=[_RateLimited(max_retry_count=8)],
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
