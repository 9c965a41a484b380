"""Private replies that survive the process: an acknowledged click is a stored answer whose
`replied_at` stays NULL until its reply reached Slack. Marks are batched (one executemany a
quarter second, not a write per click); the leader sends what a replica that died or stopped
left owed, and refreshes the answer counts it left stale.

Why not a queue table of rendered replies: the answer row already holds everything the reply
says, so owing a reply costs one nullable column instead of a second insert per click."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from bot.clock import Clock
from bot.services.answering import Answering
from bot.services.counts import CountRefresher
from bot.services.outbox import LATER_DELAYS_S, Outbox
from bot.slack.clients import SlackClients
from db.engine import Database
from db.queries import replies as queries

logger = logging.getLogger(__name__)

# A reply is owed once the sender's own retries are over (the outbox tries for ~3 minutes),
# so the leader never races a live replica that is still trying.
DEFAULT_RESEND_AFTER_S = sum(LATER_DELAYS_S) + 55.0
GIVE_UP_AFTER = dt.timedelta(days=1)  # a reply a day late helps no one
FLUSH_SECONDS = 0.25
CATCH_UP_BATCH = 500


class OwedReplies:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        answering: Answering,
        clients: SlackClients,
        outbox: Outbox,
        counts: CountRefresher,
        resend_after_s: float = DEFAULT_RESEND_AFTER_S,
    ) -> None:
        self.db = db
        self.clock = clock
        self.answering = answering
        self.clients = clients
        self.outbox = outbox
        self.counts = counts
        self.resend_after = dt.timedelta(seconds=resend_after_s)
        self._lock = threading.Lock()
        self._sent: list[tuple[int, str]] = []
        self._resending: dict[tuple[int, str], float] = {}  # submitted by catch_up, monotonic time
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    # -- every replica: marking replies sent ------------------------------------------------
    def sent(self, post_id: int, user_id: str) -> None:
        """The reply to this answer reached Slack (called from the outbox thread)."""
        with self._lock:
            self._sent.append((post_id, user_id))
            self._resending.pop((post_id, user_id), None)

    def flush(self) -> int:
        with self._lock:
            batch, self._sent = self._sent, []
        if batch:
            try:
                with self.db.writing() as session:
                    queries.mark_replied(session=session, answers=batch, now=self.clock.now())
            except Exception:
                with self._lock:  # try again on the next flush; the reply is not resent meanwhile
                    self._sent[:0] = batch
                raise
        return len(batch)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="reply-marks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:
                logger.warning("could not mark replies sent; will try again", exc_info=True)

    def stop(self) -> None:
        """Write the last marks (after the outbox drained)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * FLUSH_SECONDS)
        try:
            self.flush()
        except Exception:  # the replies are resent by the leader: a duplicate, never a loss
            logger.warning("could not mark the last replies sent", exc_info=True)

    # -- the leader: finishing what others left ---------------------------------------------
    def catch_up(self) -> int:
        """Send the replies owed past the grace period and refresh counts left stale; the
        number of replies queued."""
        now = self.clock.now()
        with self.db.writing() as session:
            queries.give_up_replies(session=session, answered_before=now - GIVE_UP_AFTER)
        with self.db.reading() as session:
            owed = queries.owed_replies(
                session=session,
                answered_before=now - self.resend_after,
                answered_after=now - GIVE_UP_AFTER,
                limit=CATCH_UP_BATCH,
            )
            stale = queries.stale_counts(session=session, quiet_since=now - self.counts.window)
        for post_id in stale:
            self.counts.answered(post_id)
        queued = 0
        for item in owed:
            key = (item.post_id, item.user_id)
            with self._lock:
                if time.monotonic() - self._resending.get(key, -1e9) < self.resend_after.total_seconds():
                    continue  # already queued by an earlier round
                self._resending[key] = time.monotonic()
            reply = self.answering.stored_reply(post_id=item.post_id, user_id=item.user_id)
            client = self.clients.for_team(item.team_id)
            if reply is None or client is None:
                self.sent(*key)  # nothing to say any more (question gone, app uninstalled)
                continue

            def send(item=item, reply=reply, client=client) -> None:
                client.chat_postEphemeral(channel=item.channel_id, user=item.user_id, **reply.payload())
                self.sent(item.post_id, item.user_id)

            self.outbox.submit(
                send, f"owed reply to {item.user_id} in {item.channel_id}", team_id=item.team_id
            )
            queued += 1
        if queued or stale:
            logger.info("caught up: %d owed replies queued, %d stale counts refreshed", queued, len(stale))
        return queued
