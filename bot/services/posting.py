"""The daily question: posted exactly once per channel and quiz day (through the claimed
delivery in `bot.services.delivery`), and the previous one closed with its reveal."""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
from dataclasses import dataclass
from enum import Enum

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import metrics
from bot.blocks.question import render_closed_question, render_daily_question
from bot.clock import Clock
from bot.services.delivery import ClaimedDelivery, Message, Outcome, Status, flag_refused_schedule
from bot.services.schedules import Schedules
from bot.slack.clients import SlackClients
from content import Bank
from db.engine import Database
from db.models import Post
from db.queries import posts as post_queries
from db.queries.leases import Fence

logger = logging.getLogger(__name__)

METADATA_EVENT = "leader_quiz_daily_question"


class PostStatus(Enum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"
    IN_PROGRESS = "in_progress"  # another replica holds a fresh claim
    CHANNEL_REFUSED = "channel_refused"
    NOT_LEADER = "not_leader"
    NO_TOKEN = "no_token"  # the workspace is not installed
    FAILED = "failed"  # Slack unreachable; the claim stays for a later retry


_STATUS = {
    Status.DELIVERED: PostStatus.POSTED,
    Status.ALREADY_DELIVERED: PostStatus.ALREADY_POSTED,
    Status.IN_PROGRESS: PostStatus.IN_PROGRESS,
    Status.REFUSED: PostStatus.CHANNEL_REFUSED,
    Status.NOT_LEADER: PostStatus.NOT_LEADER,
    Status.NO_TOKEN: PostStatus.NO_TOKEN,
    Status.DROPPED: PostStatus.FAILED,
    Status.FAILED: PostStatus.FAILED,
}


@dataclass(frozen=True)
class PostOutcome:
    status: PostStatus
    post_id: int | None = None
    question_id: str | None = None
    message_ts: str | None = None
    error: str | None = None

    @classmethod
    def of(cls, outcome: Outcome[Post]) -> PostOutcome:
        row = outcome.row
        error = outcome.error
        if outcome.status is Status.DROPPED:
            error = "question missing"
        return cls(
            _STATUS[outcome.status],
            row.id if row else None,
            row.question_id if row else None,
            outcome.message_ts,
            error,
        )


def _counted(outcome: PostOutcome) -> PostOutcome:
    metrics.DAILY_POSTS.labels(result=outcome.status.value).inc()
    return outcome


class DailyPosts:
    """Posts, closes and reveals daily questions; the `Kind` of daily posts."""

    model = Post
    event_type = METADATA_EVENT
    metadata_key = "post_id"

    def __init__(
        self,
        *,
        db: Database,
        bank: Bank,
        clients: SlackClients,
        clock: Clock,
        delivery: ClaimedDelivery,
        schedules: Schedules,
    ) -> None:
        self.db = db
        self.bank = bank
        self.clients = clients
        self.clock = clock
        self.delivery = delivery
        self.schedules = schedules

    # -- posting -----------------------------------------------------------------------
    def post_daily(
        self, *, team_id: str, channel_id: str, quiz_day: dt.date, timezone: str, fence: Fence | None
    ) -> PostOutcome:
        """Post `quiz_day`'s question to the channel unless it already has one."""
        question_ids = [q.id for q in self.bank.questions]
        outcome = self.delivery.deliver_new(
            self,
            key={"team_id": team_id, "channel_id": channel_id, "quiz_day": quiz_day},
            values=lambda session: post_queries.claim_values(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                question_ids=question_ids,
                timezone=timezone,
            ),
            fence=fence,
        )
        return _counted(PostOutcome.of(outcome))

    def post_now(
        self, *, team_id: str, channel_id: str, day: dt.date | None = None
    ) -> tuple[dt.date, PostOutcome]:
        """A person's "post it now" (the CLI, `/leader-quiz post`): the channel's question for
        `day` (default: today in its zone), outside the lease; the unique row still makes a
        second post impossible."""
        zone = self.schedules.zone(team_id=team_id, channel_id=channel_id)
        day = day or self.schedules.today(team_id=team_id, channel_id=channel_id)
        outcome = self.post_daily(
            team_id=team_id, channel_id=channel_id, quiz_day=day, timezone=zone, fence=None
        )
        return day, outcome

    def recover_stale_claims(self, fence: Fence | None) -> list[PostOutcome]:
        """Finish posts whose claimer died between claiming and storing the message ts."""
        return [_counted(PostOutcome.of(outcome)) for outcome in self.delivery.resume_stale(self, fence)]

    # -- the Kind of daily posts ---------------------------------------------------------
    def message(self, row: Post) -> Message | None:
        question = self.bank.question(row.question_id)
        lesson = self.bank.lesson(question.lesson_id) if question else None
        if question is None or lesson is None:  # the bank lost a claimed question: pick again tomorrow
            logger.error("claimed question %s is no longer in the bank", row.question_id)
            return None
        text, blocks = render_daily_question(post_id=row.id, question=question, lesson=lesson)
        return Message(row.channel_id, text, blocks)

    def delivered(self, session: Session, row: Post, message_ts: str, now: dt.datetime) -> list[int]:
        return post_queries.open_post(session=session, post_id=row.id, message_ts=message_ts, now=now)

    def after_delivered(self, row: Post, closed: list[int]) -> None:
        logger.info("posted %s to %s for %s (post %s)", row.question_id, row.channel_id, row.quiz_day, row.id)
        for post_id in closed:
            self.reveal(post_id)

    def history_channel(self, row: Post) -> str | None:
        return row.channel_id

    def refused(self, session: Session, row: Post, code: str, now: dt.datetime) -> None:
        flag_refused_schedule(session, row, code, now)

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
        client = self.clients.for_team(post.team_id)
        if question is None or lesson is None or client is None:
            return False
        text, blocks = render_closed_question(
            post_id=post_id, question=question, lesson=lesson, answered=answered, correct=correct
        )
        try:
            client.chat_update(channel=post.channel_id, ts=post.message_ts, text=text, blocks=blocks)
        except (SlackApiError, urllib.error.URLError, OSError) as error:
            logger.warning("could not reveal post %s: %s", post_id, error)
            return False
        return True
