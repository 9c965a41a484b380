"""Who may run admin subcommands: QUIZ_ADMINS plus workspace admins and owners, asked of
`users.info` and cached for a short while rather than once per command."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

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
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, *, team_id: str, user_id: str) -> bool:
        if user_id in self._quiz_admins:
            return True
        key = (team_id, user_id)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        client = self._clients.for_team(team_id)
        if client is None:
            return False
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return False  # refuse rather than guess; not cached, so the next try asks again
        except BudgetExhausted:
            logger.warning("users.info for %s: the budget is used up; refused for now", user_id)
            return False
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[key] = (now, allowed)
        return allowed
