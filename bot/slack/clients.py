"""Web API clients that pass the budget gate, and the `SlackClients` every part of the app asks
for the client of the workspace it is working for.

Every call leaves through `GatedClient.api_call`: it takes a grant for its (workspace, method)
(or uses the one the outbox took before handing the send to a worker), marks the request as
gated (the test fake refuses calls without the mark, so a call that skips the gate — through
Bolt's own per-request client, say — fails in the tests), counts the call for /metrics, and
turns a 429 into a pause of that budget for every replica. No slack_sdk retry handlers: the
outbox's retry policy is the only one, so retries never stack."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import metrics
from bot.slack.budget import BudgetGate
from bot.slack.keepalive import CONNECTIONS

CLIENT_TIMEOUT_S = 10
DIRECT_WAIT_S = 2.0  # how long a call outside the outbox (a modal, an admin check) waits for budget
GATE_HEADER = "X-Leader-Quiz-Budget"  # names the budget the call was granted from
# Slack channel errors that retrying cannot fix: flag the schedule and skip the channel.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "team_access_not_granted"}
)

_pregranted: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "slack_pregranted", default=None
)
_granted: contextvars.ContextVar[str | None] = contextvars.ContextVar("slack_granted", default=None)


@contextlib.contextmanager
def pregranted(team_id: str, method: str) -> Iterator[None]:
    """The outbox took this (workspace, method) grant before handing the send to a worker: the
    send's first call of that method uses it instead of asking the gate again."""
    token = _pregranted.set((team_id, method))
    try:
        yield
    finally:
        _pregranted.reset(token)


def retry_after_of(response: SlackResponse) -> float:
    """A 429's Retry-After, in seconds (Slack always sends one; 1 s if it is missing)."""
    headers = {key.lower(): value for key, value in (response.headers or {}).items()}
    raw = headers.get("retry-after")
    value = raw[0] if isinstance(raw, list) else raw
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 1.0


def _channel_of(kwargs: dict[str, Any]) -> str | None:
    for part in ("json", "params", "data"):
        body = kwargs.get(part)
        if isinstance(body, dict) and body.get("channel"):
            return str(body["channel"])
    return None


class GatedClient(WebClient):
    """slack_sdk's client for one workspace's budget; `budget_team` keys its budgets ("" in
    single-workspace mode, where every call is the one workspace's)."""

    def __init__(
        self,
        token: str | None,
        *,
        api_url: str,
        gate: BudgetGate,
        budget_team: str = "",
        wait: float = DIRECT_WAIT_S,
        timeout: int = CLIENT_TIMEOUT_S,
    ) -> None:
        super().__init__(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])
        self.connections = CONNECTIONS
        self.gate = gate
        self.budget_team = budget_team
        self.wait = wait

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        granted_for = _pregranted.get()
        if (
            granted_for is not None
            and granted_for[1] == api_method
            and self.gate.same_budget(granted_for[0], self.budget_team)
        ):
            _pregranted.set(None)  # the outbox's grant covers one call
        else:
            self.gate.acquire(self.budget_team, api_method, timeout=self.wait, channel=_channel_of(kwargs))
        granted = _granted.set(api_method)
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            status = error.response.status_code
            metrics.SLACK_CALLS.labels(method=api_method, result=metrics.slack_result(status)).inc()
            if status == 429:
                self.gate.throttled(self.budget_team, api_method, retry_after_of(error.response))
            raise
        except Exception:
            metrics.SLACK_CALLS.labels(method=api_method, result="error").inc()
            raise
        finally:
            _granted.reset(granted)
        metrics.SLACK_CALLS.labels(method=api_method, result=metrics.slack_result(response.status_code)).inc()
        return response

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        """The request over a kept-alive connection (bot.slack.keepalive) rather than urllib's
        one connection per call; through a proxy, slack_sdk's own way. Every status comes back
        as it came (slack_sdk reads 429s and errors from this dict, as from urllib's)."""
        if self.proxy:
            return super()._perform_urllib_http_request_internal(url, req)
        reply = self.connections.post(url, body=req.data or b"", headers=dict(req.header_items()))  # type: ignore[arg-type]
        headers = {name.lower(): value for name, value in reply.headers.items()}
        charset = "utf-8"
        if "charset=" in headers.get("content-type", ""):
            charset = headers["content-type"].split("charset=", 1)[1].split(";", 1)[0].strip() or charset
        return {"status": reply.status, "headers": headers, "body": reply.body.decode(charset)}

    def _urllib_api_call(self, *, additional_headers: dict[str, str], **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        # The mark goes on here, the last step before the request leaves: slack_sdk replaces a
        # call's headers for the OAuth exchange's Basic auth. A request sent outside a granted
        # `api_call` (a paginating iterator, say) carries no mark.
        method = _granted.get()
        if method is not None:
            additional_headers = {**additional_headers, GATE_HEADER: method}
        return super()._urllib_api_call(additional_headers=additional_headers, **kwargs)


class SlackClients(Protocol):
    """The Web API client for one workspace; None when the bot holds no token for it (not
    installed, or uninstalled), in which case nothing may be sent for that workspace."""

    def for_team(self, team_id: str) -> GatedClient | None: ...

    def app_client(self) -> GatedClient:
        """A client with no token, for the OAuth and OpenID exchanges."""
        ...


class StaticClients:
    """Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for every call, one budget."""

    def __init__(self, *, token: str, api_url: str, gate: BudgetGate) -> None:
        self.client = GatedClient(token, api_url=api_url, gate=gate)
        self._app = GatedClient(None, api_url=api_url, gate=gate)

    def for_team(self, team_id: str) -> GatedClient | None:
        return self.client

    def app_client(self) -> GatedClient:
        return self._app
