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
from bot.clock import Clock, ClusterClock, cluster_clock
from bot.config import Settings
from bot.listeners import Listeners
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.own_questions import OwnQuestionActions
from bot.listeners.actions.private_answer import PrivateAnswer, StartReview
from bot.listeners.actions.report_problem import ReportProblem
from bot.listeners.commands.leader_quiz import LeaderQuiz
from bot.listeners.commands.router import CommandRouter
from bot.listeners.events.app_home_opened import AppHomeOpened
from bot.listeners.events.lifecycle import Lifecycle
from bot.listeners.views.own_question_submission import OwnQuestionSubmission
from bot.listeners.views.report_submission import ReportSubmission
from bot.scheduler import QuizScheduler
from bot.services.admins import AdminChecker
from bot.services.answer_counts import AnswerCounts
from bot.services.answer_writer import AnswerWriter, Folder
from bot.services.answering import Answering
from bot.services.catalog import QuestionCatalog
from bot.services.daily_posts import DailyPosts
from bot.services.delivery import ClaimedDelivery
from bot.services.home import Home
from bot.services.insights import InsightsService
from bot.services.own_questions import OwnQuestions
from bot.services.people import People
from bot.services.practice import Practice, PrivateAnswers
from bot.services.private_replies import PrivateReplies
from bot.services.problem_reports import ProblemReports
from bot.services.quiz_teams import QuizTeams
from bot.services.recaps import SeasonRecaps
from bot.services.reminders import Reminders
from bot.services.reviews import Reviews
from bot.services.schedules import Schedules
from bot.services.stats import Stats
from bot.services.status import read_status
from bot.services.workspaces import Workspaces
from bot.slack.budget import BudgetGate
from bot.slack.clients import GatedClient, SlackClients, StaticClients
from bot.slack.installed import (
    InstalledClients,
    SingleWorkspaceAuthorize,
    WorkspaceAuthorize,
    WorkspaceTokens,
)
from bot.slack.limits import SlackLimits
from bot.slack.outbox import Outbox
from bot.slack.scopes import required_scopes
from bot.web import INSTALL_PATH, REDIRECT_PATH, Health, SlackWebApp, WSGIApp
from content import Bank
from db.clock import DatabaseClock
from db.engine import Database, is_unavailable
from db.queries import budgets as budget_queries
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


def build_gate(settings: Settings, db: Database) -> BudgetGate:
    """The budget gate every Web API call of this process passes (its budgets are shared with
    every replica through the database)."""
    limits = SlackLimits(dict(settings.slack_rate_limits), distributed=settings.multi_workspace)
    return BudgetGate(db=db, limits=limits, single_workspace=not settings.multi_workspace)


def build_clients(settings: Settings, *, gate: BudgetGate, installs: Installs | None) -> SlackClients:
    if installs is not None:
        return InstalledClients(tokens=installs.tokens, api_url=settings.slack_api_url, gate=gate)
    return StaticClients(token=settings.slack_bot_token, api_url=settings.slack_api_url, gate=gate)


