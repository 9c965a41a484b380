"""Multi-workspace mode: the bot token of each workspace, found through its own install or
its organisation's org-wide install, refreshed before it expires when the app rotates
tokens, and the Bolt `authorize` that hands listeners the right one.

Two replicas never refresh one installation at once: the refresher holds a short lease
(the same lease rows as the scheduler's, one name per installation) while it calls
`oauth.v2.access` and stores the result; a replica that finds the lease taken waits and reads
the new token instead of refreshing with a refresh token that is about to be spent.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.clock import Clock
from bot.slack.budget import BudgetGate
from bot.slack.clients import GatedClient
from db.engine import Database
from db.queries import leases
from db.queries import workspaces as workspace_queries

if TYPE_CHECKING:  # slack_sdk's SQLAlchemy store is imported only in multi-workspace mode
    from db.installations import EncryptedInstallationStore

logger = logging.getLogger(__name__)

CACHE_SECONDS = 2.0  # how long a looked-up token is reused before the store is asked again
REFRESH_BEFORE_MINUTES = 120  # refresh a rotating token this long before it expires
REFRESH_LEASE = dt.timedelta(seconds=30)
REFRESH_WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class InstallKey:
    """How slack_sdk's store finds an installation: an org-wide install by enterprise alone."""

    enterprise_id: str | None
    team_id: str | None
    org_install: bool

    @property
    def lease_name(self) -> str:
        return f"token-refresh:{self.enterprise_id or '-'}:{self.team_id or '-'}"


class WorkspaceTokens:
    def __init__(
        self,
        *,
        db: Database,
        store: EncryptedInstallationStore,
        rotator: TokenRotator,
        clock: Clock,
        replica_id: str,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.store = store
        self.rotator = rotator
        self.clock = clock
        self.replica_id = replica_id
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._bots: dict[InstallKey, tuple[float, Bot | None]] = {}
        self._keys: dict[str, tuple[float, InstallKey | None]] = {}
        self._learned: set[str] = set()  # workspaces already recorded by this process

    # -- finding ----------------------------------------------------------------------
    def key_for_team(self, team_id: str) -> InstallKey:
        """The installation that covers a workspace, from what the database knows of it."""
        cached = self._cached(self._keys, team_id)
        if cached is not None:
            return cached
        with self.db.reading() as session:
            row = workspace_queries.get(session=session, team_id=team_id)
            key = (
                InstallKey(None, team_id, False)
                if row is None
                else InstallKey(row.enterprise_id, None if row.org_install else team_id, row.org_install)
            )
        with self._lock:
            self._keys[team_id] = (self._monotonic(), key)
        return key

    def bot_for_team(self, team_id: str) -> Bot | None:
        """The workspace's bot (with a token that is not about to expire), or None when the
        app is not installed there."""
        return self.bot(self.key_for_team(team_id))

    def bot(self, key: InstallKey) -> Bot | None:
        cached = self._bots.get(key)
        if cached is not None and self._monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        bot = self._find(key)
        if bot is not None and _expiring(bot):
            bot = self._refresh(key)
        if bot is not None:  # "not installed" is never cached: a reinstall shows at once
            with self._lock:
                self._bots[key] = (self._monotonic(), bot)
        return bot

    def learn(self, *, team_id: str, enterprise_id: str | None, org_install: bool) -> None:
        """Remember a workspace a request came from (how org-wide installs' workspaces are
        known, so scheduled work for them finds the org's token)."""
        with self._lock:
            if team_id in self._learned:
                return
        with self.db.writing() as session:
            workspace_queries.record(
                session=session,
                team_id=team_id,
                enterprise_id=enterprise_id,
                org_install=org_install,
                now=self.clock.now(),
            )
        with self._lock:
            self._learned.add(team_id)
            self._keys.pop(team_id, None)

    def forget(self, team_ids: list[str] | None = None) -> None:
        """Drop cached tokens (after an uninstall, a revocation or a reinstall)."""
        with self._lock:
            if team_ids is None:
                self._keys.clear()
                self._learned.clear()
            else:
                for team_id in team_ids:
                    self._keys.pop(team_id, None)
                    self._learned.discard(team_id)
            self._bots.clear()

    def _cached(self, cache: dict, key: object):  # type: ignore[no-untyped-def]
        with self._lock:
            hit = cache.get(key)
        if hit is not None and self._monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        return None

    def _find(self, key: InstallKey) -> Bot | None:
        return self.store.find_bot(
            enterprise_id=key.enterprise_id, team_id=key.team_id, is_enterprise_install=key.org_install
        )

    # -- refreshing -------------------------------------------------------------------
    def _refresh(self, key: InstallKey) -> Bot | None:
        """Refresh an expiring token once across replicas; every caller gets the newest."""
        deadline = self._monotonic() + REFRESH_WAIT_SECONDS
        while True:
            with self.db.writing() as session:
                fence = leases.acquire_or_renew(
                    session=session,
                    holder=self.replica_id,
                    ttl=REFRESH_LEASE,
                    now=self.clock.now,
                    name=key.lease_name,
                )
            if fence is not None:
                try:
                    return self._refresh_holding_lease(key)
                finally:
                    with self.db.writing() as session:
                        leases.release(
                            session=session, holder=self.replica_id, now=self.clock.now(), name=key.lease_name
                        )
            # Another replica is refreshing: wait for its token rather than spend the refresh
            # token a second time.
            self._sleep(0.2)
            current = self._find(key)
            if current is None or not _expiring(current) or self._monotonic() > deadline:
                return current

    def _refresh_holding_lease(self, key: InstallKey) -> Bot | None:
        current = self._find(key)  # re-read: the token may have been refreshed meanwhile
        if current is None or not _expiring(current):
            return current
        try:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=current, minutes_before_expiration=REFRESH_BEFORE_MINUTES
            )
        except SlackTokenRotationError as error:
            logger.error(
                "refreshing the bot token of %s failed: %s",
                key.lease_name,
                error.api_error.response.get("error"),
            )
            return current  # still valid until it expires; the next call tries again
        if refreshed is None:
            return current
        self.store.save_bot(refreshed)
        logger.info("refreshed the bot token of %s", key.lease_name)
        return refreshed


