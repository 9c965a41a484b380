"""Slack calls made after the ack (private replies, count updates) run here, off the
listener threads, so a slow or failing Slack never delays acking other clicks. Each call
already retries inside slack_sdk; one that still fails is tried again later, a few times,
before it is logged and dropped (a private reply is worthless after a few minutes). Work for a
workspace the app was uninstalled from since is dropped unsent."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from bot import metrics
from bot.logging_setup import ContextExecutor

logger = logging.getLogger(__name__)

LATER_DELAYS_S = (5.0, 15.0, 45.0, 120.0)


class Outbox:
    def __init__(
        self,
        *,
        workers: int = 16,
        later_delays: tuple[float, ...] = LATER_DELAYS_S,
        installed: Callable[[str], bool] | None = None,
    ) -> None:
        # Whether the app is (still) installed in a workspace; asked before every attempt.
        self._installed = installed
        # Calls run (and log) in the context of the request that queued them.
        self._executor = ContextExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._later_delays = later_delays
        self._lock = threading.Lock()
        self._waiting: dict[int, float] = {}  # job -> when it was queued (monotonic)
        self._next_job = 0
        self._idle = threading.Condition(self._lock)
        self._timers: set[threading.Timer] = set()
        self._closed = False
        self.dropped = 0

    def submit(self, call: Callable[[], object], what: str, *, team_id: str | None = None) -> None:
        """Run `call` soon; `what` names it in logs (never with a token); `team_id` is the
        workspace it is for."""
        with self._lock:
            if self._closed:
                return
            job = self._next_job
            self._next_job += 1
            self._waiting[job] = time.monotonic()
        self._executor.submit(self._run, job, call, what, 0, team_id)

    def _run(
        self, job: int, call: Callable[[], object], what: str, attempt: int, team_id: str | None
    ) -> None:
        if team_id and self._installed is not None and not self._installed(team_id):
            logger.info("%s dropped: the app is no longer installed in %s", what, team_id)
            self._done(job)
            return
        try:
            call()
        except Exception as error:
            if attempt < len(self._later_delays):
                delay = self._later_delays[attempt]
                logger.warning("%s failed (%s); trying again in %.0f s", what, type(error).__name__, delay)
                self._later(job, call, what, attempt + 1, delay, team_id)
                return
            logger.error("%s failed %d times; dropped (%s)", what, attempt + 1, type(error).__name__)
            with self._lock:
                self.dropped += 1
        self._done(job)

    def _later(
        self, job: int, call: Callable[[], object], what: str, attempt: int, delay: float, team_id: str | None
    ) -> None:
        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
                closed = self._closed
            if closed:
                self._done(job)
                return
            self._executor.submit(self._run, job, call, what, attempt, team_id)

        timer = threading.Timer(delay, contextvars.copy_context().run, args=(fire,))
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _done(self, job: int) -> None:
        with self._lock:
            self._waiting.pop(job, None)
            if not self._waiting:
                self._idle.notify_all()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._waiting)

    def oldest_age(self) -> float:
        """Seconds the oldest waiting call has waited (0 when none waits)."""
        with self._lock:
            # Jobs are numbered as queued and a retry keeps its number: the first is the oldest.
            oldest = next(iter(self._waiting.values()), None)
        return 0.0 if oldest is None else time.monotonic() - oldest

    def sample(self) -> None:
        """Update the outbox gauges (called every second by the metrics ticker)."""
        metrics.OUTBOX_DEPTH.set(self.pending)
        metrics.OUTBOX_OLDEST.set(self.oldest_age())

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is pending (for shutdown and tests)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._waiting, timeout=timeout)

    def close(self, timeout: float = 5.0) -> None:
        self.drain(timeout)
        with self._lock:
            self._closed = True
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
