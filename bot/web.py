"""The WSGI front: `/slack/events` (size capped, parsed once into Bolt's request, then handed to
Bolt, which checks its shape (bot/slack/requests.py) and verifies its signature),
`GET /healthz`, and `/admin` (the dashboard's own WSGI app, when sign-in is on). Only what
Bolt's adapters cannot do is here: they answer 500 on bodies they cannot parse; this gives 4xx."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import text

from bot.logging_setup import log_context
from bot.slack.requests import ARRIVED
from db.engine import Database
from db.queries.leases import Fence

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
INSTALL_PATH = "/slack/install"  # multi-workspace mode: the "Add to Slack" page
REDIRECT_PATH = "/slack/oauth_redirect"  # ... and where Slack sends the person back
ADMIN_PATH = "/admin"  # the dashboard (bot.admin), mounted when sign-in is on
FORMS = ("application/x-www-form-urlencoded", "application/json")  # what Slack posts
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
        self.signed = bool(signing_secret)  # without a secret (Socket Mode) HTTP events are refused
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
        arrived = time.perf_counter()
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if raw_length and (not raw_length.isdigit() or int(raw_length) > self.max_body):
            return self._json(start_response, 413, {"error": f"body over {self.max_body} bytes"})
        stream = environ["wsgi.input"]
        raw = stream.read(int(raw_length)) if raw_length else stream.read(self.max_body + 1)
        if len(raw) > self.max_body:
            return self._json(start_response, 413, {"error": f"body over {self.max_body} bytes"})
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp", "")
        # Bolt's verifier reads the timestamp as a number and would fail (a 500) on anything else.
        if not self.signed or not timestamp.isdigit() or len(timestamp) > 12:
            return self._json(start_response, 401, {"error": "invalid signature"})
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8 only
            return self._json(start_response, 400, {"error": "malformed request: body is not UTF-8"})
        if not headers["content-type"].startswith(FORMS):
            return self._json(start_response, 400, {"error": "malformed request: unsupported content type"})
        try:
            # Bolt parses the body here, once; its dispatch then checks and verifies it.
            request = BoltRequest(
                body=body, query=environ.get("QUERY_STRING", ""), headers=headers, context={ARRIVED: arrived}
            )
        except (ValueError, TypeError, AttributeError, KeyError) as error:  # not JSON, not an object
            return self._json(start_response, 400, {"error": f"malformed request: {type(error).__name__}"})
        return self._bolt_response(start_response, self.bolt.dispatch(request))

    @staticmethod
    def _bolt_response(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
        payload = (response.body or "").encode("utf-8")
        response_headers = [(k, v) for k, values in response.headers.items() for v in values]
        if not any(k.lower() == "content-length" for k, _ in response_headers):
            response_headers.append(("Content-Length", str(len(payload))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", response_headers)
        return [payload]

    @staticmethod
    def _json(start_response: StartResponse, status: int, body: dict) -> Iterable[bytes]:
        payload = json.dumps(body).encode()
        start_response(
            f"{status} {_REASONS.get(status, 'Status')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]
