"""The one way out to Slack: everything the app sends (private replies, daily posts, close and
reveal, answer counts, App Home, reminder DMs, recaps, replies owed after a crash) is a `Send`
queued here, in one queue, under one retry policy, drawing from one set of budgets.

- One loop per process takes the sends that are due, in priority order (SPEC §11: daily posts
  and reveals first — with the private replies, which draw no Web API budget — then reply
  fallbacks and owed replies, answer counts, App Home, reminder DMs and recaps), and within a
  priority fairly across workspaces (the workspace with the fewest sends in flight first).
- A send that calls the Web API takes its grant from the budget gate (`bot.slack.budget`)
  before it is handed to a worker, so no worker sits waiting for budget and a send waits in
  the queue instead of drawing a 429.
- One retry policy: a 429 waits out its Retry-After (the gate pauses that budget everywhere);
  a 5xx, a reset or a timeout backs off 1, 2, 4 ... 60 s; anything else is final. slack_sdk's
  own retry handlers are off (bot.slack.clients), so retries never stack.
- Every send has a deadline, or a newest-wins key (one count per message, one App Home per
  person): a send superseded or past its deadline is dropped and counted, never sent late.
- Durability is not kept here: it lives in the rows that cause the sends (a daily post's
  claim, the answer that owes its verdict), so a send lost with the process is sent again by
  whoever finds its row unfinished.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import logging
import math
import random
import threading
import time
import urllib.error
from collections import Counter, deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.slack.budget import BudgetExhausted, BudgetGate
from bot.slack.clients import pregranted, retry_after_of

logger = logging.getLogger(__name__)

WORKERS = 16
MAX_BACKOFF_S = 60.0
MAX_TRIES = 12  # a send failing this often is dropped even before its deadline


@dataclass(frozen=True)
class Kind:
    """What a send is, and its priority when budgets or workers are short (lower goes first)."""

    name: str
    priority: int


POST = Kind("post", 0)  # a daily question
REVEAL = Kind("reveal", 0)  # a closed question's reveal
REPLY = Kind("reply", 0)  # a private reply through its interaction's response_url (no budget)
FALLBACK = Kind("fallback", 1)  # a private reply through the Web API (the response_url failed)
OWED = Kind("owed", 1)  # a verdict a stopped or dead replica left owed
COUNT = Kind("count", 2)  # a daily question's answer count
HOME = Kind("home", 3)  # App Home
REMINDER = Kind("reminder", 4)  # a reminder DM
RECAP = Kind("recap", 4)  # a monthly recap
KINDS = (POST, REVEAL, REPLY, FALLBACK, OWED, COUNT, HOME, REMINDER, RECAP)


class Retry(Exception):
    """Try this send again after `after` seconds (None: the outbox's backoff)."""

    def __init__(self, why: str, *, after: float | None = None) -> None:
        super().__init__(why)
        self.after = after


class GiveUp(Exception):
    """This send is over without being sent (nothing left to say, or Slack refused for good)."""


class Dropped(Exception):
    """Set on a send's future when the outbox dropped it: expired, superseded, uninstalled,
    failed, or the process stopped."""


@dataclass(eq=False)
class Send:
    """One thing to send. `attempt` makes one try (at most one budgeted Web API call, of
    `method`; it may change `method` and raise Retry to try another way, e.g. a reply's
    fallback). Its return value resolves `future`."""

    kind: Kind
    team_id: str
    what: str  # for logs (never a token)
    method: str | None = None  # the Web API budget it draws; None for response_url posts
    channel: str | None = None  # chat.postMessage's channel (its per-channel spacing)
    key: Hashable | None = None  # one queued send per key: the newest (or, below, the first)
    newest_wins: bool = True  # False: a send already queued under the key stands
    deadline: float = math.inf  # monotonic; dropped (never sent late) after it
    due: float = 0.0  # monotonic; not tried before it
    future: Future = field(default_factory=Future)
    tries: int = 0
    queued_at: float = 0.0
    place: int = 0  # its place in line, from its first submission: a send back in line keeps it
    _context: contextvars.Context | None = None
    _cancelled: bool = False

    def attempt(self) -> Any:  # pragma: no cover - every kind of send defines its own
        raise NotImplementedError

    def dropped(self, reason: str) -> None:
        """Told when the outbox gives this send up (a hook for its durable row)."""


@dataclass(eq=False)
class Call(Send):
    """A send that is one call."""

    call: Callable[[], Any] = lambda: None

    def attempt(self) -> Any:
        return self.call()


class Outbox:
    def __init__(
        self,
        *,
        gate: BudgetGate,
        installed: Callable[[str], bool] | None = None,
        workers: int = WORKERS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gate = gate
        self._installed = installed  # None: single-workspace mode, always installed
        self._monotonic = monotonic
        self._workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._places = itertools.count()
        self._waiting: list[tuple[float, int, Send]] = []  # heap by due
        self._ready: dict[tuple[int, str, str | None], deque[Send]] = {}  # (priority, team, method)
        self._keyed: dict[Hashable, Send] = {}  # queued (not in flight) sends by key
        self._blocked: dict[tuple[str, str], float] = {}  # (team, method) -> no budget until
        self._in_flight: Counter[str] = Counter()  # by team
        self._bucket_flight: Counter[tuple[int, str, str | None]] = Counter()
        self._busy = 0
        self._handing_out = 0  # taken from their queue, not yet with a worker (or back in line)
        self._served: dict[str, int] = {}
        self._turn = 0
        self._ticks: list[tuple[float, float, Callable[[], object]]] = []  # (interval, next, fn)
        self._stopping = False
        self._stopped = False
        self.dropped: Counter[tuple[str, str]] = Counter()  # (kind, reason)
        self._thread = threading.Thread(target=self._loop, name="outbox-loop", daemon=True)
        self._thread.start()

    def now(self) -> float:
        """The outbox's clock (monotonic seconds): what `due` and `deadline` are measured in."""
        return self._monotonic()

    # -- queueing ----------------------------------------------------------------------------
    def submit(self, send: Send) -> Future:
        """Queue a send (in the caller's log context); its future resolves with its result."""
        send._context = contextvars.copy_context()
        now = self._monotonic()
        send.queued_at = now
        send.due = max(send.due, now) if send.due else now
        with self._cond:
            if self._stopping:
                self._drop(send, "stopped")
                return send.future
            if send.key is not None:
                earlier = self._keyed.get(send.key)
                if earlier is not None and not send.newest_wins:
                    return earlier.future
                if earlier is not None:
                    earlier._cancelled = True
                    ready = self._ready.get((earlier.kind.priority, earlier.team_id, earlier.method))
                    if ready and earlier in ready:  # (one waiting for its due time is skipped later)
                        ready.remove(earlier)
                    self._drop(earlier, "superseded")
                self._keyed[send.key] = send
            send.place = next(self._places)
            heapq.heappush(self._waiting, (send.due, next(self._seq), send))
            self._cond.notify_all()
        return send.future

    def every(self, interval: float, job: Callable[[], object]) -> None:
        """Run `job` every `interval` seconds on the outbox's loop (short bookkeeping only)."""
        with self._cond:
            self._ticks.append((interval, self._monotonic() + interval, job))
            self._cond.notify_all()

    # -- the loop ----------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                now = self._monotonic()
                self._promote(now)
                choices = self._choose(now)
                if not choices:
                    self._cond.wait(timeout=self._sleep_for(now))
            self._run_ticks()
            for bucket, wanted in choices:
                try:
                    self._dispatch(bucket, wanted)
                except Exception:  # the loop must outlive any one send's trouble
                    logger.exception("the outbox could not hand out %s's sends", bucket[1] or "a workspace")

    def _promote(self, now: float) -> None:
        """Move due sends to their ready queues; drop those past their deadline."""
        while self._waiting and self._waiting[0][0] <= now:
            _, _, send = heapq.heappop(self._waiting)
            if send._cancelled:
                continue
            if now > send.deadline:
                self._forget_key(send)
                self._drop(send, "expired")
                continue
            self._in_line(
                self._ready.setdefault((send.kind.priority, send.team_id, send.method), deque()), send
            )

    @staticmethod
    def _in_line(sends: deque[Send], send: Send) -> None:
        """Put a ready send at its place in its bucket's line (first submitted, first served).
        A new send goes last; one back from a wait (a retry, a channel's spacing, a grant
        lost to a race at the budget's edge) goes before everything submitted after it, so
        reminders keep the order of each person's chosen time however long the line."""
        if not sends or sends[-1].place < send.place:
            sends.append(send)
            return
        for index, queued in enumerate(sends):
            if queued.place > send.place:
                sends.insert(index, send)
                return
        sends.append(send)

    def _choose(self, now: float) -> list[tuple[tuple[int, str, str | None], int]]:
        """Buckets to serve now, with how many sends each: by priority, then the workspace
        with the fewest sends in flight (ties: served longest ago). A bucket that already holds
        its share of the workers (a quarter of them, at least one) goes behind every bucket
        below its share, and every ready bucket gets a worker before any gets a second: so a
        stream of verdicts (which draw no budget) never starves the counts behind them of
        workers, and budgets still go by priority, as the buckets ask the gate in this order."""
        free = self._workers - self._busy
        if free <= 0:
            return []
        buckets = [
            bucket
            for bucket, sends in self._ready.items()
            if sends and (bucket[2] is None or self._blocked.get((bucket[1], bucket[2]), 0.0) <= now)
        ]
        share = max(1, self._workers // 4)
        buckets.sort(
            key=lambda b: (
                self._bucket_flight[b] >= share,
                b[0],
                self._in_flight[b[1]],
                self._served.get(b[1], -1),
            )
        )
        wanted = dict.fromkeys(buckets, 0)
        for bucket in buckets:  # one each, in order
            if free <= 0:
                break
            wanted[bucket], free = 1, free - 1
        for bucket in buckets:  # then the rest, in order
            if free <= 0:
                break
            more = min(free, len(self._ready[bucket]) - wanted[bucket])
            wanted[bucket] += more
            free -= more
        return [(bucket, count) for bucket, count in wanted.items() if count]

    def _dispatch(self, bucket: tuple[int, str, str | None], wanted: int) -> None:
        """Take grants for up to `wanted` sends of one bucket (outside the lock: the gate may
        ask the database) and hand the granted ones to workers; the rest go back in line."""
        _, team_id, method = bucket
        with self._cond:
            sends = self._ready.get(bucket, deque())
            candidates = []
            now = self._monotonic()
            while sends and len(candidates) < wanted:
                send = sends.popleft()
                if send._cancelled:
                    continue
                if now > send.deadline:  # waited in line for budget past its deadline
                    self._forget_key(send)
                    self._drop(send, "expired")
                    continue
                # Being handed out: a newer send under its key now queues behind it instead
                # of cancelling it (which would waste the grant it is about to get).
                self._forget_key(send)
                candidates.append(send)
            self._handing_out += len(candidates)
        granted: list[Send] = []
        later: list[tuple[Send, float]] = []  # chat.postMessage to a channel posted to just now
        if method is None:
            granted = candidates  # response_url posts draw no budget
        elif method == "chat.postMessage":
            for send in candidates:
                if self.gate.take(team_id, method, channel=send.channel):
                    granted.append(send)
                elif self.gate.wait_time(team_id, method) <= 0:
                    later.append((send, self.gate.wait_time(team_id, method, channel=send.channel)))
                else:
                    break
        else:
            granted = candidates[: self.gate.take(team_id, method, len(candidates))]
        back = [send for send in candidates if send not in granted and all(send is not s for s, _ in later)]
        with self._cond:
            back = [send for send in back if self._back_in_line(send)]
            if back:
                sends = self._ready.setdefault(bucket, deque())
                sends.extendleft(reversed(back))
                assert method is not None
                self._blocked[(team_id, method)] = self._monotonic() + max(
                    self.gate.wait_time(team_id, method), 0.05
                )
            for send, delay in later:
                if self._back_in_line(send):
                    self._requeue_later(send, delay)
            self._handing_out -= len(candidates)
            granted = [send for send in granted if not send._cancelled]
            for _ in granted:
                self._busy += 1
                self._in_flight[team_id] += 1
                self._bucket_flight[bucket] += 1
                self._turn += 1
                self._served[team_id] = self._turn
        for send in granted:
            self._executor.submit(self._run, send)

    def _back_in_line(self, send: Send) -> bool:
        """A send that got no grant goes back in line under its key, unless a newer one took
        the key meanwhile (then it is superseded). Called with the lock held."""
        if send.key is None:
            return True
        if send.key in self._keyed:
            if send.newest_wins:
                self._drop(send, "superseded")
                return False
            return True  # both stay in line; the later one finds the work done (its claim)
        self._keyed[send.key] = send
        return True

    def _requeue_later(self, send: Send, delay: float) -> None:
        send.due = self._monotonic() + max(delay, 0.05)
        heapq.heappush(self._waiting, (send.due, next(self._seq), send))

    def _sleep_for(self, now: float) -> float:
        wake = now + 1.0
        if self._waiting:
            wake = min(wake, self._waiting[0][0])
        if self._ticks:
            wake = min(wake, min(next_at for _, next_at, _ in self._ticks))
        ready_blocked = [
            self._blocked.get((team, method), 0.0)
            for (_, team, method), sends in self._ready.items()
            if sends and method is not None
        ]
        if ready_blocked and self._busy < self._workers:
            wake = min(wake, min(ready_blocked))
        return max(wake - now, 0.005)

    def _run_ticks(self) -> None:
        now = self._monotonic()
        due: list[Callable[[], object]] = []
        with self._cond:
            for index, (interval, next_at, job) in enumerate(self._ticks):
                if next_at <= now:
                    self._ticks[index] = (interval, now + interval, job)
                    due.append(job)
        for job in due:
            try:
                job()
            except Exception:
                logger.warning("outbox bookkeeping failed; trying again later", exc_info=True)

    # -- one attempt -------------------------------------------------------------------------
    def _run(self, send: Send) -> None:
        assert send._context is not None
        send._context.run(self._attempt, send)

    def _attempt(self, send: Send) -> None:
        send.tries += 1
        retry_in: float | None = None
        try:
            if self._installed is not None and not self._installed(send.team_id):
                raise Dropped("uninstalled")
            if send.method is not None:
                with pregranted(send.team_id, send.method):
                    result = send.attempt()
            else:
                result = send.attempt()
        except Retry as retry:
            retry_in = retry.after if retry.after is not None else self._backoff(send)
            reason = "retry"
            logger.info("%s: %s; trying again in %.1f s", send.what, retry, retry_in)
        except BudgetExhausted:
            retry_in = max(self.gate.wait_time(send.team_id, send.method or ""), 0.5)
            reason = "budget"
        except SlackApiError as error:
            status = error.response.status_code
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            if status == 429:
                retry_in = retry_after_of(error.response)
                reason = "429"
            elif status >= 500:
                retry_in = self._backoff(send)
                reason = "5xx"
                logger.warning("%s failed (%s); trying again in %.0f s", send.what, status, retry_in)
            else:
                self._finish(send, failure=f"slack_error:{code or status}")
                logger.warning("%s failed: %s", send.what, code or status)
                return
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            retry_in = self._backoff(send)
            reason = "connection"
            logger.warning(
                "%s failed (%s); trying again in %.0f s", send.what, type(error).__name__, retry_in
            )
        except GiveUp as over:
            self._finish(send, failure=f"gave_up:{over}", log=False)
            return
        except Dropped as dropped:
            self._finish(send, failure=str(dropped), log=False)
            return
        except Exception:
            logger.exception("%s failed", send.what)
            self._finish(send, failure="error")
            return
        else:
            self._finish(send, result=result)
            return
        metrics.SLACK_RETRIES.labels(reason=reason).inc()
        self._finish(send, retry_in=retry_in)

    def _backoff(self, send: Send) -> float:
        return min(2.0 ** (send.tries - 1), MAX_BACKOFF_S) * random.uniform(0.8, 1.2)

    def _finish(
        self,
        send: Send,
        *,
        result: Any = None,
        retry_in: float | None = None,
        failure: str | None = None,
        log: bool = True,
    ) -> None:
        with self._cond:
            self._busy -= 1
            self._in_flight[send.team_id] -= 1
            if not self._in_flight[send.team_id]:
                del self._in_flight[send.team_id]
            bucket = (send.kind.priority, send.team_id, send.method)
            self._bucket_flight[bucket] -= 1
            if not self._bucket_flight[bucket]:
                del self._bucket_flight[bucket]
            if retry_in is not None:
                due = self._monotonic() + retry_in
                if self._stopping or due > send.deadline or send.tries >= MAX_TRIES:
                    self._drop(send, "stopped" if self._stopping else "expired")
                elif send.key is not None and send.key in self._keyed:
                    self._drop(send, "superseded")  # a newer one is queued already
                else:
                    if send.key is not None:
                        self._keyed[send.key] = send
                    send.due = due
                    heapq.heappush(self._waiting, (due, next(self._seq), send))
            elif failure is not None:
                self._drop(send, failure.split(":", 1)[0], log=log)
            else:
                send.future.set_result(result)
            self._cond.notify_all()

    def _forget_key(self, send: Send) -> None:
        if send.key is not None and self._keyed.get(send.key) is send:
            del self._keyed[send.key]

    def _drop(self, send: Send, reason: str, *, log: bool = True) -> None:
        self.dropped[(send.kind.name, reason)] += 1
        metrics.OUTBOX_DROPPED.labels(kind=send.kind.name, reason=reason).inc()
        if log and reason not in ("superseded", "gave_up"):
            logger.info("%s dropped (%s)", send.what, reason)
        try:
            send.dropped(reason)
        except Exception:
            logger.warning("%s: its drop hook failed", send.what, exc_info=True)
        if not send.future.done():
            send.future.set_exception(Dropped(reason))

    # -- reading -----------------------------------------------------------------------------
    def backlog(self) -> dict[str, dict[str, float]]:
        """Per kind: sends queued, and how late the oldest is past its due time (seconds)."""
        now = self._monotonic()
        out = {kind.name: {"queued": 0, "late": 0.0} for kind in KINDS}
        with self._cond:
            queued = [send for _, _, send in self._waiting if not send._cancelled]
            queued.extend(send for sends in self._ready.values() for send in sends if not send._cancelled)
        for send in queued:
            entry = out.setdefault(send.kind.name, {"queued": 0, "late": 0.0})
            entry["queued"] += 1
            entry["late"] = max(entry["late"], now - send.due)
        return out

    def sample(self) -> None:
        """Update the outbox gauges (the metrics ticker calls this every second)."""
        for kind, entry in self.backlog().items():
            metrics.OUTBOX_DEPTH.labels(kind=kind).set(entry["queued"])
            metrics.OUTBOX_LATE.labels(kind=kind).set(entry["late"])

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight (at most `timeout` seconds)."""
        deadline = self._monotonic() + timeout
        with self._cond:
            while (
                self._busy
                or self._handing_out
                or any(self._ready.values())
                or any(not send._cancelled for _, _, send in self._waiting)
            ):
                remaining = deadline - self._monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=min(remaining, 0.05))
            return True

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued for up to `timeout` seconds, then stop; what is left is dropped
        (its rows still owe it: the leader sends it). The sends in flight finish first, so the
        last bookkeeping (the verdicts' marks) records them."""
        self.drain(timeout)
        with self._cond:
            self._stopping = True
            left = [send for _, _, send in self._waiting if not send._cancelled]
            left.extend(send for sends in self._ready.values() for send in sends if not send._cancelled)
            self._waiting.clear()
            self._ready.clear()
            self._keyed.clear()
            for send in left:
                self._drop(send, "stopped", log=False)
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)  # the loop hands out what it took, then ends
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._run_ticks_now()

    def _run_ticks_now(self) -> None:
        for _, _, job in list(self._ticks):
            try:
                job()
            except Exception:
                logger.warning("outbox bookkeeping at stop failed", exc_info=True)
