"""Threads shared fairly by workspace (daily posts, reminder DMs): a free thread takes the next item of the
workspace with the fewest items in flight (ties: the one served longest ago), so one slow or
rate-limited workspace holds only its share of the threads while others wait, and a
workspace alone gets them all. Every
posting pass (the minute's cron jobs, the schedule sync, catch-up after an outage) queues
into the same pool, so the fairness holds across them."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class PoolStopped(RuntimeError):
    """Work offered to a pool that has stopped: the process is shutting down."""


class FairPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Condition()
        self._queues: dict[str, deque[tuple[Callable[[], object], Future]]] = {}
        self._in_flight: Counter[str] = Counter()
        self._served: dict[str, int] = {}  # team -> the turn it was last served in
        self._turn = 0
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._stopped = False

    def submit(self, team_id: str, call: Callable[[], Result]) -> Future[Result]:
        """Run `call` on a posting thread, in its workspace's turn."""
        return self._enqueue([(team_id, call)])[0]

    def map(
        self, items: Sequence[Item], post: Callable[[Item], Result], *, team_of: Callable[[Item], str]
    ) -> list[Result]:
        """`post` over every item, fairly; the results once all are done (the first error, if
        any, raised after the others finished). All items are queued at once, so the first
        workspace listed does not take every thread before the others are even queued."""
        futures = self._enqueue([(team_of(item), lambda item=item: post(item)) for item in items])
        errors = [future.exception() for future in futures]
        for error in errors:
            if error is not None:
                raise error
        return [future.result() for future in futures]

    def _enqueue(self, calls: list[tuple[str, Callable[[], Result]]]) -> list[Future[Result]]:
        futures: list[Future[Result]] = []
        with self._lock:
            if self._stopped:
                raise PoolStopped("the posting pool is stopped")
            for team_id, call in calls:
                future: Future[Result] = Future()
                self._queues.setdefault(team_id, deque()).append((call, future))
                futures.append(future)
            wanted = min(len(calls), self.workers - len(self._threads)) - self._idle
            for _ in range(max(wanted, 0)):
                thread = threading.Thread(target=self._work, name=f"post-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._lock.notify_all()
        return futures

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def _take(self) -> tuple[str, Callable[[], object], Future] | None:
        with self._lock:
            while not self._queues:
                if self._stopped:
                    return None
                self._idle += 1
                self._lock.wait()
                self._idle -= 1
            team = min(self._queues, key=lambda t: (self._in_flight[t], self._served.get(t, -1)))
            call, future = self._queues[team].popleft()
            if not self._queues[team]:
                del self._queues[team]
            self._in_flight[team] += 1
            self._turn += 1
            self._served[team] = self._turn
            return team, call, future

    def _work(self) -> None:
        while (taken := self._take()) is not None:
            team, call, future = taken
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(call())
                    except BaseException as error:
                        future.set_exception(error)
            finally:
                with self._lock:
                    self._in_flight[team] -= 1