def _expiring(bot: Bot) -> bool:
    expires_at = bot.bot_token_expires_at
    return expires_at is not None and expires_at <= time.time() + REFRESH_BEFORE_MINUTES * 60


class InstalledClients:
    """`SlackClients` for multi-workspace mode: each workspace's calls use its own token and
    draw from its own budgets."""

    def __init__(self, *, tokens: WorkspaceTokens, api_url: str, gate: BudgetGate) -> None:
        self.tokens = tokens
        self.api_url = api_url
        self.gate = gate
        self._lock = threading.Lock()
        self._made: dict[tuple[str, str], GatedClient] = {}
        self._app = GatedClient(None, api_url=api_url, gate=gate)

    def for_team(self, team_id: str) -> GatedClient | None:
        bot = self.tokens.bot_for_team(team_id) if team_id else None
        if bot is None or not bot.bot_token:
            return None
        key = (bot.bot_token, team_id)  # an org-wide token serves many workspaces, each its budget
        with self._lock:
            client = self._made.get(key)
            if client is None:
                if len(self._made) > 1000:
                    self._made.clear()
                client = self._made[key] = GatedClient(
                    bot.bot_token, api_url=self.api_url, gate=self.gate, budget_team=team_id
                )
        return client

    def app_client(self) -> GatedClient:
        return self._app


class SingleWorkspaceAuthorize(Authorize):
    """Bolt's authorize for single-workspace mode: the one bot token, with the bot's ids from
    one auth.test made through the budget gate on the first request and kept (Bolt's own
    single-team authorization would make it with its per-request client, past the gate)."""

    def __init__(self, client: GatedClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._auth: Any = None

    def __call__(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None, **_: object
    ) -> AuthorizeResult | None:
        with self._lock:
            if self._auth is None:
                try:
                    self._auth = self.client.auth_test()
                except Exception as error:  # Slack unreachable: serve the request, ask again next time
                    logger.warning("auth.test failed (%s); the bot's own ids are unknown for now", error)
                    return AuthorizeResult(
                        enterprise_id=enterprise_id,
                        team_id=team_id,
                        bot_token=self.client.token,
                        user_id=user_id,
                    )
            auth = self._auth
        result = AuthorizeResult.from_auth_test_response(auth_test_response=auth, bot_token=self.client.token)
        result["user_id"] = user_id
        return result


class WorkspaceAuthorize(Authorize):
    """Bolt's authorize for multi-workspace mode: the request's workspace's bot, from the same
    `WorkspaceTokens` scheduled work uses (one refresh path), with no `auth.test` per request
    (the install stored the bot's ids)."""

    def __init__(self, tokens: WorkspaceTokens) -> None:
        self.tokens = tokens

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult | None:
        org = bool(context.is_enterprise_install)
        if team_id:
            self.tokens.learn(team_id=team_id, enterprise_id=enterprise_id, org_install=org)
        bot = self.tokens.bot(InstallKey(enterprise_id, None if org else team_id, org))
        if bot is None or not bot.bot_token:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )
