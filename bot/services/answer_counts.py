"""The answer count on a daily question's message: at most one chat.update per message per
window across all replicas (the slot is claimed in the database), the latest count always
shown in the end.

A count is a send with a newest-wins key (one per message) in the outbox. Counts share
chat.update's workspace budget (50 a minute) with reveals, which go first: with many open
questions in one workspace each message simply waits longer for its turn, so the sum stays
within the budget while every message keeps coming round, and the last count still lands."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.blocks.question import render_daily_question
from bot.clock import Clock
from bot.services.catalog import QuestionCatalog
from bot.slack.clients import SlackClients
from bot.slack.outbox import COUNT, GiveUp, Outbox, Retry, Send
from db.engine import Database
from db.queries import owed as owed_queries
from db.queries import posts as post_queries

logger = logging.getLogger(__name__)

# How long a claimed slot reads as taken while its send is under way: longer than a send
# takes, so it mostly matters when the sender died mid-send (the leader's catch-up then sends
# the count once it lapses). A send that outlives it marks what the message shows as unknown,
# and the catch-up sends the count again.
SEND_HOLD = dt.timedelta(seconds=60)


@dataclass(eq=False)
class CountSend(Send):
    counts: AnswerCounts | None = None
    post_id: int = 0

    def attempt(self) -> None:
        assert self.counts is not None
        self.counts.refresh(self.post_id)


class AnswerCounts:
    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clients: SlackClients,
        clock: Clock,
        outbox: Outbox,
        window_seconds: float,
        on_closed: Callable[[int, str], object] | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clients = clients
        self.clock = clock
        self.outbox = outbox
        self.window = dt.timedelta(seconds=window_seconds)
        self.on_closed = on_closed  # reveal again: an update racing the close may hide the reveal
        self._lock = threading.Lock()
        # When this process may next try for a post's slot: saves a slot claim per click.
        self._not_before: dict[int, dt.datetime] = {}

    def answered(self, post_id: int, *, team_id: str) -> None:
        """An answer to `post_id` (in workspace `team_id`) was stored: its count goes out when
        the message's window opens (no database work on the caller's request thread)."""
        now = self.clock.now()
        with self._lock:
            not_before = self._not_before.get(post_id)
        delay = max((not_before - now).total_seconds(), 0.0) if not_before else 0.0
        self.outbox.submit(
            CountSend(
                kind=COUNT,
                team_id=team_id,
                what=f"answer count of post {post_id}",
                method="chat.update",
                key=("count", post_id),
                due=self.outbox.now() + delay,
                counts=self,
                post_id=post_id,
            )
        )

    def refresh(self, post_id: int) -> None:
        """Claim this window's slot and send the count. The slot is claimed right before the
        send and moved to the send's end after it, so two updates of one message, from any
        replicas, reach Slack at least a window apart."""
        with self.db.writing() as session:
            # The clock is read once the transaction (on SQLite, the write lock) is held: a
            # `now` taken before waiting would open the window early.
            now = self.clock.now()
            held = now + SEND_HOLD
            claimed = post_queries.claim_count_refresh(
                session=session, post_id=post_id, now=now, window=self.window, hold=held
            )
            post = post_queries.get_post(session=session, post_id=post_id)
            answered = post_queries.answer_counts(session=session, post_id=post_id)[0] if claimed else 0
        if post is None or post.status != post_queries.OPEN:
            raise GiveUp("the question is not open")
        if not claimed:
            # Refreshed within the window (maybe by another replica), or a send is under way:
            # come back when the window opens.
            refreshed = min(post.count_refreshed_at or now, now)
            with self._lock:
                self._not_before[post_id] = refreshed + self.window
            raise Retry(
                "window not open yet", after=max((refreshed + self.window - now).total_seconds(), 0.05)
            )
        question = self.catalog.posted(post)
        lesson = self.catalog.lesson_of(post.team_id, question) if question else None
        client = self.clients.for_team(post.team_id)
        shown = False
        try:
            if question is None or lesson is None or not post.message_ts or client is None:
                raise GiveUp("nothing to update")
            text, blocks = render_daily_question(
                post_id=post_id, question=question, lesson=lesson, answered=answered
            )
            client.chat_update(channel=post.channel_id, ts=post.message_ts, text=text, blocks=blocks)
            shown = True
        finally:
            with self.db.writing() as session:
                ended = self.clock.now()
                owed_queries.count_sent(
                    session=session,
                    post_id=post_id,
                    held=held,
                    sent_at=ended,
                    answered=answered if shown else None,
                )
            with self._lock:
                self._not_before[post_id] = ended + self.window
        self._after_send(post_id)

    def _after_send(self, post_id: int) -> None:
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
        if post is not None and post.status == post_queries.CLOSED and self.on_closed is not None:
            self.on_closed(post_id, post.team_id)

    # -- the leader: counts others left stale ----------------------------------------------
    def catch_up(self) -> int:
        """Send the count of every open question whose message shows a figure other than its
        stored answers, and that nobody answered within the window (a live refresher is not
        racing): the refresh was lost with the replica that would have sent it."""
        with self.db.reading() as session:
            stale = owed_queries.stale_counts(session=session, quiet_since=self.clock.now() - self.window)
        for post_id, team_id in stale:
            self.answered(post_id, team_id=team_id)
        return len(stale)
