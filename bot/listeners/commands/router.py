"""`/leader-quiz` subcommands: text in, private reply out. Admin subcommands check the
caller first and change nothing when refused or when their input is bad."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.blocks.authoring import SUGGEST, WRITE
from bot.blocks.help import render_help
from bot.blocks.insights import render_insights
from bot.blocks.problem_reports import render_open_reports
from bot.blocks.reply import Reply
from bot.blocks.stats import MAX_LEADERBOARD_ROWS, render_leaderboard, render_lessons, render_stats
from bot.blocks.status import render_status
from bot.blocks.text import escape
from bot.domain.status import Status
from bot.listeners.commands.quiz_team import quiz_team_command, quiz_teams_board
from bot.services.admins import AdminChecker
from bot.services.catalog import QuestionCatalog
from bot.services.daily_posts import DailyPosts, PostStatus
from bot.services.insights import InsightsService
from bot.services.own_questions import SUGGESTIONS_PER_DAY, OwnQuestions
from bot.services.practice import Practice, UnknownLesson
from bot.services.problem_reports import ProblemReports
from bot.services.quiz_teams import QuizTeams
from bot.services.reminders import Reminders
from bot.services.reviews import Reviews
from bot.services.schedules import Schedules
from bot.services.stats import Stats
from db.queries.own_questions import USES, split_own_id
from quiz.periods import MONTH, PERIODS
from quiz.reminders import DEFAULT_TIME
from quiz.schedule import ScheduleError, parse_schedule, parse_time

USES_TOLD = {
    "shipped": "This channel's daily questions come from the shipped curriculum.",
    "own": "This channel's daily questions come from your workspace's own lessons.",
    "both": "This channel's daily questions take turns: your own lessons, then the curriculum.",
}
MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
MAX_TEXT = 500


@dataclass(frozen=True)
class Invocation:
    team_id: str
    channel_id: str
    user_id: str
    args: list[str]
    trigger_id: str = ""  # opens a modal (within 3 s)
    enterprise_id: str | None = None


Handler = Callable[[Invocation], Reply | None]  # None: answered otherwise (a modal opened)


class CommandRouter:
    """Routes a subcommand to its handler; everything a handler needs is passed in here."""

    def __init__(
        self,
        *,
        catalog: QuestionCatalog,
        status: Callable[[str], Status],
        admins: AdminChecker,
        stats: Stats,
        practice: Practice,
        schedules: Schedules,
        posts: DailyPosts,
        teams: QuizTeams,
        reviews: Reviews,
        reminders: Reminders,
        insights: InsightsService,
        problem_reports: ProblemReports,
        leads_here: Callable[[], bool],
        own: OwnQuestions,
    ) -> None:
        self.catalog = catalog
        self.read_status = status  # a workspace's channels, next posts and replicas (services/status.py)
        self.admins = admins
        self.stats_service = stats
        self.practice_service = practice
        self.schedules = schedules
        self.posts = posts
        self.teams_service = teams
        self.reviews = reviews
        self.reminders = reminders
        self.insights_service = insights
        self.problem_reports = problem_reports
        self.leads_here = leads_here
        self.own = own
        self._public: dict[str, Handler] = {
            "": self.practice,
            "practice": self.practice,
            "stats": self.stats,
            "leaderboard": self.leaderboard,
            "lessons": self.lessons,
            "help": self.help,
            "teams": self.teams,
            "review": self.review,
            "remind": self.remind,
            "author": self.author,
            "write": self.author,
            "suggest": self.suggest,
        }
        self._admin: dict[str, Handler] = {
            "schedule": self.schedule,
            "post": self.post,
            "status": self.status,
            "team": self.team,
            "insights": self.insights,
            "reports": self.reports_command,
            "retire": self.retire,
        }

    def run(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        text: str,
        trigger_id: str = "",
        enterprise_id: str | None = None,
    ) -> Reply | None:
        words = (text or "").strip()[:MAX_TEXT].split()
        name = words[0].lower() if words else ""
        call = Invocation(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            args=words[1:],
            trigger_id=trigger_id,
            enterprise_id=enterprise_id,
        )
        if name in self._public:
            return self._public[name](call)
        if name in self._admin:
            if not self.admins.is_admin(team_id=team_id, user_id=user_id):
                return Reply.plain(
                    f"Sorry, `{name}` is for workspace admins and quiz admins. Nothing was changed."
                )
            return self._admin[name](call)
        return Reply(*render_help(unknown=words[0]))

    # -- everyone ----------------------------------------------------------------------
    def help(self, call: Invocation) -> Reply:
        return Reply(*render_help())

    def practice(self, call: Invocation) -> Reply:
        wanted = " ".join(call.args)
        try:
            return self.practice_service.question(
                team_id=call.team_id, user_id=call.user_id, lesson_text=wanted
            )
        except UnknownLesson:
            return Reply.plain(f"No lesson matches `{wanted[:60]}`. `/leader-quiz lessons` lists them.")

    def stats(self, call: Invocation) -> Reply:
        target = call.user_id
        if call.args:
            match = MENTION.match(call.args[0])
            if match is None:
                return Reply.plain(
                    f"`{call.args[0][:40]}` is not a person: use `/leader-quiz stats @someone`."
                )
            target = match.group(1)
        report = self.stats_service.stats(team_id=call.team_id, channel_id=call.channel_id, user_id=target)
        memory = self.reviews.memory(team_id=call.team_id, user_id=target)
        return Reply(
            *render_stats(report, memory=memory, channel_id=call.channel_id, is_self=target == call.user_id)
        )

    def review(self, call: Invocation) -> Reply:
        return self.reviews.next_review(team_id=call.team_id, user_id=call.user_id)

    def remind(self, call: Invocation) -> Reply:
        words = [word.lower() for word in call.args]
        if words == ["off"]:
            removed = self.reminders.turn_off(team_id=call.team_id, user_id=call.user_id)
            return Reply.plain(
                "Reminders are off: no more direct messages." if removed else "You had no reminders on."
            )
        if not words or words[0] != "on" or len(words) > 2:
            return Reply.plain(
                "Usage: `/leader-quiz remind on [HH:MM]` (your local time, default 09:00) or `remind off`."
            )
        hour, minute = DEFAULT_TIME
        if len(words) == 2:
            try:
                hour, minute = parse_time(words[1])
            except ScheduleError as error:
                return Reply.plain(f"Reminders were not changed: {error}.")
        reminder = self.reminders.turn_on(
            team_id=call.team_id, user_id=call.user_id, hour=hour, minute=minute
        )
        return Reply.plain(
            f"Reminders are on: at most one direct message a day at *{hour:02d}:{minute:02d}* "
            f"({reminder.timezone}, your Slack time zone), only when reviews are due or a streak "
            "of 3 or more is at risk. `/leader-quiz remind off` stops them."
        )

    def leaderboard(self, call: Invocation) -> Reply:
        words = [word.lower() for word in call.args]
        by = "accuracy" if words and words[0] == "accuracy" else "correct"
        if by == "accuracy":
            words = words[1:]
        period = words[0] if words else MONTH
        if period not in PERIODS or len(words) > 1:
            return Reply.plain(f"`{' '.join(words)[:20]}` is not a period: use week, month or all.")
        report = self.stats_service.leaderboard(
            team_id=call.team_id,
            channel_id=call.channel_id,
            period=period,
            by=by,
            limit=MAX_LEADERBOARD_ROWS,
            viewer=call.user_id,
        )
        return Reply(*render_leaderboard(report, viewer=call.user_id))

    def lessons(self, call: Invocation) -> Reply:
        """The lessons and the caller's progress; `lessons use shipped|own|both` (admins) chooses
        what this channel's daily questions draw on."""
        if call.args and call.args[0].lower() == "use":
            return self.lessons_use(call)
        progress = self.stats_service.lesson_progress(team_id=call.team_id, user_id=call.user_id)
        lessons = self.catalog.for_team(call.team_id).lessons
        use = self.own.channel_use(team_id=call.team_id, channel_id=call.channel_id)
        return Reply(
            *render_lessons(
                progress, [lesson.id for lesson in lessons if lesson.questions], note=USES_TOLD[use]
            )
        )

    def lessons_use(self, call: Invocation) -> Reply:
        if not self.admins.is_admin(team_id=call.team_id, user_id=call.user_id):
            return Reply.plain(
                "Sorry, `lessons use` is for workspace admins and quiz admins. Nothing was changed."
            )
        words = [word.lower() for word in call.args[1:]]
        if len(words) != 1 or words[0] not in USES:
            return Reply.plain(
                "Usage: `/leader-quiz lessons use shipped|own|both`: the shipped curriculum, your "
                "workspace's own lessons, or both taking turns. Nothing was changed."
            )
        return Reply.plain(
            self.own.set_channel_use(team_id=call.team_id, channel_id=call.channel_id, use=words[0])
        )

    def author(self, call: Invocation) -> Reply | None:
        """Open the form to write a question (admins; never guests or other organisations)."""
        return self._form(call, WRITE)

    def suggest(self, call: Invocation) -> Reply | None:
        """Open the form to suggest a question (any member; never guests or other organisations)."""
        return self._form(call, SUGGEST)

    def _form(self, call: Invocation, mode: str) -> Reply | None:
        standing = self.own.standing(
            team_id=call.team_id, user_id=call.user_id, enterprise_id=call.enterprise_id
        )
        if not (standing.may_suggest if mode == SUGGEST else standing.may_author):
            return Reply.plain(
                standing.refusal("suggest questions" if mode == SUGGEST else "write questions")
            )
        if mode == SUGGEST and not self.own.suggestions_left(team_id=call.team_id, user_id=call.user_id):
            return Reply.plain(
                f"You have suggested {SUGGESTIONS_PER_DAY} questions in the last 24 hours, the most one "
                "person may. The admins have them; try again tomorrow."
            )
        if not call.trigger_id:
            return Reply.plain("Slack sent no way to open the form; try again.")
        view = self.own.form(team_id=call.team_id, mode=mode)
        assert view is not None  # a new question's form always exists
        refused = self.own.open_form(team_id=call.team_id, trigger_id=call.trigger_id, view=view)
        return Reply.plain(refused) if refused else None

    def retire(self, call: Invocation) -> Reply:
        """`retire <id>`: take one of the workspace's own questions out of rotation."""
        if len(call.args) != 1:
            return Reply.plain(
                "Usage: `/leader-quiz retire <question id>` (one of your own; `content list` shows them)."
            )
        wanted = call.args[0]
        own = split_own_id(wanted)
        local_id = own[1] if own is not None and own[0] == call.team_id else wanted
        if self.own.retire(team_id=call.team_id, local_id=local_id[:64]):
            return Reply.plain(
                f"Retired `{escape(local_id[:64])}`: it is never posted, practised or reviewed again, and its "
                "answers, cards and reports stay."
            )
        return Reply.plain(f"Your workspace has no question `{escape(wanted[:64])}` in rotation.")

    def teams(self, call: Invocation) -> Reply:
        return quiz_teams_board(
            self.teams_service,
            team_id=call.team_id,
            channel_id=call.channel_id,
            user_id=call.user_id,
            args=call.args,
        )

    # -- admins ------------------------------------------------------------------------
    def team(self, call: Invocation) -> Reply:
        return quiz_team_command(
            self.teams_service, team_id=call.team_id, channel_id=call.channel_id, args=call.args
        )

    def schedule(self, call: Invocation) -> Reply:
        args = call.args
        if not args:
            current = self.schedules.get(team_id=call.team_id, channel_id=call.channel_id)
            if current is None:
                return Reply.plain(
                    "This channel has no schedule. Set one: `/leader-quiz schedule 09:30 UTC mon-fri`"
                )
            shown = f"{current.hour:02d}:{current.minute:02d} {current.timezone} {current.days}"
            return Reply.plain(f"This channel's questions go out at *{shown}*.")
        if len(args) == 1 and args[0].lower() == "off":
            removed = self.schedules.remove(team_id=call.team_id, channel_id=call.channel_id)
            return Reply.plain(
                "Daily questions are off in this channel." if removed else "This channel had no schedule."
            )
        if len(args) != 3:
            return Reply.plain(
                "Usage: `/leader-quiz schedule HH:MM ZONE DAYS`, e.g. `schedule 09:30 Europe/Berlin mon-fri`. "
                "Nothing was changed."
            )
        try:
            spec = parse_schedule(*args)
        except ScheduleError as error:
            return Reply.plain(f"That schedule was not saved: {error}. Nothing was changed.")
        self.schedules.set(team_id=call.team_id, channel_id=call.channel_id, spec=spec)
        return Reply.plain(
            f"Daily questions in <#{call.channel_id}> go out at *{spec.describe()}*. "
            "Every replica picks this up within a minute."
        )

    def post(self, call: Invocation) -> Reply:
        today, outcome = self.posts.post_now(team_id=call.team_id, channel_id=call.channel_id)
        messages = {
            PostStatus.POSTED: f"Posted today's question ({today}).",
            PostStatus.ALREADY_POSTED: f"Today's question ({today}) is already posted here.",
            PostStatus.IN_PROGRESS: f"Today's question ({today}) is being posted right now.",
            PostStatus.CHANNEL_REFUSED: f"Slack refused this channel ({outcome.error}): invite the bot first.",
            PostStatus.FAILED: "Slack did not take the question; it will be retried.",
        }
        return Reply.plain(messages.get(outcome.status, f"Not posted: {outcome.error}"))

    def insights(self, call: Invocation) -> Reply:
        period = call.args[0].lower() if call.args else MONTH
        if period not in PERIODS or len(call.args) > 1:
            return Reply.plain(f"`{' '.join(call.args)[:20]}` is not a period: use week, month or all.")
        report = self.insights_service.insights(
            team_id=call.team_id, channel_id=call.channel_id, period=period
        )
        return Reply(*render_insights(report))

    def reports_command(self, call: Invocation) -> Reply:
        """Open reports of problems with questions; `reports resolve N` marks one resolved."""
        words = [word.lower() for word in call.args]
        if words and (words[0] != "resolve" or len(words) != 2 or not words[1].isdigit()):
            return Reply.plain("Usage: `/leader-quiz reports` or `/leader-quiz reports resolve <number>`.")
        if words and not self.problem_reports.resolve(
            team_id=call.team_id, report_id=int(words[1]), by=call.user_id
        ):
            return Reply.plain(f"There is no open report #{words[1]}.")
        return Reply(*render_open_reports(self.problem_reports.open(team_id=call.team_id)))

    def status(self, call: Invocation) -> Reply:
        status = self.read_status(call.team_id)
        return Reply.plain(render_status(status, leads_here=self.leads_here()))
