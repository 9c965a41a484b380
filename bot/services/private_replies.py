"""Private replies: every reply to a click or a slash command goes to that interaction's
response_url (SPEC §4, §11: no Web API budget), through the outbox, off the request thread.
chat.postEphemeral is the fallback when the URL fails, has expired or is used up, and the way
the leader sends the verdicts a stopped or dead replica left owed.

A daily answer owes its verdict until Slack took it: the answer row's `replied_at` stays NULL
until then (marks are written in batches, every quarter second, by the outbox's loop), and the
leader sends what is still owed after REPLY_RESEND_SECONDS. A live replica stops trying its
own verdict before that (its send's deadline), so the two never race."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from bot import metrics
from bot.blocks.reply import Reply
from bot.clock import Clock
from bot.slack.clients import SlackClients
from bot.slack.outbox import FALLBACK, OWED, REPLY, GiveUp, Outbox, Retry, Send
from bot.slack.response_urls import ResponseUrls
from db.engine import Database
from db.queries import owed as queries

logger = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME_S = 30 * 60  # Slack's: 5 uses within 30 minutes
URL_TRIES = 3  # a response_url failing this often (1 s, then 2 s apart) gives way to the Web API
GIVE_UP_AFTER = dt.timedelta(days=1)  # a verdict a day late helps no one
MARK_SECONDS = 0.25
CATCH_UP_BATCH = 500
GIVE_WAY_SHARE = 0.75  # a live replica gives its verdict up at this share of REPLY_RESEND_SECONDS


@dataclass(eq=False)
class ReplySend(Send):
    """One private reply: its response_url first, then (if it fails) chat.postEphemeral in the
    channel, or a DM when there is no channel."""

    replies: PrivateReplies | None = None
    response_url: str | None = None
    channel_id: str | None = None
    user_id: str = ""
    reply: Reply | None = None
    replace_original: bool = False
    answer: tuple[int, str] | None = None  # the daily answer (post, user) this verdict is for

    def attempt(self) -> None:
        assert self.replies is not None and self.reply is not None
        if self.method is None and self.response_url:
            self._through_response_url()
        else:
            self._through_web_api()
        if self.answer is not None:
            self.replies.sent(self.answer)

    def _through_response_url(self) -> None:
        assert self.replies is not None and self.reply is not None and self.response_url
        payload = {
            "response_type": "ephemeral",
            "replace_original": self.replace_original,
            **self.reply.payload(),
        }
        try:
            status = self.replies.response_urls.post(self.response_url, payload)
        except OSError as error:
            metrics.SLACK_CALLS.labels(method="response_url", result="error").inc()
            if self.tries < URL_TRIES:
                raise Retry(f"response_url unreachable ({type(error).__name__})") from None
            status = 0
        if status:
            metrics.SLACK_CALLS.labels(method="response_url", result=metrics.slack_result(status)).inc()
        if 200 <= status < 300:
            return
        if status >= 500 and self.tries < URL_TRIES:
            raise Retry(f"response_url answered {status}")
        # Expired, used up (Slack allows 5 uses) or failing: the Web API instead.
        self.response_url = None
        if self.channel_id or self.user_id:
            self.kind = FALLBACK
            self.method = "chat.postEphemeral" if self.channel_id else "chat.postMessage"
            self.channel = None if self.channel_id else self.user_id
            raise Retry(f"response_url answered {status or 'nothing'}; sending it another way", after=0.0)
        raise GiveUp(f"response_url answered {status}")

    def _through_web_api(self) -> None:
        assert self.replies is not None and self.reply is not None
        client = self.replies.clients.for_team(self.team_id)
        if client is None:
            raise GiveUp("not installed")
        if self.channel_id:
            client.chat_postEphemeral(channel=self.channel_id, user=self.user_id, **self.reply.payload())
        else:  # posting to a person's id puts it in the app's DM with them
            client.chat_postMessage(channel=self.user_id, **self.reply.payload())


class PrivateReplies:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        clients: SlackClients,
        outbox: Outbox,
        stored_reply: Callable[[int, str], Reply | None],
        resend_after_s: float,
        response_urls: ResponseUrls | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.clients = clients
        self.outbox = outbox
        self.stored_reply = stored_reply  # the verdict of a stored answer, as it stands now
        self.resend_after = dt.timedelta(seconds=resend_after_s)
        self.response_urls = response_urls or ResponseUrls()
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._marks: list[tuple[int, str]] = []
        self._resent: dict[tuple[int, str], float] = {}  # owed verdicts queued here, when
        outbox.every(MARK_SECONDS, self.flush)

    # -- sending ---------------------------------------------------------------------------
    def send(
        self,
        *,
        team_id: str,
        user_id: str,
        reply: Reply,
        response_url: str | None = None,
        channel_id: str | None = None,
        replace_original: bool = False,
        answer: tuple[int, str] | None = None,
    ) -> Future:
        """Reply privately: through `response_url` when the interaction gave one, else (App
        Home has none) with chat.postEphemeral in the channel or a DM."""
        lifetime = RESPONSE_URL_LIFETIME_S
        if answer is not None:  # past this the leader sends it (catch_up): stop well before
            lifetime = self.resend_after.total_seconds() * GIVE_WAY_SHARE
        send = ReplySend(
            kind=REPLY if response_url else FALLBACK,
            team_id=team_id,
            what=f"private reply to {user_id}",
            method=None if response_url else ("chat.postEphemeral" if channel_id else "chat.postMessage"),
            channel=None if response_url or channel_id else user_id,
            deadline=self._monotonic() + lifetime,
            replies=self,
            response_url=response_url,
            channel_id=channel_id,
            user_id=user_id,
            reply=reply,
            replace_original=replace_original,
            answer=answer,
        )
        return self.outbox.submit(send)

    # -- marking verdicts sent -------------------------------------------------------------
    def sent(self, answer: tuple[int, str]) -> None:
        with self._lock:
            self._marks.append(answer)

    def flush(self) -> int:
        """Write the marks of verdicts Slack took since the last flush (one statement)."""
        with self._lock:
            batch, self._marks = self._marks, []
        if batch:
            try:
                with self.db.writing() as session:
                    queries.mark_replied(session=session, answers=batch, now=self.clock.now())
            except Exception:
                with self._lock:  # next time; meanwhile the verdict is not sent again
                    self._marks[:0] = batch
                raise
        return len(batch)

    # -- the leader: verdicts others left owed ---------------------------------------------
    def catch_up(self) -> int:
        """Queue the verdicts owed past REPLY_RESEND_SECONDS (chat.postEphemeral: their
        response_urls belonged to another process's send); how many were queued."""
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
        queued = 0
        started = self._monotonic()
        with self._lock:  # an earlier round's send may be in flight: not queued twice
            self._resent = {
                key: at
                for key, at in self._resent.items()
                if started - at < self.resend_after.total_seconds()
            }
        for item in owed:
            answer = (item.post_id, item.user_id)
            with self._lock:
                if answer in self._resent:
                    continue
                self._resent[answer] = started
            reply = self.stored_reply(item.post_id, item.user_id)
            if reply is None:
                self.sent(answer)  # nothing to say any more (the question is gone)
                continue
            send = ReplySend(
                kind=OWED,
                team_id=item.team_id,
                what=f"owed reply to {item.user_id} in {item.channel_id}",
                method="chat.postEphemeral",
                key=("owed", item.post_id, item.user_id),
                newest_wins=False,
                deadline=self._monotonic() + self.resend_after.total_seconds(),
                replies=self,
                channel_id=item.channel_id,
                user_id=item.user_id,
                reply=reply,
                answer=answer,
            )
            self.outbox.submit(send)
            queued += 1
        if queued:
            logger.info("caught up: %d owed replies queued", queued)
        return queued
