"""A fake Slack Web API server for tests (standard library only), as strict as Slack.

Slack's published limits are enforced by default (SPEC §11): per (workspace, method) at most
the tier's calls in any rolling 60 s (Tier 2 20, Tier 3 50, Tier 4 100; chat.postMessage 300 a
workspace and 1 a second per channel), else 429 + Retry-After; a response_url takes 5 uses
within 30 minutes, then answers 404. A Web API call that did not pass the app's budget gate
(no `X-Leader-Quiz-Budget` header) is refused with `ungated_call` and remembered in
`ungated`. A test that needs more says so: `set_limit(method, per_minute)`, or
`FakeSlack(limits=False)`.

Point a ``slack_sdk.WebClient(base_url=fake.api_url, token="xoxb-...")`` at it. Every request is recorded
as a :class:`Call`; messages posted through ``chat.postMessage`` are kept per channel so that
``conversations.history`` / ``chat.update`` behave plausibly. Faults (HTTP errors, ``ok: false`` errors,
429 with ``Retry-After``, TCP resets, slow answers) and Slack's per-channel posting rate limit can be
injected.

Notes:
- slack_sdk sends "GET" methods (conversations.history, users.info, ...) as form-encoded POSTs; form values
  are strings ("1"/"0" for booleans), JSON-looking values (blocks, metadata, ...) are decoded.
- A request whose fault replaces the answer (HTTP error, ``error=``, reset) has no side effect. A request
  that is only delayed (``fail_next(..., status=200, delay=...)``) takes effect on arrival, like a Slack
  call whose answer is lost to a client timeout.
- slack_sdk reads HTTP(S)_PROXY from the environment and ignores NO_PROXY: unset those in tests.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from tests.support.slack_views import ack_problems, block_action, submission, view_problems

__all__ = ["Call", "FakeSlack"]

BOT_ID = "B0001"
# The bot scopes manifest.yaml asks for: what a token of an app created from it is granted.
APP_SCOPES = (
    "chat:write",
    "commands",
    "users:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "usergroups:read",
    "im:write",
    "im:history",
)


# Slack's published floors, per app per workspace per minute — written out here, apart from
# the app's own table (bot/slack/limits.py), so a mistake there shows up as a 429 here.
TIER_FLOORS = {
    "auth.test": 100,
    "chat.delete": 50,
    "chat.postEphemeral": 100,
    "chat.postMessage": 300,
    "chat.update": 50,
    "conversations.history": 50,
    "conversations.info": 50,
    "conversations.open": 50,
    "oauth.v2.access": 100,
    "openid.connect.token": 50,
    "openid.connect.userInfo": 50,
    "usergroups.users.list": 20,
    "users.info": 100,
    "views.open": 100,
    "views.publish": 100,
}
DEFAULT_FLOOR = 20
POST_PER_CHANNEL_SECONDS = 1.0
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
GATE_HEADER = "x-leader-quiz-budget"


@dataclass
class _ResponseUrl:
    """One interaction's response_url: whose it is, when it was made, how often it was used."""

    user: str | None
    channel: str | None
    team: str | None
    created: float  # the fake's clock, epoch seconds
    uses: int = 0


@dataclass
class Call:
    """One request the fake received."""

    method: str  # e.g. "chat.postMessage"; "response_url" for POSTs to a response_url
    params: dict  # query string + body, JSON-looking form values decoded
    headers: dict
    at: float  # time.monotonic() when received
    status: int  # HTTP status the fake answered (0: connection reset, no answer)
    response: Any = None  # the JSON (or text) body answered; None for a connection reset
    answered_at: float | None = None  # time.monotonic() once the answer was written (or the socket reset)

    @property
    def ok(self) -> bool:
        """Answered with HTTP 200 and (for JSON answers) ``"ok": true``."""
        if self.answered_at is None or self.status != 200:
            return False
        return not isinstance(self.response, dict) or self.response.get("ok") is True


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None
    error: str | None
    reset_connection: bool
    delay: float


@dataclass
class _RateLimit:
    per_second: float
    burst: int
    retry_after: int
    buckets: dict[str, tuple[float, float]]  # channel -> (tokens, last refill monotonic)


@dataclass
class _Install:
    """One workspace (or organisation) about to install the app through the OAuth flow."""

    team_id: str | None
    enterprise_id: str | None
    org: bool
    rotation: bool
    installer: str
    expires_in: int


@dataclass
class _SignIn:
    """A person about to sign in with Slack (OpenID Connect) on the authorize page."""

    user_id: str
    team_id: str
    name: str
    email: str


@dataclass
class _Code:
    """An OpenID Connect code the authorize page gave: single use, valid 10 minutes."""

    person: _SignIn
    client_id: str
    redirect_uri: str
    nonce: str | None
    issued_at: float


@dataclass
class _Token:
    team_id: str | None
    enterprise_id: str | None
    org: bool
    bot_user_id: str
    expires_at: float | None  # time.time() when it stops working (token rotation)
    scopes: tuple[str, ...] = APP_SCOPES  # granted at install
    revoked: bool = False


@dataclass
class _Plan:
    call: Call
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    delay: float
    reset: bool


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true")) or value == 1


