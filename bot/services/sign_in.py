"""Who may use the dashboard, and for how long: Sign in with Slack (OpenID Connect) and the
sessions it starts.

Sign-in: `start` keeps a random `state` (hashed) and `nonce` in the database, bound to a random
browser secret the dashboard sets as a cookie, and gives the authorize URL. `finish` takes the
state back exactly once (the row is deleted in the same transaction, so a replayed or tampered
state signs no one in), checks it came back to the browser that started it, swaps the code
for tokens with `openid.connect.token`, checks the id_token's `nonce` and audience, and takes
the identity from `openid.connect.userInfo` (asked with the user token, which is then dropped:
never stored, never logged). The id_token's signature is not verified: it came straight from
Slack's token endpoint over TLS in a call authenticated with the client secret (OpenID Connect
Core 3.1.3.7), and the identity used is userInfo's, which must name the same person.

No claim says who is an admin: `users.info` with the workspace's bot token does, at sign-in and
again every ADMIN_RECHECK, as do QUIZ_ADMINS. A session lives in the database (any replica serves
it), under the SHA-256 of its cookie token; it ends after IDLE without a request, after MAX_AGE
in any case, at logout, when its workspace uninstalls the app, or when its person stops being
an admin."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients
from db.engine import Database
from db.queries import admin as queries

logger = logging.getLogger(__name__)

SIGN_IN_TTL = dt.timedelta(minutes=10)  # from the authorize redirect to the callback
ADMIN_RECHECK = dt.timedelta(minutes=10)
IDLE = dt.timedelta(minutes=30)
MAX_AGE = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often
SCOPES = "openid profile"
USER_CLAIM, TEAM_CLAIM = "https://slack.com/user_id", "https://slack.com/team_id"


class SignInRefused(Exception):
    """The sign-in ends here; the message is safe to show the person."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class SlackUnavailable(Exception):
    """Slack could not say whether the person is still an admin; try again shortly."""


@dataclass(frozen=True)
class Started:
    authorize_url: str
    browser_secret: str  # the cookie that ties the callback to this browser


@dataclass(frozen=True)
class SignedIn:
    token: str  # the session cookie's token (new at every sign-in)
    team_id: str
    user_id: str


@dataclass(frozen=True)
class Viewer:
    """The signed-in admin a request comes from."""

    session_id: str  # the SHA-256 of the token, as stored
    team_id: str
    user_id: str


def _code(error: SlackApiError | BudgetExhausted) -> str:
    """Slack's error code, or why the call never left (its budget was used up)."""
    return str(error.response.get("error")) if isinstance(error, SlackApiError) else "budget_used_up"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def id_token_claims(id_token: str) -> dict:
    """The claims of a JWT (its payload, base64url JSON); {} when it is not one."""
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def authorize_url(base: str, *, client_id: str, redirect_uri: str, state: str, nonce: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "scope": SCOPES,
            "client_id": client_id,
            "state": state,
            "nonce": nonce,
            "redirect_uri": redirect_uri,
        }
    )
    return f"{base}?{query}"


class AdminAccess:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        clients: SlackClients,
        api: WebClient,
        client_id: str,
        client_secret: str,
        authorize_base: str,
        quiz_admins: frozenset[str],
        single_workspace: bool,
    ) -> None:
        self.db = db
        self.clock = clock
        self.clients = clients
        self.api = api  # token-less: openid.connect.token, and userInfo with the user's token
        self.client_id = client_id
        self._client_secret = client_secret
        self.authorize_base = authorize_base
        self.quiz_admins = quiz_admins
        self.single_workspace = single_workspace
        self._bot_team: str | None = None
        self._lock = threading.Lock()

    # -- sign-in ---------------------------------------------------------------------------
    def start(self, *, redirect_uri: str) -> Started:
        state, nonce, browser = (secrets.token_urlsafe(32) for _ in range(3))
        now = self.clock.now()
        with self.db.writing() as session:
            queries.begin_sign_in(
                session=session,
                state_hash=digest(state),
                browser_hash=digest(browser),
                nonce=nonce,
                redirect_uri=redirect_uri,
                now=now,
                expired_before=now - SIGN_IN_TTL,
            )
        url = authorize_url(
            self.authorize_base, client_id=self.client_id, redirect_uri=redirect_uri, state=state, nonce=nonce
        )
        return Started(authorize_url=url, browser_secret=browser)

    def finish(self, *, state: str, code: str, browser_secret: str, replaces: str | None) -> SignedIn:
        """Check everything Slack sent back and start a session (ending `replaces`, the token of
        the browser's previous session, so the id always changes at sign-in)."""
        if not state or not code:
            raise SignInRefused("Slack sent no code and state back: start again.", status=400)
        now = self.clock.now()
        with self.db.writing() as session:
            pending = queries.take_sign_in(session=session, state_hash=digest(state))
        if pending is None:
            raise SignInRefused("This sign-in link is unknown, already used or tampered with: start again.")
        if not browser_secret or not hmac.compare_digest(pending.browser_hash, digest(browser_secret)):
            raise SignInRefused("This sign-in was started in another browser: start again here.")
        if now - pending.created_at > SIGN_IN_TTL:
            raise SignInRefused("This sign-in took too long: start again.")
        try:
            tokens = self.api.openid_connect_token(
                client_id=self.client_id,
                client_secret=self._client_secret,
                code=code,
                redirect_uri=pending.redirect_uri,
            )
        except (SlackApiError, BudgetExhausted) as error:
            logger.warning("openid.connect.token refused: %s", _code(error))
            raise SignInRefused("Slack did not accept this sign-in: start again.") from None
        claims = id_token_claims(str(tokens.get("id_token") or ""))
        nonce = str(claims.get("nonce") or "")
        if not nonce or not hmac.compare_digest(nonce, pending.nonce) or claims.get("aud") != self.client_id:
            logger.warning("a sign-in's id_token had the wrong nonce or audience")
            raise SignInRefused("This sign-in could not be verified: start again.")
        try:
            info = self.api.openid_connect_userInfo(token=str(tokens["access_token"]))
        except (SlackApiError, BudgetExhausted, KeyError):
            raise SignInRefused("Slack would not say who you are: start again.") from None
        # The user token goes out of scope here: it is never stored.
        user_id, team_id = str(info.get(USER_CLAIM) or ""), str(info.get(TEAM_CLAIM) or "")
        if not user_id or not team_id or info.get("sub") != claims.get("sub"):
            raise SignInRefused("Slack's answers about who you are disagree: start again.")
        try:
            if not self.serves(team_id):
                raise SignInRefused("leader-quiz is not installed in your workspace.")
            allowed = self.is_admin(team_id=team_id, user_id=user_id)
        except SlackUnavailable:
            raise SignInRefused(
                "Slack could not confirm you are an admin right now: try again.", status=503
            ) from None
        if not allowed:
            logger.info("sign-in refused: %s is not an admin of %s", user_id, team_id)
            raise SignInRefused("Only workspace admins and owners (and QUIZ_ADMINS) can open the dashboard.")
        token = secrets.token_urlsafe(32)
        with self.db.writing() as session:
            queries.end_stale_sessions(session=session, idle_before=now - IDLE, created_before=now - MAX_AGE)
            queries.start_session(
                session=session,
                session_id=digest(token),
                team_id=team_id,
                user_id=user_id,
                now=now,
                replaces=digest(replaces) if replaces else None,
            )
        logger.info("%s signed in to the dashboard of %s", user_id, team_id)
        return SignedIn(token=token, team_id=team_id, user_id=user_id)

    # -- sessions --------------------------------------------------------------------------
    def viewer(self, token: str) -> Viewer | None:
        """The admin this session token belongs to, or None (no such session, expired, the
        workspace uninstalled, no longer an admin: each ends the session). Raises SlackUnavailable
        when the 10-minute admin check cannot reach Slack (the session stays)."""
        if not token:
            return None
        session_id = digest(token)
        now = self.clock.now()
        with self.db.reading() as session:
            row = queries.get_session(session=session, session_id=session_id)
            if row is None:
                return None
            team_id, user_id = row.team_id, row.user_id
            created, seen, checked = row.created_at, row.last_seen_at, row.admin_checked_at
        if now - seen > IDLE or now - created > MAX_AGE or not self.serves(team_id):
            self.end(token)
            return None
        rechecked = False
        if now - checked > ADMIN_RECHECK:
            if not self.is_admin(team_id=team_id, user_id=user_id):
                logger.info("%s is no longer an admin of %s: session ended", user_id, team_id)
                self.end(token)
                return None
            rechecked = True
        if rechecked or now - seen > TOUCH_EVERY:
            with self.db.writing() as session:
                queries.touch_session(
                    session=session, session_id=session_id, now=now, admin_checked=rechecked
                )
        return Viewer(session_id=session_id, team_id=team_id, user_id=user_id)

    def end(self, token: str) -> None:
        with self.db.writing() as session:
            queries.end_session(session=session, session_id=digest(token))

    # -- who is served, who is an admin ----------------------------------------------------
    def serves(self, team_id: str) -> bool:
        """The app is installed in this workspace (single-workspace mode: it is the bot token's)."""
        if not self.single_workspace:
            return self.clients.for_team(team_id) is not None
        return team_id == self._single_team()

    def _single_team(self) -> str | None:
        with self._lock:
            if self._bot_team is None:
                client = self.clients.for_team("")
                try:
                    self._bot_team = str(client.auth_test()["team_id"]) if client is not None else None
                except (SlackApiError, BudgetExhausted) as error:
                    logger.warning("auth.test failed: %s", _code(error))
                    raise SlackUnavailable() from None
            return self._bot_team

    def is_admin(self, *, team_id: str, user_id: str) -> bool:
        """QUIZ_ADMINS, or a workspace admin or owner by `users.info` (asked every time: the
        dashboard asks at sign-in and every ADMIN_RECHECK, not per request)."""
        if user_id in self.quiz_admins:
            return True
        client = self.clients.for_team(team_id)
        if client is None:
            return False
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, BudgetExhausted) as error:
            if _code(error) in ("user_not_found", "user_not_visible"):
                return False
            logger.warning("users.info failed for %s: %s", user_id, _code(error))
            raise SlackUnavailable() from None
        if user.get("deleted"):
            return False
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
