"""Season recaps: once a channel's month is over, its top people and teams are posted in
the channel, exactly once, through the same claimed delivery as daily posts.

When: a channel with a schedule (not flagged) gets the recap of the month before its local
today, from the schedule's time of day on the 1st and for the first RECAP_WINDOW_DAYS days
of the month, only if that month had quiz days and someone answered one of them (there
is nobody to show otherwise). Only the most recent finished month is ever recapped: a
channel that was quiet last month gets no recap of older months.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.blocks.recaps import RECAP_PEOPLE, Hardest, render_season_recap
from bot.clock import Clock
from bot.services.catalog import QuestionCatalog
from bot.services.delivery import ClaimedDelivery, Message, flag_refused_schedule
from bot.services.insights import InsightsService
from bot.slack.outbox import RECAP
from db import derived
from db.engine import Database
from db.models import CLAIMED, Schedule, SeasonPost
from db.queries import claims
from db.queries.leases import Fence
from db.queries.schedules import list_schedules
from db.queries.standings import count_answers, team_standings
from db.queries.stats import leaderboard
from quiz.periods import MONTH, period_bounds, previous_month

logger = logging.getLogger(__name__)

METADATA_EVENT = "leader_quiz_season_recap"
RECAP_WINDOW_DAYS = 7


def recap_due_month(schedule: Schedule, now: dt.datetime) -> dt.date | None:
    """The month (its first day) whose recap is due in this channel now, if any: the month
    before the local today, from the schedule's time on the 1st, within the window."""
    zone = ZoneInfo(schedule.timezone)
    local = now.astimezone(zone)
    first = local.date().replace(day=1)
    opens = dt.datetime.combine(first, dt.time(schedule.hour, schedule.minute), tzinfo=zone)
    if now < opens or local.date() >= first + dt.timedelta(days=RECAP_WINDOW_DAYS):
        return None
    return previous_month(local.date())


@dataclass(frozen=True)
class _Due:
    team_id: str
    channel_id: str
    month: dt.date
    existing: SeasonPost | None  # an unfinished claim to resume


class SeasonRecaps:
    """Finds and posts due recaps; the `Kind` of recap messages."""

    model = SeasonPost
    event_type = METADATA_EVENT
    metadata_key = "season_post_id"

    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clock: Clock,
        delivery: ClaimedDelivery,
        insights: InsightsService,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.delivery = delivery
        self.insights = insights

    # -- what is due -----------------------------------------------------------------------
    def due(self) -> list[_Due]:
        now = self.clock.now()
        stale_before = now - self.delivery.stale_claim
        found: list[_Due] = []
        with self.db.reading() as session:
            for schedule in list_schedules(session=session):
                if schedule.flagged_error is not None:
                    continue
                month = recap_due_month(schedule, now)
                if month is None:
                    continue
                key = {"team_id": schedule.team_id, "channel_id": schedule.channel_id, "month": month}
                existing = claims.find(session, SeasonPost, key)
                if existing is not None:
                    if existing.status == CLAIMED and existing.claimed_at <= stale_before:
                        found.append(_Due(schedule.team_id, schedule.channel_id, month, existing))
                    continue
                start, end = period_bounds(MONTH, month)
                # Answers exist only on quiz days: a month without quiz days, or whose
                # questions nobody answered, has no top people or teams to show.
                if count_answers(
                    session=session,
                    team_id=schedule.team_id,
                    channel_id=schedule.channel_id,
                    start=start,
                    end=end,
                ):
                    found.append(_Due(schedule.team_id, schedule.channel_id, month, None))
        return found

    def post_due(self, fence: Fence | None) -> list[Future]:
        """Queue every recap that is due and missing, and finish stale claims (recaps go after
        every other kind of send: SPEC §11's priorities)."""
        futures = []
        for due in self.due():
            if due.existing is not None:
                futures.append(self.delivery.resume(self, due.existing, fence, RECAP))
            else:
                futures.append(
                    self.delivery.deliver_new(
                        self,
                        key={"team_id": due.team_id, "channel_id": due.channel_id, "month": due.month},
                        values={},
                        fence=fence,
                        send_kind=RECAP,
                        channel=due.channel_id,
                    )
                )
        return futures

    # -- the Kind of recaps ------------------------------------------------------------------
    def message(self, row: SeasonPost) -> Message | None:
        start, end = period_bounds(MONTH, row.month)
        derived.settled(self.db)
        with self.db.reading() as session:
            people = leaderboard(
                session=session,
                team_id=row.team_id,
                channel_id=row.channel_id,
                start=start,
                end=end,
                limit=RECAP_PEOPLE,
            )
            quiz_days, teams = team_standings(
                session=session, team_id=row.team_id, channel_id=row.channel_id, start=start, end=end
            )
        text, blocks = render_season_recap(
            channel_id=row.channel_id,
            month=row.month,
            quiz_days=quiz_days,
            people=people,
            teams=teams,
            hardest=self._hardest(row, start, end),
        )
        return Message(row.channel_id, text, [block.to_dict() for block in blocks])

    def _hardest(self, row: SeasonPost, start: dt.date | None, end: dt.date | None) -> Hardest | None:
        month = self.insights.between(
            team_id=row.team_id, channel_id=row.channel_id, period=MONTH, start=start, end=end
        )
        found = month.hardest()
        question = self.catalog.version_of(row.team_id, found.question_id, None) if found else None
        if found is None or question is None:
            return None
        return Hardest(
            prompt=question.prompt,
            answer=question.options[question.correct_index].text,
            explanation=question.explanation,
            answered=found.answered,
            right=found.first_right,
        )

    def delivered(self, session: Session, row: SeasonPost, message_ts: str, now: dt.datetime) -> None:
        claims.mark_delivered(session, SeasonPost, row_id=row.id, message_ts=message_ts, now=now)

    def after_delivered(self, row: SeasonPost, marked: None) -> None:
        logger.info("posted the %s recap to %s", f"{row.month:%Y-%m}", row.channel_id)

    def history_channel(self, row: SeasonPost) -> str | None:
        return row.channel_id

    def refused(self, session: Session, row: SeasonPost, code: str, now: dt.datetime) -> None:
        flag_refused_schedule(session, row, code, now)
