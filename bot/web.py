"""The WSGI front: `/slack/events` (signature checked, size capped, shape validated, then
handed to Bolt), `GET /healthz`, and `/admin` (the dashboard's own WSGI app, when sign-in is
on). Bolt's own adapters answer 500 on some malformed bodies; here those get a 4xx before Bolt
sees them."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot import metrics
from bot.logging_setup import log_context
from db.engine import Database
from db.queries.leases import Fence

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
INSTALL_PATH = "/slack/install"  # multi-workspace mode: the "Add to Slack" page
REDIRECT_PATH = "/slack/oauth_redirect"  # ... and where Slack sends the person back
ADMIN_PATH = "/admin"  # the dashboard (bot.admin), mounted when sign-in is on
HEALTH_CACHE_S = 1.0

StartResponse = Callable[[str, list[tuple[str, str]]], object]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class MalformedRequest(ValueError):
    pass


# Slack ids (users U/W, channels C/G/D, teams T, enterprises E): upper-case letters and digits.
SLACK_ID = re.compile(r"^[A-Z0-9]{1,32}$")


def _require_id(value: object, what: str, *, optional: bool = False) -> None:
    if optional and value in (None, ""):
        return
    _require(isinstance(value, str) and bool(SLACK_ID.match(value)), f"{what} is not a Slack id")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise MalformedRequest(message)


def validate_slack_body(body: str, content_type: str) -> str:
    """Refuse bodies Bolt cannot handle cleanly: not a form or JSON, non-JSON `payload`,
    payloads without the fields every Slack request carries. The request's kind (event,
    command, action, view_submission, ...) for the ack-latency metric."""
    _require(bool(body.strip()), "empty body")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise MalformedRequest("body is not JSON") from None
        _require(isinstance(data, dict) and isinstance(data.get("type"), str), "JSON body without a type")
        if data["type"] == "event_callback":
            _require(isinstance(data.get("event"), dict), "event_callback without an event")
            _require(isinstance(data["event"].get("type"), str), "event without a type")
            _require_id(data.get("team_id"), "event team_id", optional=True)
            _require_id(data["event"].get("user"), "event user", optional=True)
        return "event"
    _require(content_type.startswith("application/x-www-form-urlencoded"), "unsupported content type")
    form = parse_qs(body, keep_blank_values=True)
    if "ssl_check" in form:
        return "ssl_check"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            raise MalformedRequest("payload is not JSON") from None
        _require(isinstance(payload, dict) and isinstance(payload.get("type"), str), "payload without a type")
        for key in ("user", "team", "channel", "container", "enterprise", "message", "view", "state"):
            value = payload.get(key)
            _require(value is None or isinstance(value, dict), f"payload {key} is not an object")
        _require_id((payload.get("user") or {}).get("id"), "payload user id")
        _require_id((payload.get("team") or {}).get("id"), "payload team id", optional=True)
        _require_id((payload.get("channel") or {}).get("id"), "payload channel id", optional=True)
        if payload["type"] == "block_actions":
            actions = payload.get("actions")
            _require(isinstance(actions, list) and len(actions) > 0, "block_actions without actions")
            _require(all(isinstance(a, dict) for a in actions), "an action is not an object")
            _require(all(isinstance(a.get("action_id"), str) for a in actions), "an action has no action_id")
        return "action" if payload["type"] == "block_actions" else str(payload["type"])
    if "command" in form:
        _require(bool(form.get("command", [""])[0]), "slash command without command")
        _require_id(form.get("user_id", [""])[0], "slash command user_id")
        _require_id(form.get("team_id", [""])[0], "slash command team_id")
        _require_id(form.get("channel_id", [""])[0], "slash command channel_id", optional=True)
        return "command"
    raise MalformedRequest("not a Slack request shape")


def _headers(environ: dict) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    return headers


class Health:
    """`GET /healthz`: database reachability (cached for a second, so a probe storm costs one
    query a second) and this replica's leadership."""

    def __init__(
        self, *, db: Database, fence: Callable[[], Fence | None], replica_id: str, mode: str
    ) -> None:
        self.db = db
        self.fence = fence
        self.replica_id = replica_id
        self.mode = mode
        self._lock = threading.Lock()
        self._checked: tuple[float, bool] = (0.0, True)

    def database_ok(self) -> bool:
        now = time.monotonic()
        with self._lock:
            checked_at, ok = self._checked
            if now - checked_at < HEALTH_CACHE_S:
                return ok
        try:
            with self.db.reading() as session:
                session.execute(text("SELECT 1"))
            ok = True
        except Exception:
            ok = False
        with self._lock:
            self._checked = (now, ok)
        return ok

    def report(self) -> dict:
        ok = self.database_ok()
        fence = self.fence()
        return {
            "status": "ok" if ok else "degraded",
            "database": "ok" if ok else "unavailable",
            "leader": fence is not None,
            "token": fence.token if fence else None,
            "replica": self.replica_id,
            "mode": self.mode,
        }


