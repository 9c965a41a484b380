"""The daily question: posted exactly once per channel and quiz day (through the claimed
delivery in `bot.services.delivery`), and the previous one closed with its reveal; both leave
through the outbox. A closed post owes its reveal (`revealed_at`) until Slack took it."""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

from bot import metrics
from bot.blocks.question import render_closed_question, render_daily_question
from bot.clock import Clock
from bot.services.catalog import QuestionCatalog, is_own
from bot.services.delivery import ClaimedDelivery, Message, Outcome, Status, flag_refused_schedule
from bot.services.schedules import Schedules
from bot.slack.clients import SlackClients
from bot.slack.outbox import POST, REVEAL, Call, GiveUp, Outbox
from db.engine import Database
from db.models import Post
from db.queries import own_questions as own_queries
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


def _count(future: Future) -> None:
    metrics.DAILY_POSTS.labels(result=PostOutcome.of(ClaimedDelivery.outcome(future)).status.value).inc()


REVEAL_CATCH_UP = dt.timedelta(days=1)  # an older closed post's reveal is not worth sending


class DailyPosts:
    """Posts, closes and reveals daily questions; the `Kind` of daily posts."""

    model = Post
    event_type = METADATA_EVENT
    metadata_key = "post_id"

    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clients: SlackClients,
        clock: Clock,
        delivery: ClaimedDelivery,
        schedules: Schedules,
        outbox: Outbox,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clients = clients
        self.clock = clock
        self.delivery = delivery
        self.schedules = schedules
        self.outbox = outbox

    # -- posting -----------------------------------------------------------------------
    def queue_daily(
        self, *, team_id: str, channel_id: str, quiz_day: dt.date, timezone: str, fence: Fence | None
    ) -> Future:
        """Queue `quiz_day`'s question for the channel unless it already has one; the future
        resolves with the delivery's Outcome."""
        future = self.delivery.deliver_new(
            self,
            key={"team_id": team_id, "channel_id": channel_id, "quiz_day": quiz_day},
            values=lambda session: self._claim_values(session, team_id, channel_id, timezone),
            fence=fence,
            send_kind=POST,
            channel=channel_id,
        )
        future.add_done_callback(_count)
        return future

    def _claim_values(self, session: Session, team_id: str, channel_id: str, timezone: str) -> dict:
        """The new post's question, chosen in the claim's transaction from the sets the channel
        follows, and the version it will show, kept in that same transaction."""
        bank = self.catalog.for_team(team_id)
        shipped_ids = [q.id for q in self.catalog.shipped.questions]
        own_ids = [q.id for q in bank.questions if is_own(q.id)]
        values = post_queries.claim_values(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            question_ids=shipped_ids,
            own_ids=own_ids,
            use=own_queries.channel_use(session=session, team_id=team_id, channel_id=channel_id),
            timezone=timezone,
        )
        question = bank.question(values["question_id"])
        if question is not None:
            values["question_version"] = self.catalog.pin(session, team_id, question)
        return values

    def post_daily(
        self, *, team_id: str, channel_id: str, quiz_day: dt.date, timezone: str, fence: Fence | None
    ) -> PostOutcome:
        """Post `quiz_day`'s question to the channel unless it already has one, and wait."""
        future = self.queue_daily(
            team_id=team_id, channel_id=channel_id, quiz_day=quiz_day, timezone=timezone, fence=fence
        )
        return PostOutcome.of(self.delivery.outcome(future))

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

    def recover_stale_claims(self, fence: Fence | None) -> list[Future]:
        """Finish posts whose claimer died between claiming and storing the message ts."""
        futures = self.delivery.resume_stale(self, fence, POST)
        for future in futures:
            future.add_done_callback(_count)
        return futures

    # -- the Kind of daily posts ---------------------------------------------------------
    def message(self, row: Post) -> Message | None:
        question = self.catalog.posted(row)
        lesson = self.catalog.lesson_of(row.team_id, question) if question else None
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
            self.reveal(post_id, team_id=row.team_id)

    def history_channel(self, row: Post) -> str | None:
        return row.channel_id

    def refused(self, session: Session, row: Post, code: str, now: dt.datetime) -> None:
        flag_refused_schedule(session, row, code, now)

    # -- closing -----------------------------------------------------------------------
    def reveal(self, post_id: int, *, team_id: str) -> Future:
        """Queue a closed post's reveal onto its message (idempotent; the newest wins)."""
        return self.outbox.submit(
            Call(
                kind=REVEAL,
                team_id=team_id,
                what=f"reveal of post {post_id}",
                method="chat.update",
                key=("reveal", post_id),
                call=lambda: self._reveal(post_id),
            )
        )

    def _reveal(self, post_id: int) -> None:
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
            if post is None or post.status != post_queries.CLOSED or not post.message_ts:
                raise GiveUp("nothing to reveal")
            answered, correct = post_queries.answer_counts(session=session, post_id=post_id)
        question = self.catalog.posted(post)
        lesson = self.catalog.lesson_of(post.team_id, question) if question else None
        client = self.clients.for_team(post.team_id)
        if question is None or lesson is None or client is None:
            raise GiveUp("the question or the workspace is gone")
        text, blocks = render_closed_question(
            post_id=post_id, question=question, lesson=lesson, answered=answered, correct=correct
        )
        client.chat_update(channel=post.channel_id, ts=post.message_ts, text=text, blocks=blocks)
        with self.db.writing() as session:
            post_queries.mark_revealed(session=session, post_id=post_id, now=self.clock.now())

    def catch_up_reveals(self) -> int:
        """As leader: reveal the closed posts whose reveal never reached Slack (their replica
        died or stopped first)."""
        with self.db.reading() as session:
            owed = post_queries.unrevealed(session=session, closed_after=self.clock.now() - REVEAL_CATCH_UP)
        for post_id, team_id in owed:
            self.reveal(post_id, team_id=team_id)
        return len(owed)
