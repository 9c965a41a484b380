"""Scheduling across replicas: every replica runs this; only the one holding the lease posts.

APScheduler fires each channel's cron trigger (with its own `ZoneInfo`) on time; a sync
job re-reads schedules from the database (so changes reach every replica without a
restart) and posts anything due but missing (a post missed while every replica was down
is made once, the same local day). APScheduler's job store is in memory and private to
this process: coordination between replicas lives in the database lease and unique rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import ClusterClock, OnClusterTime
from bot.services.daily_posts import DailyPosts, PostOutcome
from bot.services.delivery import ClaimedDelivery
from bot.services.recaps import SeasonRecaps
from db.engine import Database, is_unavailable
from db.models import Post, Schedule
from db.queries import leases
from db.queries.posts import find_post
from db.queries.schedules import get_schedule, list_schedules
from db.queries.workspaces import uninstalled_teams
from quiz.schedule import ScheduleSpec, due_quiz_day

logger = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 3600.0
REMINDER_SECONDS = 30.0  # a reminder DM goes out within this long of its minute
CATCH_UP_SECONDS = 5.0  # owed replies and stale counts, as leader


class QuizScheduler:
    def __init__(
        self,
        *,
        db: Database,
        posts: DailyPosts,
        recaps: SeasonRecaps,
        clock: ClusterClock,
        replica_id: str,
        lease_seconds: float,
        renew_seconds: float,
        sync_seconds: float,
        housekeeping: Callable[[], object] | None = None,
        reminders: Callable[[leases.Fence], object] | None = None,
        catch_up: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self.posts = posts
        self.recaps = recaps
        self.clock = clock
        self.replica_id = replica_id
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.renew_seconds = renew_seconds
        self.sync_seconds = sync_seconds
        self._fence: leases.Fence | None = None
        self._fence_lock = threading.Lock()
        self._job_signatures: dict[str, tuple] = {}
        self._aps: BackgroundScheduler | None = None
        self.database_ok = True
        self.housekeeping = housekeeping
        self.reminders = reminders
        self.catch_up = catch_up
        self._housekept_at = -HOUSEKEEPING_SECONDS

    # -- leadership --------------------------------------------------------------------
    @property
    def fence(self) -> leases.Fence | None:
        """Our fence while we believe we lead; the database has the final word at claim."""
        with self._fence_lock:
            fence = self._fence
        if fence is not None and fence.expires_at <= self.clock.now():
            return None
        return fence

    def is_leader(self) -> bool:
        return self.fence is not None

    def heartbeat(self) -> leases.Fence | None:
        """Renew our lease or try to take an expired one."""
        was_leader = self.is_leader()
        try:
            with self.db.writing() as session:
                # Expiry is decided on the database's time, read once the lease row is locked
                # (and measuring this replica's clock offset on the way).
                fence = leases.acquire_or_renew(
                    session=session,
                    holder=self.replica_id,
                    ttl=self.lease,
                    now=lambda: self.clock.read(session),
                )
            self.database_ok = True
        except Exception as error:
            if not is_unavailable(error):
                raise
            self.database_ok = False
            metrics.DATABASE_ERRORS.inc()
            logger.warning("lease heartbeat failed: database unavailable")
            return self.fence  # keep what we had until it expires on its own
        with self._fence_lock:
            self._fence = fence
        if fence is not None and not was_leader:
            logger.info("replica %s leads with fencing token %d", self.replica_id, fence.token)
            self._kick_sync()
        elif fence is None and was_leader:
            logger.warning("replica %s lost the lease", self.replica_id)
        return fence

    def sample(self) -> None:
        """Update the leadership and clock gauges (called every second by the metrics ticker)."""
        fence = self.fence
        metrics.LEADER.set(1 if fence else 0)
        metrics.FENCING_TOKEN.set(fence.token if fence else 0)
        metrics.CLOCK_AHEAD.set(self.clock.ahead().total_seconds())

    def overdue_seconds(self) -> float:
        """How long the most overdue channel's question has been due without a post (0 when
        every due question is out): what the "no post within 10 minutes" alert watches. Read
        from the database, so every replica reports it, leader or not, and a stuck leader
        shows."""
        now = self.clock.now()
        with self.db.reading() as session:
            due = _due_posts(session, list_schedules(session=session), now)
        worst = 0.0
        for schedule, day, post in due:
            if post is not None and post.message_ts is not None:
                continue  # out in Slack (a claimed row not yet delivered still counts)
            post_at = ScheduleSpec.of(schedule).post_time(day)
            if post_at is not None:
                worst = max(worst, (now - post_at).total_seconds())
        return worst

    def sample_overdue(self) -> None:
        metrics.POSTS_OVERDUE.set(self.overdue_seconds())

    def release(self) -> None:
        with self._fence_lock:
            fence, self._fence = self._fence, None
        if fence is None:
            return
        try:
            with self.db.writing() as session:
                leases.release(session=session, holder=self.replica_id, now=self.clock.read(session))
        except Exception:
            logger.warning("could not release the lease; it will expire by itself", exc_info=True)

    # -- posting -----------------------------------------------------------------------
    def run_due(self, *, only_channel: tuple[str, str] | None = None, wait: bool = True) -> list[PostOutcome]:
        """As leader, queue every due question that is missing (the outbox posts them, in
        priority order and fairly across workspaces), and finish stale claims; with `wait`,
        wait for the posts and return their outcomes."""
        fence = self.fence
        if fence is None:
            return []
        now = self.clock.now()
        with self.db.reading() as session:
            if only_channel is None:
                candidates = list_schedules(session=session)
            else:  # a channel's own cron job reads only its own schedule
                one = get_schedule(session=session, team_id=only_channel[0], channel_id=only_channel[1])
                candidates = [one] if one is not None else []
            due = [
                (schedule, day)
                for schedule, day, post in _due_posts(session, candidates, now)
                if post is None
            ]
        futures = [
            self.posts.queue_daily(
                team_id=schedule.team_id,
                channel_id=schedule.channel_id,
                quiz_day=day,
                timezone=schedule.timezone,
                fence=fence,
            )
            for schedule, day in due
        ]
        recaps = []
        if only_channel is None:
            futures.extend(self.posts.recover_stale_claims(fence))
            recaps = self.recaps.post_due(fence)  # last month's recaps: after the daily posts (priority)
            self._housekeep()
        if not wait:
            return []
        outcomes = [PostOutcome.of(ClaimedDelivery.outcome(future)) for future in futures]
        for recap in recaps:
            ClaimedDelivery.outcome(recap)
        return outcomes

    def run_reminders(self) -> None:
        """As leader: the reminder DMs whose local time has come (on their own pool)."""
        fence = self.fence
        if fence is not None and self.reminders is not None:
            self.reminders(fence)

    def run_catch_up(self) -> None:
        """As leader: the private replies and count refreshes a stopped or dead replica owed."""
        if self.fence is not None and self.catch_up is not None:
            self.catch_up()

    def _housekeep(self) -> None:
        """The leader's hourly chores (purging workspaces past their retention window)."""
        if self.housekeeping is None:
            return
        now = time.monotonic()
        if now - self._housekept_at < HOUSEKEEPING_SECONDS:
            return
        self._housekept_at = now
        self.housekeeping()

    # -- APScheduler wiring ------------------------------------------------------------
    def start(self) -> None:
        self._aps = BackgroundScheduler(
            timezone=dt.UTC,
            # The lease heartbeat has a thread of its own (and the syncs theirs), so a minute
            # with a thousand channels due never starves the renewal and costs the lease.
            executors={
                "default": ThreadPoolExecutor(4),
                "lease": ThreadPoolExecutor(1),
                "control": ThreadPoolExecutor(2),
                "reminders": ThreadPoolExecutor(1),
                "catch-up": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        now = dt.datetime.now(dt.UTC)
        self._aps.add_job(
            self._safe(self.heartbeat),
            IntervalTrigger(seconds=self.renew_seconds),
            id="lease-heartbeat",
            executor="lease",
            next_run_time=now,
            replace_existing=True,
        )
        self._aps.add_job(
            self._safe(self.sync),
            IntervalTrigger(seconds=self.sync_seconds),
            id="schedule-sync",
            executor="control",
            next_run_time=now,
            replace_existing=True,
        )
        if self.reminders is not None:
            self._aps.add_job(
                self._safe(self.run_reminders),
                IntervalTrigger(seconds=REMINDER_SECONDS),
                id="reminders",
                executor="reminders",
                next_run_time=now,
                replace_existing=True,
            )
        if self.catch_up is not None:
            self._aps.add_job(
                self._safe(self.run_catch_up),
                IntervalTrigger(seconds=CATCH_UP_SECONDS),
                id="catch-up",
                executor="catch-up",
                next_run_time=now,
                replace_existing=True,
            )
        self._aps.start()

    def stop(self, *, release: bool = True) -> None:
        """Stop the jobs and (unless the caller releases later, once the posts already queued
        are sent under this lease) give up the lease."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        if release:
            self.release()

    def _kick_sync(self) -> None:
        """Run the sync (and the reminders) now: this replica has just become the leader."""
        if self._aps is not None:
            self._aps.add_job(
                self._safe(self.sync), id="schedule-sync-now", executor="control", replace_existing=True
            )
            if self.reminders is not None:
                self._aps.add_job(
                    self._safe(self.run_reminders),
                    id="reminders-now",
                    executor="reminders",
                    replace_existing=True,
                )

    def _safe(
        self, job: Callable[[], object]
    ) -> Callable[[], None]:  # wraps a job so a database outage is a log line
        def run() -> None:
            try:
                job()
            except Exception as error:
                if is_unavailable(error):
                    self.database_ok = False
                    metrics.DATABASE_ERRORS.inc()
                    logger.warning("%s skipped: database unavailable", getattr(job, "__name__", "job"))
                else:
                    logger.exception("%s failed", getattr(job, "__name__", "job"))

        run.__name__ = getattr(job, "__name__", "job")
        return run

    def sync(self) -> None:
        """Align this process's cron jobs with the schedules table, then post what is due."""
        with self.db.reading() as session:
            schedules = list_schedules(session=session)
        self.database_ok = True
        wanted: dict[str, tuple[Schedule, tuple]] = {}
        for schedule in schedules:
            if schedule.flagged_error is not None:
                continue
            job_id = f"post:{schedule.team_id}:{schedule.channel_id}"
            signature = (schedule.hour, schedule.minute, schedule.timezone, schedule.days)
            wanted[job_id] = (schedule, signature)
        if self._aps is not None:
            for job_id in set(self._job_signatures) - set(wanted):
                self._aps.remove_job(job_id)
                del self._job_signatures[job_id]
            for job_id, (schedule, signature) in wanted.items():
                if self._job_signatures.get(job_id) == signature:
                    continue
                self._aps.add_job(
                    self._safe(self._fire_channel(schedule.team_id, schedule.channel_id)),
                    OnClusterTime(ScheduleSpec.of(schedule).trigger(), self.clock),
                    id=job_id,
                    replace_existing=True,
                )
                self._job_signatures[job_id] = signature
        self.run_due(wait=False)

    def _fire_channel(self, team_id: str, channel_id: str) -> Callable[[], None]:
        def fire() -> None:
            self.run_due(only_channel=(team_id, channel_id), wait=False)

        fire.__name__ = f"post {channel_id}"
        return fire


def _due_posts(
    session: Session, schedules: list[Schedule], now: dt.datetime
) -> list[tuple[Schedule, dt.date, Post | None]]:
    """Each channel's question due by `now`, with its post row if one was claimed; flagged
    channels and uninstalled workspaces post nothing."""
    paused = uninstalled_teams(session=session)
    due: list[tuple[Schedule, dt.date, Post | None]] = []
    for schedule in schedules:
        if schedule.flagged_error is not None or schedule.team_id in paused:
            continue
        day = due_quiz_day(ScheduleSpec.of(schedule), changed_at=schedule.updated_at, now=now)
        if day is None:
            continue
        post = find_post(
            session=session, team_id=schedule.team_id, channel_id=schedule.channel_id, quiz_day=day
        )
        due.append((schedule, day, post))
    return due
