"""Reminder DMs (`/leader-quiz remind on [HH:MM]` / `remind off`): at most one a day, at the
person's chosen local time (their Slack time zone), listing their due reviews and naming a
streak of 3 or more at risk when today's question is open and unanswered. Nothing is sent
when there is nothing to say; a DM is claimed per (workspace, person, local day) through the
same exactly-once delivery as daily posts, so it is never sent twice, across replicas and
restarts; a person who never opted in has no reminder row and so never gets one.

The leader finds the due reminders every half minute and queues them in the outbox, where
they wait behind every other kind of send and go out within the workspace's posting budget
(chat.postMessage: 300 a minute), in order of each person's chosen time."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import metrics
from bot.blocks.reviews import render_reminder
from bot.clock import Clock
from bot.domain.reviews import ReminderContent, StreakAtRisk
from bot.services.catalog import QuestionCatalog
from bot.services.delivery import ClaimedDelivery, Message, Status
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients
from bot.slack.outbox import REMINDER
from content import Bank
from db import derived
from db.engine import Database
from db.models import Reminder, ReminderDM
from db.queries import claims
from db.queries import reminders as queries
from db.queries import reviews as review_queries
from db.queries.leases import Fence
from db.queries.workspaces import uninstalled_teams
from quiz.reminders import DEADLINE, due_day, reminder_time

logger = logging.getLogger(__name__)

METADATA_EVENT = "leader_quiz_reminder"
BATCH = 500  # people per query
LISTED = 5


@dataclass(frozen=True)
class Due:
    team_id: str
    user_id: str
    local_day: dt.date
    dm_channel_id: str | None


class Reminders:
    """Opt-ins, the minute's run, and the `Kind` of reminder DMs."""

    model = ReminderDM
    event_type = METADATA_EVENT
    metadata_key = "reminder_id"

    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clock: Clock,
        clients: SlackClients,
        delivery: ClaimedDelivery,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.clients = clients
        self.delivery = delivery
        # Reminders queued by this process and not yet settled: a later run skips them.
        self._queued: set[tuple[str, str, dt.date]] = set()
        # What each claimed DM says, computed in bulk by the run (a resumed claim recomputes it).
        self._content: dict[tuple[str, str, dt.date], ReminderContent] = {}
        self._content_lock = threading.Lock()

    # -- opting in and out ---------------------------------------------------------------
    def turn_on(self, *, team_id: str, user_id: str, hour: int, minute: int) -> Reminder:
        """Opt in at HH:MM in the person's Slack time zone (asked of `users.info`)."""
        with self.db.writing() as session:
            return queries.set_reminder(
                session=session,
                team_id=team_id,
                user_id=user_id,
                hour=hour,
                minute=minute,
                timezone=self._time_zone(team_id, user_id),
                now=self.clock.now(),
            )

    def turn_off(self, *, team_id: str, user_id: str) -> bool:
        with self.db.writing() as session:
            return queries.remove_reminder(session=session, team_id=team_id, user_id=user_id)

    def _time_zone(self, team_id: str, user_id: str) -> str:
        client = self.clients.for_team(team_id)
        try:
            zone = str(client.users_info(user=user_id)["user"].get("tz") or "UTC") if client else "UTC"
        except SlackApiError as error:
            logger.warning(
                "users.info for %s failed (%s): reminders in UTC", user_id, error.response.get("error")
            )
            return "UTC"
        except BudgetExhausted:
            logger.warning("users.info for %s: budget used up; reminders in UTC", user_id)
            return "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"
        return zone

    # -- the minute's run ----------------------------------------------------------------
    def run_due(self, fence: Fence | None) -> list[Future]:
        """As leader: queue every reminder whose time has come today and that has something to
        say, in order of each person's local time; queue the claims left unfinished. The
        futures resolve with each delivery's Outcome."""
        now = self.clock.now()
        with self.db.reading() as session:
            skip = uninstalled_teams(session=session)
            due = [
                (reminder_time(row, now), Due(row.team_id, row.user_id, day, row.dm_channel_id))
                for row in queries.all_reminders(session=session, skip_teams=skip)
                if (day := due_day(row, now)) is not None
            ]
        due.sort(key=lambda pair: pair[0])  # the earliest chosen time goes first
        with self._content_lock:
            due = [
                pair
                for pair in due
                if (pair[1].team_id, pair[1].user_id, pair[1].local_day) not in self._queued
            ]
        order = {(item.team_id, item.user_id): at for at, item in due}
        items = self._worth_sending(self._unclaimed([item for _, item in due]), now)
        # Queued in order of each person's chosen time: the outbox keeps that order.
        items.sort(key=lambda item: order[(item.team_id, item.user_id)])
        futures: list[Future] = []
        for item in items:
            key = (item.team_id, item.user_id, item.local_day)
            channel = item.dm_channel_id or item.user_id
            # Posting to the person's user id puts the message in the app's DM with them: no
            # conversations.open call for each DM (only a crash-recovery lookup needs the DM id).
            future = self.delivery.deliver_new(
                self,
                key={"team_id": item.team_id, "user_id": item.user_id, "local_day": item.local_day},
                values={"channel_id": channel},
                fence=fence,
                send_kind=REMINDER,
                channel=channel,
                deadline_s=DEADLINE.total_seconds(),
            )
            with self._content_lock:
                self._queued.add(key)
            future.add_done_callback(lambda done, key=key: self._settled(key, done))
            futures.append(future)
        futures.extend(self.delivery.resume_stale(self, fence, REMINDER))
        return futures

    def _settled(self, key: tuple[str, str, dt.date], future: Future) -> None:
        with self._content_lock:
            self._queued.discard(key)
            self._content.pop(key, None)
        outcome = ClaimedDelivery.outcome(future)
        metrics.REMINDER_DMS.labels(result=outcome.status.value).inc()
        if outcome.status is not Status.DELIVERED:
            logger.info("reminder for %s not sent: %s", key[1], outcome.status.value)

    def _unclaimed(self, due: list[Due]) -> list[Due]:
        groups: dict[tuple[str, dt.date], list[Due]] = {}
        for item in due:
            groups.setdefault((item.team_id, item.local_day), []).append(item)
        left: list[Due] = []
        with self.db.reading() as session:
            for (team_id, day), items in groups.items():
                for start in range(0, len(items), BATCH):
                    batch = items[start : start + BATCH]
                    claimed = queries.claimed_for_day(
                        session=session, team_id=team_id, local_day=day, user_ids=[i.user_id for i in batch]
                    )
                    left.extend(item for item in batch if item.user_id not in claimed)
        return left

    def _worth_sending(self, due: list[Due], now: dt.datetime) -> list[Due]:
        by_team: dict[str, list[Due]] = {}
        for item in due:
            by_team.setdefault(item.team_id, []).append(item)
        sending: list[Due] = []
        if by_team:
            derived.settled(self.db)  # due cards and streaks, many people's: from the caches
        with self.db.reading() as session:
            for team_id, items in by_team.items():
                bank = self.catalog.for_team(team_id)
                for start in range(0, len(items), BATCH):
                    batch = items[start : start + BATCH]
                    users = [item.user_id for item in batch]
                    counts = review_queries.due_counts(
                        session=session, team_id=team_id, user_ids=users, now=now
                    )
                    first = review_queries.first_due(
                        session=session, team_id=team_id, user_ids=users, now=now, per_user=LISTED
                    )
                    risks = queries.streaks_at_risk(session=session, team_id=team_id, user_ids=users)
                    for item in batch:
                        content = self._say(
                            bank,
                            counts.get(item.user_id, 0),
                            first.get(item.user_id, []),
                            risks.get(item.user_id, []),
                        )
                        if content.worth_sending:
                            with self._content_lock:
                                self._content[(item.team_id, item.user_id, item.local_day)] = content
                            sending.append(item)
        return sending

    def _say(self, bank: Bank, due: int, first: list[str], risks: list[tuple[str, int]]) -> ReminderContent:
        return ReminderContent(
            due=due,
            first_due=[
                question.prompt for question_id in first if (question := bank.current_question(question_id))
            ],
            at_risk=[StreakAtRisk(channel, streak) for channel, streak in risks],
        )

    def history_channel(self, row: ReminderDM) -> str | None:
        """The app's DM with the person (`conversations.open`, remembered): a DM claimed to
        the person's user id is looked for there."""
        if row.channel_id.startswith("D"):
            return row.channel_id
        client = self.clients.for_team(row.team_id)
        if client is None:
            return None
        try:
            channel = str(client.conversations_open(users=row.user_id)["channel"]["id"])
        except BudgetExhausted:
            return None
        except SlackApiError as error:
            logger.warning("cannot open a DM with %s: %s", row.user_id, error.response.get("error"))
            return None
        with self.db.writing() as session:
            queries.remember_dm_channel(
                session=session, team_id=row.team_id, user_id=row.user_id, channel_id=channel
            )
        return channel

    # -- the Kind of reminder DMs --------------------------------------------------------
    def message(self, row: ReminderDM) -> Message | None:
        key = (row.team_id, row.user_id, row.local_day)
        with self._content_lock:
            content = self._content.pop(key, None)
        if content is None:  # a resumed claim: say what is true now
            now = self.clock.now()
            users = [row.user_id]
            derived.settled(self.db)
            with self.db.reading() as session:
                due = review_queries.due_count(
                    session=session, team_id=row.team_id, user_id=row.user_id, now=now
                )
                first = review_queries.first_due(
                    session=session, team_id=row.team_id, user_ids=users, now=now, per_user=LISTED
                )
                risks = queries.streaks_at_risk(session=session, team_id=row.team_id, user_ids=users)
            content = self._say(
                self.catalog.for_team(row.team_id),
                due,
                first.get(row.user_id, []),
                risks.get(row.user_id, []),
            )
        if not content.worth_sending:
            return None
        text, blocks = render_reminder(content)
        return Message(row.channel_id, text, [block.to_dict() for block in blocks])

    def delivered(self, session: Session, row: ReminderDM, message_ts: str, now: dt.datetime) -> None:
        claims.mark_delivered(session, ReminderDM, row_id=row.id, message_ts=message_ts, now=now)

    def after_delivered(self, row: ReminderDM, marked: None) -> None:
        logger.debug("sent %s their reminder for %s", row.user_id, row.local_day)

    def refused(self, session: Session, row: ReminderDM, code: str, now: dt.datetime) -> None:
        # The DM channel refuses the bot (the person blocked it, or left): stop reminding them.
        queries.remove_reminder(session=session, team_id=row.team_id, user_id=row.user_id)
        logger.warning("reminder DM to %s refused (%s): their reminder is turned off", row.user_id, code)