def _decode_value(value: str) -> Any:
    """Form values that are JSON lists/dicts (blocks, metadata, attachments, view) become Python objects."""
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        try:
            decoded = json.loads(stripped)
        except ValueError:
            return value
        if isinstance(decoded, (list, dict)):
            return decoded
    return value


def _ts_key(ts: Any, default: Decimal) -> Decimal:
    if ts in (None, ""):
        return default
    try:
        return Decimal(str(ts))
    except InvalidOperation:
        return default


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # As Slack: HTTP/1.1, connections kept open between requests (every answer has its length).
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake.connections += 1

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
        pass

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        params: dict[str, Any] = {
            k: _decode_value(v) for k, v in parse_qsl(split.query, keep_blank_values=True)
        }
        params.update(self._parse_body(raw, self.headers.get("Content-Type", "")))
        fake = self.server.fake
        plan = fake._receive(split.path, params, dict(self.headers.items()))
        try:
            if plan.delay > 0:
                fake._stopping.wait(plan.delay)
            if plan.reset:
                self._reset()
                return
            self.send_response(plan.status)
            self.send_header("Content-Type", plan.content_type)
            self.send_header("Content-Length", str(len(plan.body)))
            for name, value in plan.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(plan.body)
            self.wfile.flush()
        except OSError:
            pass  # the client gave up (e.g. its timeout fired during `delay`)
        finally:
            fake._answered(plan.call)

    def _reset(self) -> None:
        """Close the socket with SO_LINGER 0 so the client sees a TCP RST instead of an answer."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop the makefile() reference so close() really closes the fd now
        self.connection.close()

    @staticmethod
    def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
        if not raw:
            return {}
        ctype = content_type.split(";", 1)[0].strip().lower()
        text = raw.decode("utf-8", errors="replace")
        if ctype == "application/json" or (not ctype and text.lstrip()[:1] == "{"):
            try:
                body = json.loads(text)
            except ValueError:
                return {"_raw": text}
            return body if isinstance(body, dict) else {"_body": body}
        if ctype == "multipart/form-data":
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
            )
            out: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not name:
                    continue
                payload = part.get_payload(decode=True) or b""
                if part.get_filename():
                    out[str(name)] = payload
                else:
                    out[str(name)] = _decode_value(payload.decode("utf-8", errors="replace"))
            return out
        return {k: _decode_value(v) for k, v in parse_qsl(text, keep_blank_values=True)}


class FakeSlack:
    """Fake Slack Web API + response_url endpoint. Thread-safe; use ``start()``/``stop()`` or ``with``."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        admins: Iterable[str] = (),
        owners: Iterable[str] = (),
        limits: bool = True,
        require_gate: bool = True,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.admins: set[str] = set(admins)
        self.owners: set[str] = set(owners)
        self.time_zones: dict[str, str] = {}  # user -> Slack time zone (users.info `tz`)
        # users.info: guests ("multi": a multi-channel guest, "single": a single-channel one),
        # and people of another organisation in a shared channel (Slack Connect): user -> their
        # own workspace, which every workspace's token sees them with.
        self.guests: dict[str, str] = {}
        self.external_users: dict[str, str] = {}
        self.usergroups: dict[str, list[str]] = {}
        # What `x-oauth-scopes` says a plain xoxb- token was granted (remove one to test a
        # missing scope), and per-channel `conversations.info` answers (set_channel).
        self.token_scopes: tuple[str, ...] = APP_SCOPES
        self._channels: dict[str, dict[str, Any]] = {}
        # Multi-workspace mode (OAuth): the installs the "authorize" page will grant, in order,
        # and the tokens issued. With no token issued, any xoxb- token is accepted (one workspace).
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret-0123456789"
        self._installs: list[_Install] = []
        self._codes: dict[str, _Install] = {}
        self._tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, str] = {}  # refresh token -> the access token it renews
        self._issued = 0
        # Sign in with Slack (OpenID Connect): the people the authorize page will sign in, in
        # order; the app's registered redirect URLs (none registered: every sign-in refused, as
        # Slack refuses a redirect_uri the app's settings do not list); codes and user tokens.
        self.sign_in_redirects: set[str] = set()
        self._sign_ins: list[_SignIn] = []
        self._oidc_codes: dict[str, _Code] = {}
        self._user_tokens: dict[str, _SignIn] = {}
        self._id_token_key = b"fake-slack-id-token-signing-key"
        self.user_teams: dict[str, str] = {}  # user -> home workspace (users.info; sign-ins add theirs)
        self.forged_nonce: str | None = None  # set: id_tokens carry this nonce (an attacker's replay)
        self.workspace_delays = {}
        self.ratelimited_workspaces = {}
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        # Slack's limits: rolling windows of accepted calls per (workspace, method) and per
        # (workspace, channel) for chat.postMessage; the floors (set_limit raises one).
        self.limits = limits
        self.floors: dict[str, int] = dict(TIER_FLOORS)
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self.throttled: list[Call] = []  # every call answered 429 by the limits
        self.require_gate = require_gate
        self.ungated: list[Call] = []  # Web API calls that skipped the app's budget gate
        self.connections = 0  # TCP connections opened to the fake (keep-alive reuses them)
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        # Views Slack holds (modals opened or updated, App Homes published), by view id, and
        # the triggers used (a trigger opens one view: slack_views.py's rules apply).
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}  # user -> their App Home's view id
        self.view_triggers: dict[str, str] = {}  # trigger_id -> the view it opened
        self.refused_views: list[Call] = []  # views.* calls refused for a view Slack would refuse
        self._last_ts_micros = 0
        # Message timestamps follow this clock when set (a test's FakeClock.now), as a real
        # Slack's follow the real time the app also sees.
        self.clock: Callable[[], Any] | None = None
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self._base = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a `delay`
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        if not self._base:
            raise RuntimeError("FakeSlack is not started")
        return f"{self._base}/api/"

    def response_url(
        self, key: str, *, user: str | None = None, channel: str | None = None, team: str | None = None
    ) -> str:
        """A new interaction's response_url (5 uses within 30 minutes), for `user` in `channel`."""
        if not self._base:
            raise RuntimeError("FakeSlack is not started")
        with self._lock:
            self._response_urls[key] = _ResponseUrl(user, channel, team, self._now())
        return f"{self._base}/response/{quote(key, safe='')}"

    def set_limit(self, method: str, per_minute: int) -> None:
        """Raise (or lower) a method's per-minute limit, as Slack may grant an app."""
        with self._lock:
            self.floors[method] = per_minute

    def _now(self) -> float:
        clock = self.clock
        return clock().timestamp() if clock else time.time()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` calls of ``method`` that match ``where`` were answered 200 + ``ok: true``.

        Returns all such calls recorded so far (at least ``count``). Failed calls never count: inspect
        ``calls()`` for those.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [
                    c for c in self._calls if c.method == method and c.ok and (where is None or where(c))
                ]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_summary(method, count, timeout, len(matched)))
                self._cond.wait(remaining)

    def replies(self, user: str | None = None, *, channel: str | None = None) -> list[Call]:
        """Private replies Slack delivered, oldest first: posts to a response_url (whose
        interaction was `user`'s) and chat.postEphemeral calls (to `user`)."""
        with self._lock:
            found = []
            for call in self._calls:
                if not call.ok:
                    continue
                if call.method == "response_url":
                    url = self._response_urls.get(str(call.params.get("_key")))
                    who, where = (url.user, url.channel) if url else (None, None)
                elif call.method == "chat.postEphemeral":
                    who, where = call.params.get("user"), call.params.get("channel")
                else:
                    continue
                if (user is None or who == user) and (channel is None or where == channel):
                    found.append(call)
            return found

    def replied_users(self) -> list[str | None]:
        """Whom each delivered private reply was for, in order (a person twice: two replies)."""
        with self._lock:
            return [self._reply_user(call) for call in self.replies()]

    def replies_by_user(self) -> dict[str | None, list[Call]]:
        """Each person's delivered private replies, oldest first."""
        found: dict[str | None, list[Call]] = {}
        with self._lock:
            for call in self.replies():
                found.setdefault(self._reply_user(call), []).append(call)
        return found

    def _reply_user(self, call: Call) -> str | None:
        if call.method == "chat.postEphemeral":
            return call.params.get("user")
        url = self._response_urls.get(str(call.params.get("_key")))
        return url.user if url else None

    def wait_for_replies(
        self, count: int = 1, *, user: str | None = None, channel: str | None = None, timeout: float = 10.0
    ) -> list[Call]:
        """Block until `count` private replies (see `replies`) were delivered."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.replies(user, channel=channel)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(found)} of {count} private replies"
                        f"{' to ' + user if user else ''} within {timeout}s\n"
                        + self._timeout_summary("response_url", count, timeout, len(found))
                    )
                self._cond.wait(remaining)

    def messages(self, channel: str) -> list[dict]:
        """Messages currently in ``channel`` (oldest first), as posted/updated by the bot."""
        with self._lock:
            return copy.deepcopy(self._messages.get(channel, []))

    def clear_faults(self, method: str) -> None:
        """Drop the faults still queued for ``method`` (answer it normally from now on)."""
        with self._lock:
            self._faults.pop(method, None)

    def forget_calls(self) -> None:
        """Forget the calls recorded so far (messages, limits and their windows stay)."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Forget calls, faults (fail_next and rate limits) and messages. Users/admins/usergroups stay."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._rate_limits.clear()
            self._messages.clear()
            self._windows.clear()
            self.throttled.clear()
            self.ungated.clear()
            self.refused_views.clear()

    # ------------------------------------------------------------------ OAuth installs

    redirect_url: str | None = None  # the app's /slack/oauth_redirect (set by the test)
    # Per workspace (by issued token): every call answered after a delay, or with 429 and
    # this Retry-After, as a slow or a rate-limited workspace would be.
    workspace_delays: dict[str, float]
    ratelimited_workspaces: dict[str, int]
    granted_scopes: tuple[str, ...] = APP_SCOPES  # what an OAuth install grants
    refreshed_expires_in = 43200  # Slack's rotating tokens last 12 hours

    def prepare_install(
        self,
        team_id: str | None,
        *,
        enterprise_id: str | None = None,
        org: bool = False,
        rotation: bool = False,
        expires_in: int = 43200,
        installer: str = "UINSTALLER",
    ) -> None:
        """The next visit to the authorize page installs the app in this workspace (or, with
        `org`, in the whole organisation)."""
        with self._lock:
            self._installs.append(_Install(team_id, enterprise_id, org, rotation, installer, expires_in))

    def prepare_sign_in(self, user_id: str, team_id: str, *, name: str = "", email: str = "") -> None:
        """The next visit to the OpenID Connect authorize page signs this person in (as if they
        were signed in to Slack and clicked "Allow")."""
        with self._lock:
            self.user_teams.setdefault(user_id, team_id)
            self._sign_ins.append(
                _SignIn(
                    user_id, team_id, name or f"Person {user_id}", email or f"{user_id.lower()}@example.com"
                )
            )

    def tokens(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> list[str]:
        """Tokens issued for a workspace (or organisation), oldest first."""
        with self._lock:
            return [
                token
                for token, issued in self._tokens.items()
                if (team_id is None or issued.team_id == team_id)
                and (enterprise_id is None or issued.enterprise_id == enterprise_id)
            ]

    def revoke(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> None:
        """Slack's side of an uninstall: the workspace's tokens stop working."""
        with self._lock:
            for issued in self._tokens.values():
                if (team_id and issued.team_id == team_id) or (
                    enterprise_id and issued.enterprise_id == enterprise_id
                ):
                    issued.revoked = True

    def set_channel(
        self, channel: str, *, is_member: bool = True, is_archived: bool = False, exists: bool = True
    ) -> None:
        """How `conversations.info` describes a channel: the bot left it (`is_member=False`), it
        was archived, or it is gone (`exists=False`: `channel_not_found`)."""
        with self._lock:
            self._channels[channel] = {"is_member": is_member, "is_archived": is_archived, "exists": exists}

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        reset_connection: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (queued after any earlier fail_next for it).

        Precedence: ``reset_connection`` (TCP RST, no answer) > ``error`` (HTTP 200 ``ok: false``) >
        ``status``. ``status=200`` with neither means "answer normally" (useful with ``delay``).
        ``delay`` seconds pass before the answer/reset.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(status, times, retry_after, error, reset_connection, delay)
            )

    def rate_limit_per_channel(
        self,
        method: str = "chat.postMessage",
        *,
        per_second: float = 1.0,
        burst: int = 1,
        retry_after: int = 1,
    ) -> None:
        """Token bucket per ``channel`` param; over the limit answer 429 ``ratelimited`` + Retry-After."""
        with self._lock:
            self._rate_limits[method] = _RateLimit(per_second, burst, retry_after, {})

    # ------------------------------------------------------------------ request handling (server threads)

    def _receive(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> _Plan:
        now = time.monotonic()
        if path.startswith("/api/"):
            method = unquote(path[len("/api/") :])
        elif path.startswith("/response/"):
            method = "response_url"
            params["_key"] = unquote(path[len("/response/") :])
        else:
            method = f"http:{path}"
        with self._cond:
            call = Call(method=method, params=params, headers=headers, at=now, status=0)
            self._calls.append(call)
            delay, reset = 0.0, False
            extra_headers: dict[str, str] = {}
            status, body = 200, None
            fault = self._take_fault(method)
            if fault is not None:
                delay = fault.delay
                if fault.reset_connection:
                    reset = True
                elif fault.error is not None:
                    body = {"ok": False, "error": fault.error}
                elif fault.status != 200:
                    status = fault.status
                    body = {"ok": False, "error": "ratelimited" if status == 429 else f"http_{status}"}
                    if fault.retry_after is not None:
                        extra_headers["Retry-After"] = str(fault.retry_after)
            workspace = self._workspace_of(headers)
            if not reset and body is None and workspace in self.workspace_delays:
                delay = max(delay, self.workspace_delays[workspace])
            if not reset and body is None and workspace in self.ratelimited_workspaces:
                status, body = 429, {"ok": False, "error": "ratelimited"}
                extra_headers["Retry-After"] = str(self.ratelimited_workspaces[workspace])
            if not reset and body is None and method == "response_url":
                refused = self._use_response_url(str(params.get("_key")))
                if refused is not None:
                    status, body = 404, refused
            gated = any(k.lower() == GATE_HEADER for k in headers)
            if not reset and body is None and path.startswith("/api/") and self.require_gate and not gated:
                self.ungated.append(call)
                body = {"ok": False, "error": "ungated_call"}
            if not reset and body is None:
                retry_after = self._rate_limited(method, params, now)
                if retry_after is None and path.startswith("/api/"):
                    retry_after = self._over_floor(workspace or self.team_id, method, params, now)
                if retry_after is not None:
                    status, body = 429, {"ok": False, "error": "ratelimited"}
                    extra_headers["Retry-After"] = str(retry_after)
                    self.throttled.append(call)
            if not reset and body is None and path in ("/oauth/v2/authorize", "/openid/connect/authorize"):
                page = self._authorize_page if path == "/oauth/v2/authorize" else self._oidc_authorize_page
                status, body, location = page(params)
                if location:
                    extra_headers["Location"] = location
            if not reset and body is None:
                body = self._dispatch(method, path, params, headers)
                if method.startswith("http:"):
                    status = 404
                scopes = self._scopes_of(method, headers)
                if scopes is not None:
                    extra_headers["x-oauth-scopes"] = ",".join(scopes)
            call.status = 0 if reset else status
            call.response = None if reset else body
        if isinstance(body, str):
            raw, ctype = body.encode(), "text/plain; charset=utf-8"
        else:
            raw, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
        return _Plan(call, call.status, raw, ctype, extra_headers, delay, reset)

    def _answered(self, call: Call) -> None:
        with self._cond:
            call.answered_at = time.monotonic()
            self._cond.notify_all()

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    def _use_response_url(self, key: str) -> str | None:
        """Why Slack would refuse this use of a response_url (None: it is fine)."""
        url = self._response_urls.get(key)
        if url is None:
            return "no_such_url"
        if self._now() - url.created > RESPONSE_URL_SECONDS:
            return "expired_url"
        if url.uses >= RESPONSE_URL_USES:
            return "used_url"
        url.uses += 1
        return None

    def _over_floor(self, workspace: str, method: str, params: dict[str, Any], now: float) -> int | None:
        """Slack's per-minute limit for this (workspace, method), and chat.postMessage's one
        message a second per channel: the Retry-After if this call is over, else count it."""
        if not self.limits or method == "response_url" or method.startswith("http:"):
            return None
        windows = [((workspace, method), 60.0, self.floors.get(method, DEFAULT_FLOOR))]
        if method == "chat.postMessage" and params.get("channel"):
            channel = str(params["channel"])
            channel = f"D{channel}" if channel[:1] in ("U", "W") else channel
            windows.append(((workspace, f"chat.postMessage#{channel}"), POST_PER_CHANNEL_SECONDS, 1))
        for key, span, limit in windows:
            calls = self._windows.setdefault(key, deque())
            while calls and calls[0] <= now - span:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, math.ceil(calls[0] + span - now))
        for key, _, _ in windows:
            self._windows[key].append(now)
        return None

    def _rate_limited(self, method: str, params: dict[str, Any], now: float) -> int | None:
        limit = self._rate_limits.get(method)
        if limit is None:
            return None
        channel = str(params.get("channel", ""))
        tokens, last = limit.buckets.get(channel, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - last) * limit.per_second)
        if tokens >= 1.0:
            limit.buckets[channel] = (tokens - 1.0, now)
            return None
        limit.buckets[channel] = (tokens, now)
        return limit.retry_after

    def _dispatch(self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        if method == "response_url":
            return "ok"
        if method.startswith("http:"):
            return {"ok": False, "error": "unknown_path", "path": path}
        if method == "oauth.v2.access":
            return self._oauth_v2_access(params, headers)
        if method == "openid.connect.token":
            return self._oidc_token(params, headers)
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ")
        if method == "openid.connect.userInfo":
            return self._oidc_user_info(token or str(params.get("token", "")))
        if method == "users.info" and self._tokens and self._tokens.get(token) is not None:
            # A workspace's bot token sees that workspace's people only (and, through Slack
            # Connect, the people of other organisations it shares channels with).
            home = self.user_teams.get(str(params.get("user", "")))
            shared = str(params.get("user", "")) in self.external_users
            if home is not None and home != self._tokens[token].team_id and not shared:
                return {"ok": False, "error": "user_not_found"}
        if not (auth.startswith("Bearer xoxb-") or auth.startswith("Bearer xoxe.xoxb-")):
            return {"ok": False, "error": "not_authed"}
        if self._tokens:  # OAuth mode: only tokens this fake issued, unexpired and not revoked
            issued = self._tokens.get(token)
            if issued is None or issued.revoked:
                return {"ok": False, "error": "invalid_auth"}
            if issued.expires_at is not None and time.time() >= issued.expires_at:
                return {"ok": False, "error": "token_expired"}
            if method == "auth.test":
                return self._auth_test_for(issued)
        handler = self._methods().get(method)
        return handler(params) if handler is not None else {"ok": True}

    def _scopes_of(self, method: str, headers: dict[str, str]) -> tuple[str, ...] | None:
        """The scopes Slack names in `x-oauth-scopes`: those of the token, if the fake accepts it."""
        if method in ("response_url", "oauth.v2.access", "openid.connect.token") or method.startswith(
            "http:"
        ):
            return None
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ")
        if self._tokens:
            issued = self._tokens.get(token)
            return None if issued is None or issued.revoked else issued.scopes
        return self.token_scopes if token.startswith(("xoxb-", "xoxe.xoxb-")) else None

    def _workspace_of(self, headers: dict[str, str]) -> str | None:
        """The workspace (or organisation) whose issued token the request carries."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        issued = self._tokens.get(auth.removeprefix("Bearer "))
        return None if issued is None else issued.team_id or issued.enterprise_id

    # ------------------------------------------------------------------ OAuth (lock held)

    def _authorize_page(self, params: dict[str, Any]) -> tuple[int, Any, str | None]:
        """Slack's "allow" page, clicked at once: redirect to the app with a code for the next
        prepared install and the state the app gave."""
        if not self._installs:
            return 400, "no install prepared", None
        if params.get("client_id") != self.client_id:
            return 400, "unknown client_id", None
        install = self._installs.pop(0)
        code = f"code-{len(self._codes) + 1}"
        self._codes[code] = install
        redirect = self.redirect_url or ""
        return 302, "", f"{redirect}?code={quote(code)}&state={quote(str(params.get('state', '')))}"

    def _oidc_authorize_page(self, params: dict[str, Any]) -> tuple[int, Any, str | None]:
        """Sign in with Slack's authorize page, "Allow" clicked at once: checks what Slack checks
        (response type, client id, the openid scope, a registered redirect URI), then redirects
        there with a single-use code and the state the app gave."""
        if params.get("response_type") != "code":
            return 400, "response_type must be code", None
        if params.get("client_id") != self.client_id:
            return 400, "unknown client_id", None
        if "openid" not in str(params.get("scope", "")).split():
            return 400, "the openid scope is required", None
        redirect = str(params.get("redirect_uri", ""))
        if redirect not in self.sign_in_redirects:
            return 400, "redirect_uri did not match any configured URIs", None
        if not self._sign_ins:
            return 400, "no sign-in prepared", None
        person = self._sign_ins.pop(0)
        code = f"oidc-code-{len(self._oidc_codes) + 1}-{person.user_id}"
        nonce = params.get("nonce")
        self._oidc_codes[code] = _Code(
            person, self.client_id, redirect, str(nonce) if nonce else None, time.time()
        )
        state = quote(str(params.get("state", "")))
        return 302, "", f"{redirect}?code={quote(code)}&state={state}"

    def _client_credentials(self, params: dict[str, Any], headers: dict[str, str]) -> bool:
        """The client id and secret, as HTTP Basic auth (slack_sdk's way) or as form fields."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        basic = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth.startswith("Basic ") else ""
        client_id, _, client_secret = basic.partition(":")
        client_id = client_id or str(params.get("client_id", ""))
        client_secret = client_secret or str(params.get("client_secret", ""))
        return client_id == self.client_id and client_secret == self.client_secret

    def _id_token(self, claims: dict[str, Any]) -> str:
        """A JWT (HS256 with the fake's own key: the app takes identity from userInfo)."""

        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
        mac = hmac.new(self._id_token_key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def _oidc_token(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        if not self._client_credentials(params, headers):
            return {"ok": False, "error": "invalid_client_id"}
        grant = self._oidc_codes.pop(str(params.get("code", "")), None)  # single use, even when refused
        if grant is None or time.time() - grant.issued_at > 600:
            return {"ok": False, "error": "invalid_code"}
        if params.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        person = grant.person
        self._issued += 1
        token = f"xoxp-{person.team_id}-{person.user_id}-{self._issued}-fakeusertoken"
        self._user_tokens[token] = person
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://slack.com",
            "sub": person.user_id,
            "aud": self.client_id,
            "exp": now + 3600,
            "iat": now,
            "auth_time": now,
            "https://slack.com/user_id": person.user_id,
            "https://slack.com/team_id": person.team_id,
            "name": person.name,
            "email": person.email,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce if self.forged_nonce is None else self.forged_nonce
        return {"ok": True, "access_token": token, "token_type": "Bearer", "id_token": self._id_token(claims)}

    def _oidc_user_info(self, token: str) -> dict[str, Any]:
        person = self._user_tokens.get(token)
        if person is None:
            return {"ok": False, "error": "invalid_auth"}
        return {
            "ok": True,
            "sub": person.user_id,
            "https://slack.com/user_id": person.user_id,
            "https://slack.com/team_id": person.team_id,
            "name": person.name,
            "email": person.email,
            "email_verified": True,
            "https://slack.com/team_name": f"Team {person.team_id}",
        }

    def _issue(self, install: _Install, scopes: tuple[str, ...] | None = None) -> tuple[str, str | None]:
        self._issued += 1
        owner = install.enterprise_id if install.org else install.team_id
        prefix = "xoxe.xoxb-" if install.rotation else "xoxb-"
        token = f"{prefix}{owner}-{self._issued}-faketokenvalue"
        self._tokens[token] = _Token(
            team_id=None if install.org else install.team_id,
            enterprise_id=install.enterprise_id,
            org=install.org,
            bot_user_id=f"UBOT{owner}",
            expires_at=time.time() + install.expires_in if install.rotation else None,
            scopes=tuple(self.granted_scopes) if scopes is None else scopes,
        )
        refresh = None
        if install.rotation:
            refresh = f"xoxe-1-{owner}-{self._issued}-fakerefresh"
            self._refresh_tokens[refresh] = token
        return token, refresh

    def _oauth_v2_access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        # The client credentials come as HTTP Basic auth (slack_sdk's way) or as form fields.
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        basic = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth.startswith("Basic ") else ""
        client_id, _, client_secret = basic.partition(":")
        client_id = client_id or str(params.get("client_id", ""))
        client_secret = client_secret or str(params.get("client_secret", ""))
        if client_id != self.client_id or client_secret != self.client_secret:
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("grant_type") == "refresh_token":
            # Refresh tokens are single-use: a second refresh with the same one fails, so a
            # replica that refreshed with a spent token would be caught.
            old = self._refresh_tokens.pop(str(params.get("refresh_token")), None)
            if old is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            before = self._tokens[old]
            install = _Install(
                before.team_id, before.enterprise_id, before.org, True, "U0", self.refreshed_expires_in
            )
            token, refresh = self._issue(install, before.scopes)  # a refresh keeps the grant
            return {
                "ok": True,
                "token_type": "bot",
                "access_token": token,
                "refresh_token": refresh,
                "expires_in": self.refreshed_expires_in,
            }
        install = self._codes.pop(str(params.get("code")), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        token, refresh = self._issue(install)
        response: dict[str, Any] = {
            "ok": True,
            "app_id": "A0001",
            "authed_user": {"id": install.installer},
            "scope": ",".join(self.granted_scopes),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self._tokens[token].bot_user_id,
            "team": None if install.org else {"id": install.team_id, "name": f"Team {install.team_id}"},
            "enterprise": {"id": install.enterprise_id, "name": "Org"} if install.enterprise_id else None,
            "is_enterprise_install": install.org,
        }
        if refresh:
            response.update(refresh_token=refresh, expires_in=install.expires_in)
        return response

    def _auth_test_for(self, issued: _Token) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "leaderquiz",
            "team_id": issued.team_id or issued.enterprise_id,
            "user_id": issued.bot_user_id,
            "bot_id": f"B{issued.bot_user_id}",
            "enterprise_id": issued.enterprise_id,
            "is_enterprise_install": issued.org,
        }

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroups_users_list,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
        }

    # ------------------------------------------------------------------ Web API methods (lock held)

    def _next_ts(self) -> str:
        now_micros = int(self.clock().timestamp() * 1_000_000) if self.clock else time.time_ns() // 1000
        micros = max(now_micros, self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    @staticmethod
    def _public(message: dict[str, Any], *, metadata: bool = True) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in message.items() if k != "channel"}
        if not metadata or out.get("metadata") is None:
            out.pop("metadata", None)
        return out

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "leaderquiz",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if str(channel)[:1] in ("U", "W"):  # posting to a person: Slack puts it in the app's DM with them
            channel = f"D{channel}"
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "channel": str(channel),
            "text": params.get("text", ""),
            "blocks": copy.deepcopy(params.get("blocks") or []),
            "metadata": copy.deepcopy(params.get("metadata")),
            "user": self.bot_user_id,
            "bot_id": BOT_ID,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
            message["reply_broadcast"] = _truthy(params.get("reply_broadcast"))
        self._messages.setdefault(str(channel), []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": self._public(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        message = self._find(channel, ts)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        for key in ("text", "blocks", "metadata"):
            if key in params:
                message[key] = copy.deepcopy(params[key])
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": self._public(message),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        message = self._find(channel, ts)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        self._messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        oldest = _ts_key(params.get("oldest"), Decimal(0))
        latest = _ts_key(params.get("latest"), Decimal("Infinity"))
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))

        def in_range(ts: Decimal) -> bool:
            return oldest <= ts <= latest if inclusive else oldest < ts < latest

        selected = [
            m
            for m in reversed(self._messages.get(str(params.get("channel", "")), []))
            if ("thread_ts" not in m or m["thread_ts"] == m["ts"] or m.get("reply_broadcast"))
            and in_range(Decimal(m["ts"]))
        ]
        return self._page(selected, params, with_metadata)

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        parent = self._find(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [parent] + [
            m for m in self._messages.get(channel, []) if m.get("thread_ts") == ts and m is not parent
        ]
        return self._page(thread, params, _truthy(params.get("include_all_metadata")))

    def _page(self, selected: list[dict[str, Any]], params: dict[str, Any], metadata: bool) -> dict[str, Any]:
        try:
            limit = int(params.get("limit") or 100)
            offset = int(params.get("cursor") or 0)
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        limit = limit if limit > 0 else 100
        page = selected[offset : offset + limit]
        has_more = offset + limit < len(selected)
        return {
            "ok": True,
            "messages": [self._public(m, metadata=metadata) for m in page],
            "has_more": has_more,
            "response_metadata": {"next_cursor": str(offset + limit) if has_more else ""},
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """The app's DM with a person: channel D<user>."""
        users = str(params.get("users", ""))
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": f"D{users}"}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        state = self._channels.get(str(params.get("channel", "")), {})
        if not state.get("exists", True):
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": params.get("channel"),
                "is_archived": state.get("is_archived", False),
                "is_member": state.get("is_member", True),
            },
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        user = str(user)
        is_owner = user in self.owners
        guest = self.guests.get(user)
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": self.external_users.get(user) or self.user_teams.get(user, self.team_id),
                "is_restricted": guest is not None,
                "is_ultra_restricted": guest == "single",
                "name": user.lower(),
                "real_name": user,
                "deleted": False,
                "is_bot": user == self.bot_user_id,
                "is_admin": user in self.admins or is_owner,
                "is_owner": is_owner,
                "tz": self.time_zones.get(user, "UTC"),
                "profile": {"display_name": user.lower(), "real_name": user},
            },
        }

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "users": list(self.usergroups.get(str(params.get("usergroup", "")), []))}

    def _refuse_view(self, problems: list[str]) -> dict[str, Any]:
        if self._calls:
            self.refused_views.append(self._calls[-1])
        return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}

    def _hold_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{len(self.views) + 1:08d}"
        held = {**copy.deepcopy(view), "id": view_id, "team_id": self.team_id, "state": {"values": {}}}
        self.views[view_id] = held
        return held

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id") or "")
        if not trigger:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self.view_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        problems = view_problems(params.get("view"), surface="modal")
        if problems:
            return self._refuse_view(problems)
        held = self._hold_view(params["view"])
        self.view_triggers[trigger] = held["id"]
        return {"ok": True, "view": copy.deepcopy(held)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id") or "")
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        problems = view_problems(params.get("view"), surface="modal")
        if problems:
            return self._refuse_view(problems)
        return {"ok": True, "view": copy.deepcopy(self._hold_view(params["view"], view_id))}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if not user:
            return {"ok": False, "error": "invalid_arguments"}
        problems = view_problems(params.get("view"), surface="home")
        if problems:
            return self._refuse_view(problems)
        held = self._hold_view(params["view"], self.home_views.get(user))
        self.home_views[user] = held["id"]
        return {"ok": True, "view": copy.deepcopy(held)}

    # ------------------------------------------------------------------ views, as a person sees them

    def opened_view(self, trigger_id: str | None = None) -> tuple[str, dict[str, Any]]:
        """(view id, view) of the modal a trigger opened (the latest opened, without one)."""
        with self._lock:
            if trigger_id is None:
                if not self.view_triggers:
                    raise AssertionError("no modal was opened")
                view_id = list(self.view_triggers.values())[-1]
            else:
                view_id = self.view_triggers[trigger_id]
            return view_id, copy.deepcopy(self.views[view_id])

    def home_view(self, user: str) -> dict[str, Any]:
        """The App Home Slack shows `user` now (the last one the app published)."""
        with self._lock:
            view_id = self.home_views.get(user)
            if view_id is None:
                raise AssertionError(f"no App Home was published for {user}")
            return copy.deepcopy(self.views[view_id])

    def view_submission(
        self, view_id: str, *, user: str, values: dict[str, Any], team_id: str | None = None
    ) -> dict[str, Any]:
        """The view_submission Slack sends when `user` fills in `values` on the modal it holds
        (see slack_views.submission: nothing the modal does not offer can be sent)."""
        with self._lock:
            view = copy.deepcopy(self.views[view_id])
        return submission(view, view_id=view_id, team_id=team_id or self.team_id, user_id=user, values=values)

    def view_action(
        self, view_id: str, *, user: str, action_id: str, value: str | None = None, team_id: str | None = None
    ) -> dict[str, Any]:
        """The block_actions Slack sends when `user` clicks `action_id` on a view it holds."""
        with self._lock:
            view = copy.deepcopy(self.views[view_id])
        return block_action(
            view,
            view_id=view_id,
            team_id=team_id or self.team_id,
            user_id=user,
            action_id=action_id,
            value=value,
        )

    def home_action(
        self, user: str, *, action_id: str, value: str | None = None, team_id: str | None = None
    ) -> dict[str, Any]:
        """A click on `user`'s App Home as published."""
        with self._lock:
            view_id = self.home_views.get(user)
        if view_id is None:
            raise AssertionError(f"no App Home was published for {user}")
        return self.view_action(view_id, user=user, action_id=action_id, value=value, team_id=team_id)

    def answer_submission(self, view_id: str, ack: dict[str, Any]) -> dict[str, Any]:
        """What the app answered a view_submission with, taken as Slack takes it: an answer Slack
        would not accept is an AssertionError; `update` replaces the modal Slack holds."""
        with self._lock:
            view = copy.deepcopy(self.views[view_id])
            problems = ack_problems(view, ack)
            if problems:
                raise AssertionError(f"Slack would refuse this answer to a view_submission: {problems}")
            if ack.get("response_action") == "update":
                self._hold_view(ack["view"], view_id)
        return ack

    # ------------------------------------------------------------------ diagnostics

    def _timeout_summary(self, method: str, count: int, timeout: float, matched: int) -> str:
        same = [c for c in self._calls if c.method == method]
        lines = [
            f"wait_for({method!r}, count={count}) timed out after {timeout}s: {matched} matching ok call(s), "
            f"{len(same)} call(s) of that method, {len(self._calls)} call(s) in total.",
        ]
        start = self._calls[0].at if self._calls else 0.0
        shown = self._calls[-40:]
        if len(self._calls) > len(shown):
            lines.append(f"  ... {len(self._calls) - len(shown)} earlier call(s) omitted")
        for call in shown:
            params = {k: v for k, v in call.params.items() if k != "token"}
            text = json.dumps(params, default=repr)
            if len(text) > 200:
                text = text[:197] + "..."
            outcome = "reset" if call.answered_at is not None and call.status == 0 else str(call.status)
            if call.answered_at is None:
                outcome += " (unanswered)"
            if isinstance(call.response, dict) and call.response.get("error"):
                outcome += f" error={call.response['error']}"
            lines.append(f"  +{call.at - start:.3f}s {call.method} -> {outcome} {text}")
        return "\n".join(lines)