class SlackWebApp:
    """A WSGI application serving one Bolt app: a translator plus the checks Bolt lacks."""

    def __init__(
        self,
        *,
        bolt: App,
        signing_secret: str,
        max_body_bytes: int,
        health: Health,
        admin: WSGIApp | None = None,
    ) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.max_body = max_body_bytes
        self.health = health
        self.admin = admin

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        # Every log line of the request carries its id (team, channel, user: bot.app's middleware).
        with log_context(request_id=uuid.uuid4().hex[:16]):
            return self._route(environ, start_response)

    def _route(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path == HEALTH_PATH:
                if method not in ("GET", "HEAD"):
                    return self._json(start_response, 405, {"error": "use GET"})
                return self._json(start_response, 200, self.health.report())
            if path == EVENTS_PATH:
                if method != "POST":
                    return self._json(start_response, 405, {"error": "use POST"})
                return self._slack(environ, start_response)
            if path == ADMIN_PATH or path.startswith(ADMIN_PATH + "/"):
                if self.admin is None:
                    return self._json(
                        start_response,
                        404,
                        {
                            "error": "the dashboard is off: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and ADMIN_SESSION_KEY"
                        },
                    )
                return self.admin(environ, start_response)
            flow = self.bolt.oauth_flow
            if flow is not None and path in (INSTALL_PATH, REDIRECT_PATH):
                if method not in ("GET", "HEAD"):
                    return self._json(start_response, 405, {"error": "use GET"})
                # A browser's visit, not a Slack request: nothing to verify but the OAuth state,
                # which Bolt checks against the cookie and the shared state store.
                request = BoltRequest(
                    body="", query=environ.get("QUERY_STRING", ""), headers=_headers(environ), mode="http"
                )
                handle = flow.handle_installation if path == INSTALL_PATH else flow.handle_callback
                return self._bolt_response(start_response, handle(request))
            return self._json(start_response, 404, {"error": "not found"})
        except Exception:
            logger.exception("unhandled error serving %s %s", method, path)
            return self._json(start_response, 500, {"error": "internal error"})

    def _slack(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if raw_length and (not raw_length.isdigit() or int(raw_length) > self.max_body):
            return self._json(start_response, 413, {"error": f"body over {self.max_body} bytes"})
        stream = environ["wsgi.input"]
        raw = stream.read(int(raw_length)) if raw_length else stream.read(self.max_body + 1)
        if len(raw) > self.max_body:
            return self._json(start_response, 413, {"error": f"body over {self.max_body} bytes"})
        headers = _headers(environ)
        content_type = headers["content-type"]
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8 only
            return self._json(start_response, 400, {"error": "malformed request: body is not UTF-8"})
        if not self._signed(body, headers):
            return self._json(start_response, 401, {"error": "invalid signature"})
        try:
            kind = validate_slack_body(body, content_type)
        except MalformedRequest as error:
            return self._json(start_response, 400, {"error": f"malformed request: {error}"})
        query = environ.get("QUERY_STRING", "")
        response = self.bolt.dispatch(BoltRequest(body=body, query=query, headers=headers))
        metrics.ACK_SECONDS.labels(kind=kind).observe(time.perf_counter() - started)
        return self._bolt_response(start_response, response)

    @staticmethod
    def _bolt_response(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
        payload = (response.body or "").encode("utf-8")
        response_headers = [(k, v) for k, values in response.headers.items() for v in values]
        if not any(k.lower() == "content-length" for k, _ in response_headers):
            response_headers.append(("Content-Length", str(len(payload))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", response_headers)
        return [payload]

    def _signed(self, body: str, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the raw body, at most 5 minutes old."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if self.verifier is None or not timestamp.isdigit() or len(timestamp) > 12 or not signature:
            return False
        return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)

    @staticmethod
    def _json(start_response: StartResponse, status: int, body: dict) -> Iterable[bytes]:
        payload = json.dumps(body).encode()
        start_response(
            f"{status} {_REASONS.get(status, 'Status')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]
