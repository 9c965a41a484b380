"""The budget gate: every Web API call takes a grant from its (workspace, method) budget before
it leaves, so the app waits for its budget instead of drawing a 429 (SPEC §11).

The budget is kept across every thread and every replica together: grants are drawn from one
row per (workspace, method) in the shared database (`db.queries.budgets`, a sliding-window log
stamped with the database's clock), as many at once as the caller can use at once (the outbox
asks for as many sends as it has free workers). A grant is used at once, and the window is
counted MARGIN seconds longer than Slack's minute, so a call reaches Slack within the window
its grant was counted in and no rolling minute at Slack ever sees more calls than the budget.
A 429 pauses the (workspace, method) for its Retry-After in the database, so every replica
waits.

Why our own gate rather than slack_sdk's RateLimitErrorRetryHandler: that handler reacts to a
429 after it was drawn, one client at a time; the floors must hold before the call, across
processes (the Node SDK's queue and slack-morphism's throttler do the same in one process).

chat.postMessage is also limited to about one message a second per channel. Only the leader
posts to channels (daily questions, recaps, reminder DMs), so that spacing is kept in this
process; the workspace-wide budget is in the database like every other.

If the database cannot be reached the gate falls back to a window of its own with a quarter
of the budget, so up to four replicas cut off at once still stay under the floor. A gate made
without a database (doctor, when the database it was given is missing or not migrated: it
must not create or change it) keeps the whole budget in its own window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.slack.limits import POST_MESSAGE_CHANNEL_SECONDS, SlackLimits
from db.engine import Database
from db.queries import budgets as queries

logger = logging.getLogger(__name__)

WINDOW = 60.0  # Slack's rolling minute
MARGIN = 2.0  # counted longer than Slack's minute: a granted call reaches Slack within this
FALLBACK_SHARE = 4  # without the database: this share of the budget, in this process alone
CHANNEL_SPACING = POST_MESSAGE_CHANNEL_SECONDS + 0.2  # a little over Slack's 1 s per channel


class BudgetExhausted(Exception):
    """No budget for this call within the time it may wait (it was not sent)."""


@dataclass
class _Budget:
    """This process's view of one (workspace, method) budget."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    not_before: float = 0.0  # monotonic: the database had no budget (or Slack paused us) until then
    fallback: deque[float] = field(default_factory=deque)  # local grants while the database is down


class BudgetGate:
    def __init__(
        self,
        *,
        db: Database | None,
        limits: SlackLimits,
        single_workspace: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.limits = limits
        # Single-workspace mode: every call is the one workspace's, whatever team id a request
        # named, so every budget is kept under one key ("").
        self.single_workspace = single_workspace
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, str], _Budget] = {}
        self._channel_next: dict[tuple[str, str], float] = {}
        self.throttled_calls: Counter[str] = Counter()  # 429s drawn, by method (for `status`)

    def _key(self, team_id: str) -> str:
        return "" if self.single_workspace else team_id

    def same_budget(self, team_a: str, team_b: str) -> bool:
        return self._key(team_a) == self._key(team_b)

    def _budget(self, team_id: str, method: str) -> _Budget:
        with self._lock:
            budget = self._budgets.get((team_id, method))
            if budget is None:
                budget = self._budgets[(team_id, method)] = _Budget()
            return budget

    # -- taking grants ---------------------------------------------------------------------
    def take(self, team_id: str, method: str, want: int = 1, *, channel: str | None = None) -> int:
        """Up to `want` grants, now, without waiting (0: come back after `wait_time`)."""
        team_id = self._key(team_id)
        if channel is not None and method == "chat.postMessage":
            want = min(want, 1)
            if self._monotonic() < self._channel_next.get((team_id, channel), 0.0):
                return 0
        budget = self._budget(team_id, method)
        with budget.lock:
            now = self._monotonic()
            taken = self._draw(team_id, method, budget, want, now) if now >= budget.not_before else 0
        if taken and channel is not None and method == "chat.postMessage":
            with self._lock:
                self._channel_next[(team_id, channel)] = self._monotonic() + CHANNEL_SPACING
        return taken

    def _draw(self, team_id: str, method: str, budget: _Budget, want: int, now: float) -> int:
        limit = self.limits.per_minute(method)
        if self.db is None:  # no database to share (doctor with a database it cannot use)
            return self._draw_locally(budget, want, now, limit)
        try:
            with self.db.writing() as session:
                grant = queries.take(
                    session=session,
                    team_id=team_id,
                    method=method,
                    want=want,
                    limit=limit,
                    window=WINDOW + MARGIN,
                )
        except Exception as error:
            logger.warning("rate budget of %s %s from this process only: %s", team_id or "-", method, error)
            return self._draw_locally(budget, want, now, max(1, limit // FALLBACK_SHARE))
        if grant.retry_at is not None:
            budget.not_before = now + max(grant.retry_at - grant.at, 0.05)
        return grant.granted

    def _draw_locally(self, budget: _Budget, want: int, now: float, limit: int) -> int:
        while budget.fallback and budget.fallback[0] <= now - WINDOW - MARGIN:
            budget.fallback.popleft()
        granted = max(0, min(want, limit - len(budget.fallback)))
        budget.fallback.extend([now] * granted)
        if granted < want and budget.fallback:
            budget.not_before = budget.fallback[0] + WINDOW + MARGIN
        return granted

    def wait_time(self, team_id: str, method: str, *, channel: str | None = None) -> float:
        """Seconds until a grant may be had (0: try now)."""
        team_id = self._key(team_id)
        now = self._monotonic()
        wait = max(self._budget(team_id, method).not_before - now, 0.0)
        if channel is not None and method == "chat.postMessage":
            wait = max(wait, self._channel_next.get((team_id, channel), 0.0) - now)
        return wait

    def acquire(self, team_id: str, method: str, *, timeout: float, channel: str | None = None) -> None:
        """Wait up to `timeout` seconds for one grant (calls that cannot wait in the outbox's
        queue: a modal's trigger, an admin check, doctor); BudgetExhausted if none came."""
        deadline = self._monotonic() + timeout
        while not self.take(team_id, method, channel=channel):
            wait = self.wait_time(team_id, method, channel=channel) or 0.05
            if self._monotonic() + wait > deadline:
                raise BudgetExhausted(f"no {method} budget left in {team_id or 'this workspace'}")
            self._sleep(wait)

    # -- after Slack answered ----------------------------------------------------------------
    def throttled(self, team_id: str, method: str, retry_after: float) -> None:
        """Slack answered 429: pause this (workspace, method) for `retry_after`, everywhere."""
        team_id = self._key(team_id)
        self.throttled_calls[method] += 1
        budget = self._budget(team_id, method)
        with budget.lock:
            budget.not_before = max(budget.not_before, self._monotonic() + retry_after)
        if self.db is None:
            return
        try:
            with self.db.writing() as session:
                queries.pause(session=session, team_id=team_id, method=method, seconds=retry_after)
        except Exception as error:
            logger.warning("could not share the 429 pause of %s: %s", method, error)
