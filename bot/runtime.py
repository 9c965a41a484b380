"""The composition root: everything a running bot needs, built once from settings and wired
here (and only here); the Slack listeners, the scheduler and the CLI take what they use."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.token_rotation import TokenRotator

from bot import metrics
from bot.app import create_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.listeners import Listeners
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.practice_answer import PracticeAnswer
from bot.listeners.actions.report_problem import ReportProblem
from bot.listeners.actions.review_answer import ReviewAnswer
from bot.listeners.commands.leader_quiz import LeaderQuiz
from bot.listeners.commands.router import CommandRouter
from bot.listeners.events.app_home_opened import AppHomeOpened
from bot.listeners.events.lifecycle import Lifecycle
from bot.listeners.respond import Responder
from bot.listeners.views.report_submission import ReportSubmission
from bot.scheduler import QuizScheduler
from bot.services.admins import AdminChecker
from bot.services.answering import Answering
from bot.services.counts import CountRefresher
from bot.services.delivery import ClaimedDelivery
from bot.services.feedback import Feedback
from bot.services.home import Home
from bot.services.insights import InsightsService
from bot.services.outbox import Outbox
from bot.services.people import People
from bot.services.posting import DailyPosts
from bot.services.practice import Practice, PrivateAnswers
from bot.services.recaps import SeasonRecaps
from bot.services.reminders import Reminders
from bot.services.replies import OwedReplies
from bot.services.reports import Reports
from bot.services.reviews import Reviews
from bot.services.schedules import Schedules
from bot.services.teams import Teams
from bot.services.workspaces import Workspaces
from bot.slack.clients import SlackClients, StaticClients, make_client
from bot.slack.installed import InstalledClients, WorkspaceAuthorize, WorkspaceTokens
from bot.slack.scopes import required_scopes
from bot.web import INSTALL_PATH, REDIRECT_PATH, Health, SlackWebApp, WSGIApp
from content import Bank
from db.engine import Database
from db.token_cipher import TokenCipher

if TYPE_CHECKING:
    from bot.services.doctor import Doctor
    from db.installations import EncryptedInstallationStore

logger = logging.getLogger(__name__)


@dataclass
class Installs:
    """Multi-workspace mode's parts: where tokens are kept, how they are found and refreshed,
    the install flow, and the workspaces' lifecycle."""

    store: EncryptedInstallationStore
    tokens: WorkspaceTokens
    workspaces: Workspaces
    oauth: OAuthSettings
    authorize: WorkspaceAuthorize


