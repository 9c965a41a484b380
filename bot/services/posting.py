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
from bot.services.delivery import Claimed, Result, deliver_once
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
        delivered = deliver_once(
            client=self.client,
            posting_client=self.posting_client,
            claimed=Claimed(
                channel_id=post.channel_id,
                event_type=METADATA_EVENT,
                key="post_id",
                value=post_id,
                claimed_at=post.claimed_at,
                extra={"quiz_day": post.quiz_day.isoformat()},
            ),
            text=text,
            blocks=blocks,
            still_ours=lambda: self._still_ours(post),
            look_first=look_first,
            look_back=self.stale_claim + dt.timedelta(minutes=5),
            sleep=self.sleep,
        )
        if delivered.result is Result.REFUSED:
            return self._refuse(post, delivered.error or "refused")
        if delivered.result is Result.TAKEN_OVER:
            return PostOutcome(PostStatus.IN_PROGRESS, post_id, question_id)
        if delivered.result is Result.FAILED or delivered.ts is None:
            return PostOutcome(PostStatus.FAILED, post_id, question_id, error=delivered.error)
        message_ts = delivered.ts
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
