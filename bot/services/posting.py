"""Posting the daily question exactly once, and closing the previous one with its reveal.

Order of work: claim the (team, channel, quiz day) row under the leader's fencing token,
then call Slack with message metadata naming the post, then store the message ts. A
crash between the last two is recovered by finding the message through its metadata.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.question import render_closed_question, render_daily_question
from bot.clock import Clock
from bot.slack_client import CHANNEL_ERRORS
from content import Bank
from db.engine import Database
from db.models import Post
from db.queries import posts as post_queries
from db.queries.leases import Fence
from db.queries.schedules import flag_schedule

logger = logging.getLogger(__name__)

METADATA_EVENT = "leader_quiz_daily_question"
# A claim older than this whose claimer never stored a message ts is taken over.
DEFAULT_STALE_CLAIM = dt.timedelta(seconds=60)
POST_ATTEMPTS = 4
HISTORY_PAGES = 10


class PostStatus(Enum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"
    IN_PROGRESS = "in_progress"  # another replica holds a fresh claim
    CHANNEL_REFUSED = "channel_refused"
    NOT_LEADER = "not_leader"
    FAILED = "failed"  # Slack unreachable; the claim stays for a later retry


@dataclass(frozen=True)
class PostOutcome:
    status: PostStatus
    post_id: int | None = None
    question_id: str | None = None
    message_ts: str | None = None
    error: str | None = None


class _LookupFailed(Exception):
    """conversations.history failed, so we cannot tell whether the message is there."""


class DailyPoster:
    def __init__(
        self,
        *,
        db: Database,
        bank: Bank,
        client: WebClient,
        posting_client: WebClient,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
        stale_claim: dt.timedelta = DEFAULT_STALE_CLAIM,
    ) -> None:
        self.stale_claim = stale_claim
        self.db = db
        self.bank = bank
        self.client = client
        self.posting_client = posting_client
        self.clock = clock
        self.sleep = sleep

    # -- posting -----------------------------------------------------------------------
    def post_daily(
        self, *, team_id: str, channel_id: str, quiz_day: dt.date, timezone: str, fence: Fence | None
    ) -> PostOutcome:
        """Post `quiz_day`'s question to the channel unless it already has one."""
        now = self.clock.now()
        try:
            with self.db.writing() as session:
                post = post_queries.claim_post(
                    session=session,
                    team_id=team_id,
                    channel_id=channel_id,
                    quiz_day=quiz_day,
                    timezone=timezone,
                    question_ids=[q.id for q in self.bank.questions],
                    fence=fence,
                    now=now,
                )
                post_id, question_id = post.id, post.question_id
        except post_queries.StaleFence as error:
            logger.warning("not posting to %s: %s", channel_id, error)
            return PostOutcome(PostStatus.NOT_LEADER, error=str(error))
        except post_queries.AlreadyClaimed:
            # Re-read: the failed transaction rolled back and expired the row it found.
            with self.db.reading() as session:
                existing = post_queries.find_post(
                    session=session, team_id=team_id, channel_id=channel_id, quiz_day=quiz_day
                )
            if existing is None:  # the claimer gave it up (Slack refused); try again next run
                return PostOutcome(PostStatus.IN_PROGRESS)
            return self._resume(existing, fence)
        return self._deliver(post_id=post_id, question_id=question_id, fence=fence)

    def _resume(self, post: Post, fence: Fence | None) -> PostOutcome:
        if post.status != post_queries.CLAIMED:
            return PostOutcome(PostStatus.ALREADY_POSTED, post.id, post.question_id, post.message_ts)
        # Claimed but never confirmed: the claimer may still be at it, or may have died.
        now = self.clock.now()
        try:
            with self.db.writing() as session:
                taken = post_queries.retake_claim(
                    session=session,
                    post_id=post.id,
                    fence=fence,
                    now=now,
                    stale_before=now - self.stale_claim,
                )
        except post_queries.StaleFence as error:
            return PostOutcome(PostStatus.NOT_LEADER, error=str(error))
        if not taken:
            return PostOutcome(PostStatus.IN_PROGRESS, post.id, post.question_id)
        logger.info("resuming unfinished post %s for %s on %s", post.id, post.channel_id, post.quiz_day)
        return self._deliver(post_id=post.id, question_id=post.question_id, fence=fence, look_first=True)

    def recover_stale_claims(self, fence: Fence | None) -> list[PostOutcome]:
        """Finish posts whose claimer died between claiming and storing the message ts."""
        with self.db.reading() as session:
            stale = post_queries.stale_claims(
                session=session, stale_before=self.clock.now() - self.stale_claim
            )
        return [self._resume(post, fence) for post in stale]

    def _deliver(
        self, *, post_id: int, question_id: str, fence: Fence | None, look_first: bool = False
    ) -> PostOutcome:
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
        assert post is not None
        question = self.bank.question(question_id)
        if question is None:  # the bank lost a question that was claimed: pick again tomorrow
            logger.error("claimed question %s is no longer in the bank", question_id)
            with self.db.writing() as session:
                post_queries.release_claim(session=session, post_id=post_id)
            return PostOutcome(PostStatus.FAILED, post_id, question_id, error="question missing")
        lesson = self.bank.lesson(question.lesson_id)
        assert lesson is not None
        text, blocks = render_daily_question(post_id=post_id, question=question, lesson=lesson)
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"post_id": post_id, "quiz_day": post.quiz_day.isoformat()},
        }
        message_ts: str | None = None
        for attempt in range(POST_ATTEMPTS):
            if attempt > 0:
                self.sleep(min(2.0**attempt, 10.0))
                if not self._still_ours(post):
                    logger.warning("post %s was taken over by another replica; stopping", post_id)
                    return PostOutcome(PostStatus.IN_PROGRESS, post_id, question_id)
            if look_first or attempt > 0:
                try:
                    message_ts = self._find_posted(post)
                except _LookupFailed:
                    continue  # never post blind when the message may already be there
                if message_ts:
                    break
            try:
                response = self.posting_client.chat_postMessage(
                    channel=post.channel_id, text=text, blocks=blocks, metadata=metadata, unfurl_links=False
                )
                message_ts = response["ts"]
                break
            except SlackApiError as error:
                code = error.response.get("error") or f"http_{error.response.status_code}"
                if code in CHANNEL_ERRORS:
                    return self._refuse(post, code)
                logger.warning(
                    "chat.postMessage to %s failed (%s), attempt %d", post.channel_id, code, attempt + 1
                )
            except (urllib.error.URLError, OSError, TimeoutError) as error:
                logger.warning(
                    "chat.postMessage to %s failed (%s), attempt %d", post.channel_id, error, attempt + 1
                )
        if message_ts is None:
            return PostOutcome(PostStatus.FAILED, post_id, question_id, error="Slack unreachable")
        # One transaction closes the earlier questions and opens this one, so a channel never
        # has two open at once (an answer to today must not find yesterday still open).
        with self.db.writing() as session:
            closed = post_queries.close_open_before(
                session=session,
                team_id=post.team_id,
                channel_id=post.channel_id,
                quiz_day=post.quiz_day,
                now=self.clock.now(),
            )
            post_queries.mark_open(
                session=session, post_id=post_id, message_ts=message_ts, now=self.clock.now()
            )
        logger.info("posted %s to %s for %s (post %s)", question_id, post.channel_id, post.quiz_day, post_id)
        for closed_id in closed:
            self.reveal(closed_id)
        return PostOutcome(PostStatus.POSTED, post_id, question_id, message_ts)

    def _still_ours(self, post: Post) -> bool:
        with self.db.reading() as session:
            return post_queries.holds_claim(session=session, post_id=post.id, claimed_at=post.claimed_at)

    def _find_posted(self, post: Post) -> str | None:
        """The ts of a message Slack already accepted for this post, found by its metadata
        (paging back to shortly before the claim); raises _LookupFailed if Slack can't say."""
        oldest = (post.claimed_at - self.stale_claim - dt.timedelta(minutes=5)).timestamp()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                response = self.client.conversations_history(
                    channel=post.channel_id,
                    oldest=f"{oldest:.6f}",
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            except (SlackApiError, urllib.error.URLError, OSError) as error:
                logger.warning("conversations.history for %s failed: %s", post.channel_id, error)
                raise _LookupFailed from error
            for message in response.get("messages", []):
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and str(payload.get("post_id")) == str(
                    post.id
                ):
                    return message.get("ts")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        raise _LookupFailed("too many messages to search")

    def _refuse(self, post: Post, code: str) -> PostOutcome:
        with self.db.writing() as session:
            post_queries.release_claim(session=session, post_id=post.id)
            first = flag_schedule(
                session=session,
                team_id=post.team_id,
                channel_id=post.channel_id,
                error=code,
                now=self.clock.now(),
            )
        if first:
            logger.error(
                "Slack refused channel %s (%s): its schedule is flagged and skipped", post.channel_id, code
            )
        return PostOutcome(PostStatus.CHANNEL_REFUSED, post.id, post.question_id, error=code)

    # -- closing -----------------------------------------------------------------------
    def close_before(self, *, team_id: str, channel_id: str, quiz_day: dt.date) -> int:
        """Close and reveal every open question of the channel older than `quiz_day`."""
        with self.db.writing() as session:
            closed = post_queries.close_open_before(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                quiz_day=quiz_day,
                now=self.clock.now(),
            )
        for post_id in closed:
            self.reveal(post_id)
        return len(closed)

    def reveal(self, post_id: int) -> bool:
        """Render a closed post's reveal onto its message (idempotent)."""
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
            if post is None or post.status != post_queries.CLOSED or not post.message_ts:
                return False
            answered, correct = post_queries.answer_counts(session=session, post_id=post_id)
        question = self.bank.question(post.question_id)
        lesson = self.bank.lesson(question.lesson_id) if question else None
        if question is None or lesson is None:
            return False
        text, blocks = render_closed_question(
            post_id=post_id, question=question, lesson=lesson, answered=answered, correct=correct
        )
        try:
            self.client.chat_update(channel=post.channel_id, ts=post.message_ts, text=text, blocks=blocks)
        except (SlackApiError, urllib.error.URLError, OSError) as error:
            logger.warning("could not reveal post %s: %s", post_id, error)
            return False
        return True