def build_installs(settings: Settings, *, db: Database, clock: Clock, gate: BudgetGate) -> Installs:
    # Imported here: slack_sdk's SQLAlchemy stores (and the asyncio layer they pull in) stay
    # out of a single-workspace process.
    from db.installations import EncryptedInstallationStore, OAuthStates

    cipher = TokenCipher(settings.token_encryption_keys)
    store = EncryptedInstallationStore(
        client_id=settings.slack_client_id,
        engine=db.library_engine,
        cipher=cipher,
        writes=db.library_writing,
    )
    api = GatedClient(None, api_url=settings.slack_api_url, gate=gate)
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
        state_store=OAuthStates(engine=db.library_engine, writes=db.library_writing),
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
    bank: Bank  # the shipped bank (or CONTENT_DIR's)
    catalog: QuestionCatalog  # the questions each workspace can see: the bank and its own
    clock: ClusterClock
    clients: SlackClients
    gate: BudgetGate
    outbox: Outbox
    delivery: ClaimedDelivery
    schedules: Schedules
    stats: Stats
    posts: DailyPosts
    recaps: SeasonRecaps
    answering: Answering
    practice: Practice
    reviews: Reviews
    reminders: Reminders
    insights: InsightsService
    problem_reports: ProblemReports
    counts: AnswerCounts
    writer: AnswerWriter
    folder: Folder
    replies: PrivateReplies
    home: Home
    own: OwnQuestions
    people: People
    teams: QuizTeams
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
        self.scheduler.stop(release=False)
        self.writer.stop()  # the clicks already taken are stored (and acknowledged) first
        self.folder.stop()
        # Sends what is due for a few seconds and writes the last marks; what is left stays
        # owed in the database (answers, claims, counts, reveals) for the leader to send. The
        # lease goes after: the posts already queued are claimed under it, not refused as stale.
        self.outbox.close()
        self.scheduler.release()
        try:
            with self.db.writing() as session:
                budget_queries.forget_snapshot(session=session, replica_id=self.settings.replica_id)
        except Exception:
            logger.warning("could not remove this replica's outbox snapshot", exc_info=True)
        self.db.dispose()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    database_clock: DatabaseClock | None = None,
    bank: Bank | None = None,
) -> Runtime:
    bank = bank or settings.load_bank()
    # Request threads and the outbox's workers share the pool; connections are held only inside
    # short transactions, never across a Slack call.
    db = Database(settings.database_url, pool_size=max(10, settings.http_threads))
    # Every time the replicas share (leases, due posts, claims, answers, counts) is the
    # cluster's; the scheduler's lease beat keeps the offset measured from here on.
    clock = cluster_clock(clock, database_clock)
    try:
        clock.measure(db)
    except Exception as error:
        if not is_unavailable(error):
            raise
        logger.warning("could not read the database's clock yet; the first lease beat will")
    gate = build_gate(settings, db)
    installs = build_installs(settings, db=db, clock=clock, gate=gate) if settings.multi_workspace else None
    clients = build_clients(settings, gate=gate, installs=installs)
    # In multi-workspace mode, queued sends for a workspace uninstalled since are dropped.
    outbox = Outbox(
        gate=gate, installed=(lambda team_id: clients.for_team(team_id) is not None) if installs else None
    )
    outbox.every(SNAPSHOT_SECONDS, _snapshot_writer(settings.replica_id, db, outbox, gate, clock))
    delivery = ClaimedDelivery(
        db=db,
        clients=clients,
        clock=clock,
        outbox=outbox,
        stale_claim=dt.timedelta(seconds=settings.claim_stale_seconds),
    )
    schedules = Schedules(db=db, clock=clock)
    catalog = QuestionCatalog(db=db, bank=bank, clock=clock)
    stats = Stats(db=db, catalog=catalog, schedules=schedules)
    posts = DailyPosts(
        db=db,
        catalog=catalog,
        clients=clients,
        clock=clock,
        delivery=delivery,
        schedules=schedules,
        outbox=outbox,
    )
    insights = InsightsService(db=db, catalog=catalog, clock=clock, stats=stats)
    recaps = SeasonRecaps(db=db, catalog=catalog, clock=clock, delivery=delivery, insights=insights)
    counts = AnswerCounts(
        outbox=outbox,
        db=db,
        catalog=catalog,
        clients=clients,
        clock=clock,
        window_seconds=settings.count_update_seconds,
        on_closed=lambda post_id, team_id: posts.reveal(post_id, team_id=team_id),
    )
    reminders = Reminders(db=db, catalog=catalog, clock=clock, clients=clients, delivery=delivery)
    writer = AnswerWriter(db=db)
    folder = Folder(db=db)
    answering = Answering(db=db, catalog=catalog, clock=clock, writer=writer)
    replies = PrivateReplies(
        db=db,
        clock=clock,
        clients=clients,
        outbox=outbox,
        stored_reply=lambda post_id, user_id: answering.stored_reply(post_id=post_id, user_id=user_id),
        resend_after_s=settings.reply_resend_seconds,
    )

    def catch_up() -> None:  # what a stopped or dead replica left owed
        replies.catch_up()
        counts.catch_up()
        posts.catch_up_reveals()

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
        catch_up=catch_up,
    )
    private_answers = PrivateAnswers(db=db, catalog=catalog, clock=clock)
    practice = Practice(db=db, catalog=catalog, clock=clock, answers=private_answers)
    reviews = Reviews(db=db, catalog=catalog, clock=clock, answers=private_answers)
    teams = QuizTeams(db=db, clients=clients, stats=stats, clock=clock)
    admins = AdminChecker(
        clients=clients, quiz_admins=settings.quiz_admins, ttl_seconds=settings.admin_cache_seconds
    )
    problem_reports = ProblemReports(db=db, catalog=catalog, clock=clock)
    own = OwnQuestions(db=db, catalog=catalog, clock=clock, admins=admins, clients=clients, replies=replies)
    home = Home(db=db, catalog=catalog, stats=stats, reviews=reviews, clients=clients, outbox=outbox, own=own)
    router = CommandRouter(
        catalog=catalog,
        status=lambda team_id: read_status(db=db, now=clock.now(), team_id=team_id),
        admins=admins,
        stats=stats,
        practice=practice,
        schedules=schedules,
        posts=posts,
        teams=teams,
        reviews=reviews,
        reminders=reminders,
        insights=insights,
        problem_reports=problem_reports,
        leads_here=scheduler.is_leader,
        own=own,
    )
    listeners = Listeners(
        daily_answer=DailyAnswer(answering=answering, counts=counts, replies=replies),
        practice_answer=PrivateAnswer(grade=practice.answer, replies=replies),
        review_answer=PrivateAnswer(grade=reviews.answer, replies=replies),
        start_review=StartReview(reviews=reviews, replies=replies),
        report_problem=ReportProblem(
            problem_reports=problem_reports, catalog=catalog, admins=admins, replies=replies, clients=clients
        ),
        report_submission=ReportSubmission(problem_reports=problem_reports),
        leader_quiz=LeaderQuiz(router=router, replies=replies),
        app_home=AppHomeOpened(home=home),
        own_actions=OwnQuestionActions(own=own, home=home),
        own_submission=OwnQuestionSubmission(own=own, home=home),
        lifecycle=Lifecycle(workspaces=installs.workspaces) if installs else None,
    )
    return Runtime(
        settings=settings,
        db=db,
        bank=bank,
        catalog=catalog,
        clock=clock,
        clients=clients,
        gate=gate,
        outbox=outbox,
        delivery=delivery,
        schedules=schedules,
        stats=stats,
        posts=posts,
        recaps=recaps,
        answering=answering,
        practice=practice,
        reviews=reviews,
        reminders=reminders,
        insights=insights,
        problem_reports=problem_reports,
        counts=counts,
        writer=writer,
        folder=folder,
        replies=replies,
        home=home,
        own=own,
        people=People(db=db, counts=counts),
        teams=teams,
        admins=admins,
        scheduler=scheduler,
        listeners=listeners,
        installs=installs,
    )


