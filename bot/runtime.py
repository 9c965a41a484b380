"""Everything a running bot needs, built once from settings and shared by the Slack
listeners, the scheduler and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.admin import AdminChecker
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.scheduler import QuizScheduler
from bot.services.answering import Answering
from bot.services.counts import CountRefresher
from bot.services.outbox import Outbox
from bot.services.posting import DailyPoster
from bot.services.reports import Reports
from bot.slack_client import make_client, make_posting_client
from content import Bank
from db.engine import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bank: Bank
    client: WebClient
    clock: Clock
    admin: AdminChecker
    poster: DailyPoster
    answering: Answering
    refresher: CountRefresher
    reports: Reports
    scheduler: QuizScheduler
    outbox: Outbox

    def now(self) -> dt.datetime:
        return self.clock.now()

    def __deepcopy__(self, memo: dict) -> Runtime:
        # Bolt deep-copies the context for lazy listeners; the runtime is shared, not copied.
        return self

    def close(self) -> None:
        self.scheduler.stop()
        self.refresher.stop()
        self.outbox.close()
        self.db.dispose()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bank: Bank | None = None,
    client: WebClient | None = None,
    posting_client: WebClient | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    bank = bank or settings.load_bank()
    client = client or make_client(settings)
    posting_client = posting_client or make_posting_client(settings)
    # Request threads, the outbox and up to 32 posting threads share the pool; connections
    # are held only inside short transactions, never across a Slack call.
    db = Database(settings.database_url, pool_size=max(10, settings.http_threads))
    poster = DailyPoster(
        db=db,
        bank=bank,
        client=client,
        posting_client=posting_client,
        clock=clock,
        stale_claim=dt.timedelta(seconds=settings.claim_stale_seconds),
    )
    outbox = Outbox()
    refresher = CountRefresher(
        outbox=outbox,
        db=db,
        bank=bank,
        client=client,
        clock=clock,
        window_seconds=settings.count_update_seconds,
        on_closed=poster.reveal,
    )
    scheduler = QuizScheduler(
        db=db,
        poster=poster,
        clock=clock,
        replica_id=settings.replica_id,
        lease_seconds=settings.lease_seconds,
        renew_seconds=settings.lease_renew_seconds,
        sync_seconds=settings.schedule_sync_seconds,
    )
    return Runtime(
        settings=settings,
        db=db,
        bank=bank,
        client=client,
        clock=clock,
        admin=AdminChecker(
            client=client, quiz_admins=settings.quiz_admins, ttl_seconds=settings.admin_cache_seconds
        ),
        poster=poster,
        answering=Answering(db=db, bank=bank, clock=clock),
        refresher=refresher,
        reports=Reports(db=db, bank=bank),
        scheduler=scheduler,
        outbox=outbox,
    )
