"""What every Slack request must look like before Bolt's middleware and our listeners see it, and
the ack-latency metric from a request's arrival to its ack: both in Bolt's dispatch, so HTTP and
Socket Mode alike."""

from __future__ import annotations

import re
import time

from slack_bolt import App, BoltRequest, BoltResponse

from bot import metrics

ARRIVED = "arrived_at"  # context key: when the HTTP front read the request (perf_counter)

# Slack ids (users U/W, channels C/G/D, teams T, enterprises E): upper-case letters and digits.
SLACK_ID = re.compile(r"^[A-Z0-9]{1,32}$")
# Events API bodies (JSON over HTTP); every other typed body is an interaction payload.
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


class MalformedRequest(ValueError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise MalformedRequest(message)


def _require_id(value: object, what: str, *, optional: bool = False) -> None:
    if optional and value in (None, ""):
        return
    _require(isinstance(value, str) and bool(SLACK_ID.match(value)), f"{what} is not a Slack id")


def validate_slack_body(body: object) -> str:
    """Refuse what Bolt's listeners cannot handle cleanly: payloads without the fields every
    Slack request carries, ids that are not Slack ids. `body` is Bolt's parse of the request
    (a payload's JSON, a command's form, an event's JSON). The request's kind, for the metric."""
    _require(isinstance(body, dict) and bool(body), "not a Slack request shape")
    assert isinstance(body, dict)
    if "ssl_check" in body:
        return "ssl_check"
    if "command" in body:
        _require(bool(body.get("command")), "slash command without command")
        _require_id(body.get("user_id", ""), "slash command user_id")
        _require_id(body.get("team_id", ""), "slash command team_id")
        _require_id(body.get("channel_id", ""), "slash command channel_id", optional=True)
        return "command"
    kind = body.get("type")
    _require(isinstance(kind, str), "body without a type")
    if kind in EVENT_TYPES:
        if kind == "event_callback":
            event = body.get("event")
            _require(isinstance(event, dict), "event_callback without an event")
            assert isinstance(event, dict)
            _require(isinstance(event.get("type"), str), "event without a type")
            _require_id(body.get("team_id"), "event team_id", optional=True)
            _require_id(event.get("user"), "event user", optional=True)
        return "event"
    for key in ("user", "team", "channel", "container", "enterprise", "message", "view", "state"):
        value = body.get(key)
        _require(value is None or isinstance(value, dict), f"payload {key} is not an object")
    _require_id((body.get("user") or {}).get("id"), "payload user id")
    _require_id((body.get("team") or {}).get("id"), "payload team id", optional=True)
    _require_id((body.get("channel") or {}).get("id"), "payload channel id", optional=True)
    if kind == "block_actions":
        actions = body.get("actions")
        _require(isinstance(actions, list) and len(actions) > 0, "block_actions without actions")
        assert isinstance(actions, list)
        _require(all(isinstance(a, dict) for a in actions), "an action is not an object")
        _require(all(isinstance(a.get("action_id"), str) for a in actions), "an action has no action_id")
        return "action"
    return kind


class CheckedApp(App):
    """Bolt's App, checking each request's shape before Bolt's own middleware reads it, and timing
    it from arrival to ack (leader_quiz_ack_seconds), over HTTP and Socket Mode alike.

    At dispatch, not in an `app.use` middleware: Bolt's built-in middleware (authorization,
    ignoring the bot's own events) runs first and fails on some malformed bodies (a 500), and
    Bolt's next() only lets the chain go on, so a middleware returns before the listener acks.
    The check reads Bolt's parse of the body; Bolt's verification of the signature follows."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = req.context.get(ARRIVED) or time.perf_counter()
        try:
            kind = validate_slack_body(req.body)
        except MalformedRequest as error:
            return BoltResponse(status=400, body={"error": f"malformed request: {error}"})
        response = super().dispatch(req)
        if response.status != 401:  # an unsigned request is not Slack's: not in the metric
            metrics.ACK_SECONDS.labels(kind=kind).observe(time.perf_counter() - started)
        return response
