"""Who may run admin subcommands: QUIZ_ADMINS plus workspace admins and owners, asked of
`users.info` and cached for a short while rather than once per command; and who may write or
suggest questions (no guests, no one from another organisation), from the same answer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.domain.authoring import Standing
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients

logger = logging.getLogger(__name__)


class AdminChecker:
    def __init__(
        self,
        *,
        clients: SlackClients,
        quiz_admins: frozenset[str],
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients
        self._quiz_admins = quiz_admins
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def is_admin(self, *, team_id: str, user_id: str) -> bool:
        if user_id in self._quiz_admins:
            return True
        user = self._user(team_id, user_id)
        return user is not None and _is_admin(user)

    def standing(self, *, team_id: str, user_id: str, enterprise_id: str | None = None) -> Standing:
        """Whether the person may write or suggest questions here: a guest (users.info
        `is_restricted` / `is_ultra_restricted`) may not, nor may someone from another
        organisation (Slack Connect: their `team_id` is not this workspace's, and they are not
        of this workspace's Enterprise Grid organisation). QUIZ_ADMINS are trusted as admins."""
        if user_id in self._quiz_admins:
            return Standing(known=True, admin=True)
        user = self._user(team_id, user_id)
        if user is None:
            return Standing(known=False)
        home = user.get("team_id")
        grid = (user.get("enterprise_user") or {}).get("enterprise_id")
        external = bool(home) and home != team_id and not (enterprise_id and grid == enterprise_id)
        return Standing(
            known=True,
            admin=_is_admin(user),
            guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
            external=external,
        )

    def _user(self, team_id: str, user_id: str) -> dict | None:
        """users.info's answer about the person, cached for ADMIN_CACHE_SECONDS; None when
        Slack did not answer (not cached, so the next try asks again)."""
        key = (team_id, user_id)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        client = self._clients.for_team(team_id)
        if client is None:
            return None
        try:
            user = dict(client.users_info(user=user_id)["user"])
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None  # refuse rather than guess
        except BudgetExhausted:
            logger.warning("users.info for %s: the budget is used up; refused for now", user_id)
            return None
        with self._lock:
            self._cache[key] = (now, user)
        return user


def _is_admin(user: dict) -> bool:
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
