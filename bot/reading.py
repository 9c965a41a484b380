"""What the CLI's reading commands need (stats, leaderboard, insights, export): the database,
the question catalog (the bank and each workspace's own questions), schedules, stats and insights, and nothing that talks to Slack, sends or
schedules. The whole runtime (Bolt, the outbox and its budgets, the scheduler, the answer
writer) took a second to build for a command that reads a few rows; this is the imports and
one query for the database's clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import cluster_clock
from bot.config import Settings
from bot.services.catalog import QuestionCatalog
from bot.services.insights import InsightsService
from bot.services.schedules import Schedules
from bot.services.stats import Stats
from db.engine import Database
from db.migrate import ensure_current


@dataclass
class Reading:
    settings: Settings
    db: Database
    catalog: QuestionCatalog
    schedules: Schedules
    stats: Stats
    insights: InsightsService

    def close(self) -> None:
        self.db.dispose()


def build_reading(settings: Settings) -> Reading:
    ensure_current(settings.database_url)
    bank = settings.load_bank()
    db = Database(settings.database_url, pool_size=1)
    clock = cluster_clock(None, None)  # "today" is the database's, as in serve
    clock.measure(db)
    schedules = Schedules(db=db, clock=clock)
    catalog = QuestionCatalog(db=db, bank=bank, clock=clock)
    stats = Stats(db=db, catalog=catalog, schedules=schedules)
    insights = InsightsService(db=db, catalog=catalog, clock=clock, stats=stats)
    return Reading(
        settings=settings,
        db=db,
        catalog=catalog,
        schedules=schedules,
        stats=stats,
        insights=insights,
    )
