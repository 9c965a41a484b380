"""Season recaps: once a channel's month is over, its top people and teams are posted in
the channel, exactly once, with the same care as daily posts (bot/services/posting.py).

Order of work: claim the (workspace, channel, month) row under the leader's fencing token,
then call Slack with message metadata naming the row, then store the message ts. A claim
left unfinished past the poster's stale window (its claimer died) is taken over, and the
new claimer first looks for the message in `conversations.history` by its metadata.

When: a channel with a schedule (not flagged) gets the recap of the month before its local
today, from the schedule's time of day on the 1st and for the first RECAP_WINDOW_DAYS days
of the month, only if that month had quiz days and someone answered one of them (there
is nobody to show otherwise). Only the most recent finished month is ever recapped: a
channel that was quiet last month gets no recap of older months.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.blocks.teams import RECAP_PEOPLE, render_season_recap
from bot.clock import Clock
from bot.services.delivery import Claimed, Result, deliver_once
from bot.services.posting import DEFAULT_STALE_CLAIM
from bot.services.reports import period_bounds
from content import Bank
from db.engine import Database
from db.models import Schedule, SeasonPost
from db.queries import teams as team_queries
from db.queries.leases import Fence
from db.queries.posts import CLAIMED, AlreadyClaimed, StaleFence
from db.queries.schedules import flag_schedule, list_schedules
from db.queries.stats import leaderboard

logger = logging.getLogger(__name__)

METADATA_EVENT = "leader_quiz_season_recap"
RECAP_WINDOW_DAYS = 7


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


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
    def __init__(
        self,
        db: Database,
        bank: Bank,
        client: WebClient,
        clock: Clock,
        *,
        posting_client: WebClient | None = None,
        stale_claim: dt.timedelta = DEFAULT_STALE_CLAIM,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.bank = bank
        self.client = client  # reads (conversations.history), safe to retry
        # Posting retries only 429s: after a 5xx or a timeout Slack may have posted, so we
        # look for the message before posting again (as the daily poster does).
        self.posting_client = posting_client or client
        self.clock = clock
        self.stale_claim = stale_claim
        self.sleep = sleep

    # -- what is due -----------------------------------------------------------------------
    def due(self) -> list[_Due]:
        now = self.clock.now()
        found: list[_Due] = []
        with self.db.reading() as session:
            for schedule in list_schedules(session=session):
                if schedule.flagged_error is not None:
                    continue
                month = recap_due_month(schedule, now)
                if month is None:
                    continue
                existing = team_queries.find_season_post(
                    session=session, team_id=schedule.team_id, channel_id=schedule.channel_id, month=month
                )
                if existing is not None:
                    if existing.status == CLAIMED and existing.claimed_at <= now - self.stale_claim:
                        found.append(_Due(schedule.team_id, schedule.channel_id, month, existing))
                    continue
                start, end = period_bounds("month", month)
                # Answers exist only on quiz days: a month without quiz days, or whose
                # questions nobody answered, has no top people or teams to show.
                if team_queries.count_answers(
                    session=session,
                    team_id=schedule.team_id,
                    channel_id=schedule.channel_id,
                    start=start,
                    end=end,
                ):
                    found.append(_Due(schedule.team_id, schedule.channel_id, month, None))
        return found

    def post_due(self, fence: Fence | None) -> int:
        """Post every recap that is due and missing, and finish stale claims; how many were
        posted by this call."""
        posted = 0
        for due in self.due():
            try:
                if due.existing is not None:
                    done = self._resume(due.existing, fence)
                else:
                    done = self._claim_and_post(due, fence)
            except StaleFence as error:
                logger.warning("not posting recaps: %s", error)
                return posted
            posted += int(done)
        return posted

    # -- claiming --------------------------------------------------------------------------
    def _claim_and_post(self, due: _Due, fence: Fence | None) -> bool:
        try:
            with self.db.writing() as session:
                row = team_queries.claim_season_post(
                    session=session,
                    team_id=due.team_id,
                    channel_id=due.channel_id,
                    month=due.month,
                    fence=fence,
                    now=self.clock.now(),
                )
                claimed = _snapshot(row)
        except AlreadyClaimed:
            return False  # another replica got there first; a stale claim is resumed later
        return self._deliver(claimed, look_first=False)

    def _resume(self, row: SeasonPost, fence: Fence | None) -> bool:
        now = self.clock.now()
        with self.db.writing() as session:
            taken = team_queries.retake_season_claim(
                session=session,
                season_post_id=row.id,
                fence=fence,
                now=now,
                stale_before=now - self.stale_claim,
            )
            fresh = team_queries.get_season_post(session=session, season_post_id=row.id) if taken else None
            claimed = _snapshot(fresh) if fresh is not None else None
        if claimed is None:
            return False
        logger.info("resuming unfinished recap %s of %s for %s", row.id, row.channel_id, row.month)
        return self._deliver(claimed, look_first=True)

    # -- posting ---------------------------------------------------------------------------
    def _render(self, claimed: _Claimed) -> tuple[str, list]:
        start, end = period_bounds("month", claimed.month)
        with self.db.reading() as session:
            people = leaderboard(
                session=session,
                team_id=claimed.team_id,
                channel_id=claimed.channel_id,
                start=start,
                end=end,
                limit=RECAP_PEOPLE,
            )
            quiz_days, teams = team_queries.team_standings(
                session=session, team_id=claimed.team_id, channel_id=claimed.channel_id, start=start, end=end
            )
        text, blocks = render_season_recap(
            channel_id=claimed.channel_id,
            month=claimed.month,
            quiz_days=quiz_days,
            people=people,
            teams=teams,
        )
        return text, [block.to_dict() for block in blocks]

    def _deliver(self, claimed: _Claimed, *, look_first: bool) -> bool:
        text, blocks = self._render(claimed)
        delivered = deliver_once(
            client=self.client,
            posting_client=self.posting_client,
            claimed=Claimed(
                channel_id=claimed.channel_id,
                event_type=METADATA_EVENT,
                key="season_post_id",
                value=claimed.id,
                claimed_at=claimed.claimed_at,
                extra={"month": claimed.month.isoformat()},
            ),
            text=text,
            blocks=blocks,
            still_ours=lambda: self._still_ours(claimed),
            look_first=look_first,
            look_back=self.stale_claim + dt.timedelta(minutes=5),
            sleep=self.sleep,
        )
        if delivered.result is Result.REFUSED:
            self._refuse(claimed, delivered.error or "refused")
            return False
        if delivered.result is not Result.POSTED or delivered.ts is None:
            return False  # taken over, or Slack unreachable: the claim is resumed after the stale window
        with self.db.writing() as session:
            team_queries.mark_season_posted(
                session=session, season_post_id=claimed.id, message_ts=delivered.ts, now=self.clock.now()
            )
        logger.info("posted the %s recap to %s", f"{claimed.month:%Y-%m}", claimed.channel_id)
        return True

    def _still_ours(self, claimed: _Claimed) -> bool:
        with self.db.reading() as session:
            return team_queries.holds_season_claim(
                session=session, season_post_id=claimed.id, claimed_at=claimed.claimed_at
            )

    def _refuse(self, claimed: _Claimed, code: str) -> None:
        with self.db.writing() as session:
            team_queries.release_season_claim(session=session, season_post_id=claimed.id)
            first = flag_schedule(
                session=session,
                team_id=claimed.team_id,
                channel_id=claimed.channel_id,
                error=code,
                now=self.clock.now(),
            )
        if first:
            logger.error(
                "Slack refused channel %s (%s): its schedule is flagged and skipped", claimed.channel_id, code
            )


@dataclass(frozen=True)
class _Claimed:
    """The claim as written (plain values, safe outside the session)."""

    id: int
    team_id: str
    channel_id: str
    month: dt.date
    claimed_at: dt.datetime


def _snapshot(row: SeasonPost) -> _Claimed:
    return _Claimed(
        id=row.id, team_id=row.team_id, channel_id=row.channel_id, month=row.month, claimed_at=row.claimed_at
    )
