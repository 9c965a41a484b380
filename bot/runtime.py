"""The composition root: everything a running bot needs, built once from settings and wired
here (and only here); the Slack listeners, the scheduler and the CLI take what they use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.app import create_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.listeners import Listeners
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.practice_answer import PracticeAnswer
from bot.listeners.commands.leader_quiz import LeaderQuiz
from bot.listeners.commands.router import CommandRouter
from bot.listeners.events.app_home_opened import AppHomeOpened
from bot.listeners.respond import Responder
from bot.scheduler import QuizScheduler
from bot.services.admins import AdminChecker
from bot.services.answering import Answering
from bot.services.counts import CountRefresher
from bot.services.delivery import ClaimedDelivery
from bot.services.home import Home
from bot.services.outbox import Outbox
from bot.services.posting import DailyPosts
from bot.services.practice import Practice
from bot.services.recaps import SeasonRecaps
from bot.services.reports import Reports
from bot.services.schedules import Schedules
from bot.services.teams import Teams
from bot.slack.clients import SlackClients, StaticClients
from bot.web import Health, SlackWebApp
from content import Bank
from db.engine import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bank: Bank
    clock: Clock
    clients: SlackClients
    outbox: Outbox
    delivery: ClaimedDelivery
    schedules: Schedules
    reports: Reports
    posts: DailyPosts
    recaps: SeasonRecaps
    answering: Answering
    practice: Practice
    counts: CountRefresher
    teams: Teams
    admins: AdminChecker
    scheduler: QuizScheduler
    listeners: Listeners

    def close(self) -> None:
        self.scheduler.stop()
        self.counts.stop()
        self.outbox.close()
        self.db.dispose()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bank: Bank | None = None,
    clients: SlackClients | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    bank = bank or settings.load_bank()
    clients = clients or StaticClients.from_token(settings.slack_bot_token, settings.slack_api_url)
    # Request threads, the outbox and up to 32 posting threads share the pool; connections
    # are held only inside short transactions, never across a Slack call.
    db = Database(settings.database_url, pool_size=max(10, settings.http_threads))
    outbox = Outbox()
    delivery = ClaimedDelivery(
        db=db, clients=clients, clock=clock, stale_claim=dt.timedelta(seconds=settings.claim_stale_seconds)
    )
    schedules = Schedules(db=db, clock=clock)
    reports = Reports(db=db, bank=bank, schedules=schedules)
    posts = DailyPosts(db=db, bank=bank, clients=clients, clock=clock, delivery=delivery, schedules=schedules)
    recaps = SeasonRecaps(db=db, clock=clock, delivery=delivery)
    counts = CountRefresher(
        outbox=outbox,
        db=db,
        bank=bank,
        clients=clients,
        clock=clock,
        window_seconds=settings.count_update_seconds,
        on_closed=posts.reveal,
    )
    scheduler = QuizScheduler(
        db=db,
        posts=posts,
        recaps=recaps,
        clock=clock,
        replica_id=settings.replica_id,
        lease_seconds=settings.lease_seconds,
        renew_seconds=settings.lease_renew_seconds,
        sync_seconds=settings.schedule_sync_seconds,
    )
    answering = Answering(db=db, bank=bank, clock=clock)
    practice = Practice(db=db, bank=bank, clock=clock)
    teams = Teams(db=db, clients=clients, reports=reports, clock=clock)
    admins = AdminChecker(
        clients=clients, quiz_admins=settings.quiz_admins, ttl_seconds=settings.admin_cache_seconds
    )
    responder = Responder(outbox)
    router = CommandRouter(
        db=db,
        bank=bank,
        clock=clock,
        admins=admins,
        reports=reports,
        practice=practice,
        schedules=schedules,
        posts=posts,
        teams=teams,
        leads_here=scheduler.is_leader,
    )
    listeners = Listeners(
        daily_answer=DailyAnswer(answering=answering, counts=counts, responder=responder),
        practice_answer=PracticeAnswer(practice=practice, responder=responder),
        leader_quiz=LeaderQuiz(router=router, responder=responder),
        app_home=AppHomeOpened(home=Home(db=db, reports=reports), responder=responder),
    )
    return Runtime(
        settings=settings,
        db=db,
        bank=bank,
        clock=clock,
        clients=clients,
        outbox=outbox,
        delivery=delivery,
        schedules=schedules,
        reports=reports,
        posts=posts,
        recaps=recaps,
        answering=answering,
        practice=practice,
        counts=counts,
        teams=teams,
        admins=admins,
        scheduler=scheduler,
        listeners=listeners,
    )


def build_web_app(runtime: Runtime) -> SlackWebApp:
    """The Bolt app behind the WSGI front that gunicorn (or a test) serves."""
    settings = runtime.settings
    bolt = create_app(settings, client=runtime.clients.for_team(""), listeners=runtime.listeners)
    health = Health(
        db=runtime.db,
        fence=lambda: runtime.scheduler.fence,
        replica_id=settings.replica_id,
        mode="socket" if settings.socket_mode else "http",
    )
    return SlackWebApp(
        bolt=bolt,
        signing_secret=settings.slack_signing_secret,
        max_body_bytes=settings.max_body_bytes,
        health=health,
    )