def build_installs(settings: Settings, *, db: Database, clock: Clock) -> Installs:
    # Imported here: slack_sdk's SQLAlchemy stores (and the asyncio layer they pull in) stay
    # out of a single-workspace process.
    from db.installations import EncryptedInstallationStore, state_store

    cipher = TokenCipher(settings.token_encryption_keys)
    store = EncryptedInstallationStore(
        client_id=settings.slack_client_id, engine=db.library_engine, cipher=cipher
    )
    api = make_client(None, settings.slack_api_url)
    tokens = WorkspaceTokens(
        db=db,
        store=store,
        rotator=TokenRotator(
            client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, client=api
        ),
        clock=clock,
        replica_id=settings.replica_id,
    )
    workspaces = Workspaces(
        db=db,
        store=store,
        tokens=tokens,
        clock=clock,
        retention=dt.timedelta(days=settings.uninstall_retention_days),
    )

    def installed(args: SuccessArgs) -> BoltResponse:
        workspaces.installed(args.installation)
        return args.default.success(args)

    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes or sorted(required_scopes())),
        installation_store=store,
        state_store=state_store(db.library_engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=f"{settings.public_url}{REDIRECT_PATH}" if settings.public_url else None,
        # The authorize page lives beside the Web API (slack.com, GovSlack, or a test's fake).
        authorization_url=settings.slack_api_url.removesuffix("api/") + "oauth/v2/authorize",
        callback_options=CallbackOptions(success=installed, failure=lambda args: args.default.failure(args)),
        logger=logging.getLogger("bot.oauth"),
    )
    return Installs(
        store=store, tokens=tokens, workspaces=workspaces, oauth=oauth, authorize=WorkspaceAuthorize(tokens)
    )


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
    reviews: Reviews
    reminders: Reminders
    insights: InsightsService
    feedback: Feedback
    counts: CountRefresher
    replies: OwedReplies
    people: People
    teams: Teams
    admins: AdminChecker
    scheduler: QuizScheduler
    listeners: Listeners
    installs: Installs | None = None  # multi-workspace mode
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def serve_metrics(self, *, endpoint: bool = True) -> None:
        """With METRICS_PORT set: /metrics on HOST:METRICS_PORT (unless another process serves
        it, `endpoint=False`), and the gauges of things that change without an event sampled
        in the background."""
        port = self.settings.metrics_port
        if port is None:
            return
        if endpoint:
            self._stops.append(metrics.serve(self.settings.host, port))
        for ticker in (
            metrics.Ticker([self.outbox.sample, self.scheduler.sample], interval=1.0),
            # One read of every schedule: often enough for a 10-minute alert, cheap enough.
            metrics.Ticker([self.scheduler.sample_overdue], interval=15.0),
        ):
            ticker.start()
            self._stops.append(ticker.stop)
        if endpoint:
            logger.info("metrics on http://%s:%d/metrics", self.settings.host, port)

    def close(self) -> None:
        for stop in self._stops:
            stop()
        self.scheduler.stop()
        self.reminders.pool.stop()
        self.counts.stop()  # a refresh not yet sent is caught up by the leader (services/replies)
        self.outbox.close()  # sends what is queued, for a few seconds
        self.replies.stop()  # marks those sent; the rest stay owed in the database
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
    # Request threads, the outbox and up to 32 posting threads share the pool; connections
    # are held only inside short transactions, never across a Slack call.
    db = Database(settings.database_url, pool_size=max(10, settings.http_threads))
    installs = build_installs(settings, db=db, clock=clock) if settings.multi_workspace else None
    if clients is None:
        clients = (
            InstalledClients(tokens=installs.tokens, api_url=settings.slack_api_url)
            if installs is not None
            else StaticClients.from_token(settings.slack_bot_token, settings.slack_api_url)
        )
    # In multi-workspace mode, queued replies for a workspace uninstalled since are dropped.
    outbox = Outbox(installed=(lambda team_id: clients.for_team(team_id) is not None) if installs else None)
    delivery = ClaimedDelivery(
        db=db, clients=clients, clock=clock, stale_claim=dt.timedelta(seconds=settings.claim_stale_seconds)
    )
    schedules = Schedules(db=db, clock=clock)
    reports = Reports(db=db, bank=bank, schedules=schedules)
    posts = DailyPosts(db=db, bank=bank, clients=clients, clock=clock, delivery=delivery, schedules=schedules)
    insights = InsightsService(db=db, bank=bank, clock=clock, reports=reports)
    recaps = SeasonRecaps(db=db, bank=bank, clock=clock, delivery=delivery, insights=insights)
    counts = CountRefresher(
        outbox=outbox,
        db=db,
        bank=bank,
        clients=clients,
        clock=clock,
        window_seconds=settings.count_update_seconds,
        on_closed=posts.reveal,
    )
    reminders = Reminders(db=db, bank=bank, clock=clock, clients=clients, delivery=delivery)
    answering = Answering(db=db, bank=bank, clock=clock)
    replies = OwedReplies(
        db=db,
        clock=clock,
        answering=answering,
        clients=clients,
        outbox=outbox,
        counts=counts,
        resend_after_s=settings.reply_resend_seconds,
    )
    replies.start()
    scheduler = QuizScheduler(
        db=db,
        posts=posts,
        recaps=recaps,
        clock=clock,
        replica_id=settings.replica_id,
        lease_seconds=settings.lease_seconds,
        renew_seconds=settings.lease_renew_seconds,
        sync_seconds=settings.schedule_sync_seconds,
        housekeeping=installs.workspaces.purge_due if installs else None,
        reminders=reminders.run_due,
        catch_up=replies.catch_up,
    )
    private_answers = PrivateAnswers(db=db, bank=bank, clock=clock)
    practice = Practice(db=db, bank=bank, clock=clock, answers=private_answers)
    reviews = Reviews(db=db, bank=bank, clock=clock, answers=private_answers)
    teams = Teams(db=db, clients=clients, reports=reports, clock=clock)
    admins = AdminChecker(
        clients=clients, quiz_admins=settings.quiz_admins, ttl_seconds=settings.admin_cache_seconds
    )
    responder = Responder(outbox, clients)
    feedback = Feedback(db=db, bank=bank, clock=clock)
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
        reviews=reviews,
        reminders=reminders,
        insights=insights,
        feedback=feedback,
        leads_here=scheduler.is_leader,
    )
    listeners = Listeners(
        daily_answer=DailyAnswer(answering=answering, counts=counts, responder=responder, replies=replies),
        practice_answer=PracticeAnswer(practice=practice, responder=responder),
        review_answer=ReviewAnswer(reviews=reviews, responder=responder),
        report_problem=ReportProblem(feedback=feedback, bank=bank, admins=admins, responder=responder),
        report_submission=ReportSubmission(feedback=feedback),
        leader_quiz=LeaderQuiz(router=router, responder=responder),
        app_home=AppHomeOpened(home=Home(db=db, reports=reports, reviews=reviews), responder=responder),
        lifecycle=Lifecycle(workspaces=installs.workspaces) if installs else None,
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
        reviews=reviews,
        reminders=reminders,
        insights=insights,
        feedback=feedback,
        counts=counts,
        replies=replies,
        people=People(db=db, counts=counts),
        teams=teams,
        admins=admins,
        scheduler=scheduler,
        listeners=listeners,
        installs=installs,
    )


