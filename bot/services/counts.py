"""The answer count on the channel message, refreshed at most once per message per window
across all replicas (the slot is claimed in the database), the latest count always shown."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.blocks.question import render_daily_question
from bot.clock import Clock
from bot.services.outbox import Outbox
from bot.slack.clients import SlackClients
from content import Bank
from db.engine import Database
from db.queries import posts as post_queries
from db.queries import replies as reply_queries

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Target:
    """The message whose count is refreshed."""

    team_id: str
    channel_id: str
    ts: str | None
    question_id: str


# How long a claimed slot reads as taken while its send is under way: longer than a send takes
# unless Slack keeps failing it (a 10 s timeout, retried with backoff), so it mostly matters
# when the sender died mid-send (the leader's catch-up then refreshes the count once it
# lapses). A send still retrying after it may land after the next one; its late report then
# marks what the message shows as unknown, and the catch-up sends the count again.
SEND_HOLD = dt.timedelta(seconds=60)


class CountRefresher:
    def __init__(
        self,
        *,
        db: Database,
        bank: Bank,
        clients: SlackClients,
        clock: Clock,
        window_seconds: float,
        outbox: Outbox,
        on_closed: Callable[[int], object] | None = None,
    ) -> None:
        self.outbox = outbox
        self.db = db
        self.bank = bank
        self.clients = clients
        self.clock = clock
        self.window = dt.timedelta(seconds=window_seconds)
        self.on_closed = on_closed
        self._lock = threading.Lock()
        self._pending: dict[int, threading.Timer] = {}
        # When this process may next try for a post's slot: saves a write per click.
        self._not_before: dict[int, dt.datetime] = {}
        self._queued: set[int] = set()  # refreshes waiting in the outbox
        self._stopped = False

    def answered(self, post_id: int) -> None:
        """Called after an answer to `post_id` committed: refresh soon, or make sure a
        refresh is pending for when the window opens. No database work on the caller's
        (request) thread: the slot is claimed by the outbox thread that sends."""
        now = self.clock.now()
        with self._lock:
            if post_id in self._pending or post_id in self._queued:
                return
            not_before = self._not_before.get(post_id)
        if not_before is not None and now < not_before:
            self._schedule(post_id, (not_before - now).total_seconds())
            return
        self._queue(post_id)

    def _queue(self, post_id: int) -> None:
        with self._lock:
            if self._stopped or post_id in self._queued:
                return
            self._queued.add(post_id)
        self.outbox.submit(lambda: self._refresh(post_id), f"answer count of post {post_id}")

    def _refresh(self, post_id: int) -> None:
        """Claim this window's slot and send at once. The slot is claimed right before the
        send and moved to the send's end after it, so two sends of one message, from any
        replicas, reach Slack at least a window apart however long an outbox queue or a
        Slack call took (claiming when the click arrived and sending later did not)."""
        with self._lock:
            self._queued.discard(post_id)
        with self.db.writing() as session:
            # Read the clock only once we hold the transaction (and, on SQLite, the write
            # lock): a `now` taken before waiting would open the window early.
            now = self.clock.now()
            held = now + SEND_HOLD
            claimed = post_queries.claim_count_refresh(
                session=session, post_id=post_id, now=now, window=self.window, hold=held
            )
            post = post_queries.get_post(session=session, post_id=post_id)
            answered = post_queries.answer_counts(session=session, post_id=post_id)[0] if claimed else 0
        if post is None or post.status != post_queries.OPEN:
            return
        if not claimed:
            # Someone (maybe another replica) refreshed within the window; come back after it.
            # A slot held by a send still under way (ahead of now) is retried a window on.
            refreshed = min(post.count_refreshed_at or now, now)
            with self._lock:
                self._not_before[post_id] = refreshed + self.window
            self._schedule(post_id, max((refreshed + self.window - now).total_seconds(), 0.05))
            return
        target = _Target(post.team_id, post.channel_id, post.message_ts, post.question_id)
        shown = self._update_message(post_id, target, answered)
        with self.db.writing() as session:
            ended = self.clock.now()
            reply_queries.count_sent(
                session=session,
                post_id=post_id,
                held=held,
                sent_at=ended,
                answered=answered if shown else None,
            )
        with self._lock:
            self._not_before[post_id] = ended + self.window
        self._after_send(post_id)

    def _update_message(self, post_id: int, target: _Target, answered: int) -> bool:
        """chat.update with the count; whether Slack took it."""
        question = self.bank.question(target.question_id)
        lesson = self.bank.lesson(question.lesson_id) if question else None
        client = self.clients.for_team(target.team_id)
        if question is None or lesson is None or not target.ts or client is None:
            return False
        text, blocks = render_daily_question(
            post_id=post_id, question=question, lesson=lesson, answered=answered
        )
        try:
            client.chat_update(channel=target.channel_id, ts=target.ts, text=text, blocks=blocks)
        except (SlackApiError, urllib.error.URLError, OSError) as error:
            logger.warning("could not refresh the answer count of post %s: %s", post_id, error)
            return False
        return True

    def _after_send(self, post_id: int) -> None:
        # If the question closed while we were updating, our update may have put the
        # buttons back over the reveal: render the reveal again.
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
        if post is not None and post.status == post_queries.CLOSED and self.on_closed is not None:
            self.on_closed(post_id)

    def _schedule(self, post_id: int, delay: float) -> None:
        with self._lock:
            if self._stopped or post_id in self._pending:
                return
            timer = threading.Timer(delay, self._fire, args=(post_id,))
            timer.daemon = True
            self._pending[post_id] = timer
        timer.start()

    def _fire(self, post_id: int) -> None:
        with self._lock:
            self._pending.pop(post_id, None)
        try:
            self._queue(post_id)
        except Exception:  # a timer thread must not die silently with the count stale
            logger.exception("refreshing the answer count of post %s failed", post_id)
            self._schedule(post_id, self.window.total_seconds())

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            timers = list(self._pending.values())
            self._pending.clear()
        for timer in timers:
            timer.cancel()