SNAPSHOT_SECONDS = 5.0


def _snapshot_writer(
    replica_id: str, db: Database, outbox: Outbox, gate: BudgetGate, clock: Clock
) -> Callable[[], None]:
    """Every few seconds each replica writes what its outbox holds, for `leader-quiz status`."""

    def write() -> None:
        state = {"kinds": outbox.backlog(), "throttled": dict(gate.throttled_calls)}
        with db.writing() as session:
            budget_queries.save_snapshot(session=session, replica_id=replica_id, now=clock.now(), state=state)

    return write


def build_web_app(runtime: Runtime) -> SlackWebApp:
    """The Bolt app behind the WSGI front that gunicorn (or a test) serves. Bolt's own client
    carries no token and makes no call: requests are authorized by our `authorize` (in
    single-workspace mode too, so its one auth.test passes the budget gate), and listeners
    send through the outbox."""
    settings = runtime.settings
    installs = runtime.installs
    app_client = runtime.clients.app_client()
    if installs is None:
        client = runtime.clients.for_team("")
        assert client is not None
        bolt = create_app(
            settings,
            client=app_client,
            listeners=runtime.listeners,
            authorize=SingleWorkspaceAuthorize(client),
        )
    else:
        bolt = create_app(
            settings,
            client=app_client,
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
        api=runtime.clients.app_client(),  # openid.connect.*: no bot token; through the budget gate
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        authorize_base=settings.slack_api_url.removesuffix("api/") + "openid/connect/authorize",
        quiz_admins=settings.quiz_admins,
        single_workspace=not settings.multi_workspace,
    )
    dashboard = Dashboard(
        db=runtime.db,
        catalog=runtime.catalog,
        clock=runtime.clock,
        schedules=runtime.schedules,
        insights=runtime.insights,
        problem_reports=runtime.problem_reports,
        own=runtime.own,
    )
    return AdminApp(
        access=access,
        dashboard=dashboard,
        session_key=settings.admin_session_key,
        public_url=settings.public_url,
    )


def build_doctor(
    settings: Settings, *, clock: Clock | None = None, database_clock: DatabaseClock | None = None
) -> Doctor:
    """`leader-quiz doctor`'s parts: the database and each workspace's client, found as `serve`
    finds them (its calls pass the same budget gate), with nothing started and nothing
    migrated; the bank is loaded by the check itself, so an invalid one is reported rather
    than raised."""
    from bot.services.doctor import Doctor

    db = Database(settings.database_url, pool_size=2)
    clock = cluster_clock(clock, database_clock)  # measured by the doctor's own clock check
    gate = build_gate(settings, db)
    installs = build_installs(settings, db=db, clock=clock, gate=gate) if settings.multi_workspace else None
    clients = build_clients(settings, gate=gate, installs=installs)
    return Doctor(
        settings=settings, db=db, clients=clients, gate=gate, load_bank=settings.load_bank, clock=clock
    )