def build_web_app(runtime: Runtime) -> SlackWebApp:
    """The Bolt app behind the WSGI front that gunicorn (or a test) serves."""
    settings = runtime.settings
    installs = runtime.installs
    if installs is None:
        client = runtime.clients.for_team("")
        assert client is not None
        bolt = create_app(settings, client=client, listeners=runtime.listeners)
    else:  # no token of its own: each request's comes from `authorize`
        bolt = create_app(
            settings,
            client=make_client(None, settings.slack_api_url),
            listeners=runtime.listeners,
            oauth=installs.oauth,
            authorize=installs.authorize,
        )
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
        admin=build_admin(runtime) if settings.admin_sign_in else None,
    )


def build_admin(runtime: Runtime) -> WSGIApp:
    """The dashboard under /admin: Sign in with Slack against SLACK_API_URL's authorize page (as
    the OAuth install's), its sessions, and its pages over the services."""
    from bot.admin import AdminApp
    from bot.services.dashboard import Dashboard
    from bot.services.sign_in import AdminAccess

    settings = runtime.settings
    access = AdminAccess(
        db=runtime.db,
        clock=runtime.clock,
        clients=runtime.clients,
        api=make_client(None, settings.slack_api_url),  # openid.connect.*: no bot token
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        authorize_base=settings.slack_api_url.removesuffix("api/") + "openid/connect/authorize",
        quiz_admins=settings.quiz_admins,
        single_workspace=not settings.multi_workspace,
    )
    dashboard = Dashboard(
        db=runtime.db,
        bank=runtime.bank,
        clock=runtime.clock,
        schedules=runtime.schedules,
        insights=runtime.insights,
        feedback=runtime.feedback,
    )
    return AdminApp(
        access=access,
        dashboard=dashboard,
        session_key=settings.admin_session_key,
        public_url=settings.public_url,
    )


def build_doctor(settings: Settings, *, clock: Clock | None = None) -> Doctor:
    """`leader-quiz doctor`'s parts: the database and each workspace's client, found as `serve`
    finds them, with nothing started and nothing migrated; the bank is loaded by the check
    itself, so an invalid one is reported rather than raised."""
    from bot.services.doctor import Doctor

    clock = clock or SystemClock()
    db = Database(settings.database_url, pool_size=2)
    installs = build_installs(settings, db=db, clock=clock) if settings.multi_workspace else None
    clients: SlackClients = (
        InstalledClients(tokens=installs.tokens, api_url=settings.slack_api_url)
        if installs is not None
        else StaticClients.from_token(settings.slack_bot_token, settings.slack_api_url)
    )
    return Doctor(settings=settings, db=db, clients=clients, load_bank=settings.load_bank, now=clock.now)
