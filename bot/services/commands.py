"""`/leader-quiz` subcommands: text in, private reply out. Admin subcommands check the
caller first and change nothing when refused or when their input is bad."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from bot.blocks.question import render_practice_question
from bot.blocks.reports import (
    MAX_LEADERBOARD_ROWS,
    format_when,
    render_help,
    render_leaderboard,
    render_lessons,
    render_stats,
)
from bot.runtime import Runtime
from bot.schedule_spec import ScheduleError, parse_schedule
from bot.services.posting import PostStatus
from bot.services.practice import practice_order
from bot.services.replies import Reply
from bot.services.reports import PERIODS
from bot.services.status import read_status
from db.queries.answers import question_history
from db.queries.schedules import get_schedule, remove_schedule, set_schedule

MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
MAX_TEXT = 500


class CommandRunner:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._public: dict[str, Callable[[str, str, str, list[str]], Reply]] = {
            "": self.practice,
            "practice": self.practice,
            "stats": self.stats,
            "leaderboard": self.leaderboard,
            "lessons": self.lessons,
            "help": self.help,
            "teams": self.teams,
        }
        self._admin: dict[str, Callable[[str, str, str, list[str]], Reply]] = {
            "schedule": self.schedule,
            "post": self.post,
            "status": self.status,
            "team": self.team,
        }

    def __deepcopy__(self, memo: dict) -> CommandRunner:
        return self  # shared by every request (Bolt copies the context for lazy listeners)

    def run(self, *, team_id: str, channel_id: str, user_id: str, text: str) -> Reply:
        words = (text or "").strip()[:MAX_TEXT].split()
        name = words[0].lower() if words else ""
        args = words[1:]
        if name in self._public:
            return self._public[name](team_id, channel_id, user_id, args)
        if name in self._admin:
            if not self.rt.admin.is_admin(team_id=team_id, user_id=user_id):
                return Reply.plain(
                    f"Sorry, `{name}` is for workspace admins and quiz admins. Nothing was changed."
                )
            return self._admin[name](team_id, channel_id, user_id, args)
        return Reply(*render_help(unknown=words[0]))

    # -- everyone ----------------------------------------------------------------------
    def help(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        return Reply(*render_help())

    def practice(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        bank = self.rt.bank
        questions = bank.questions
        if args:
            lesson = bank.find_lesson(" ".join(args))
            if lesson is None:
                return Reply.plain(
                    f"No lesson matches `{' '.join(args)[:60]}`. `/leader-quiz lessons` lists them."
                )
            questions = list(lesson.questions)
        with self.rt.db.reading() as session:
            history = question_history(session=session, team_id=team_id, user_id=user_id)
        question = practice_order(questions, history, self.rt.now())[0]
        lesson = bank.lesson(question.lesson_id)
        assert lesson is not None
        return Reply(
            *render_practice_question(question=question, lesson=lesson, seed=secrets.randbelow(10**9))
        )

    def stats(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        target = user_id
        if args:
            match = MENTION.match(args[0])
            if match is None:
                return Reply.plain(f"`{args[0][:40]}` is not a person: use `/leader-quiz stats @someone`.")
            target = match.group(1)
        report = self.rt.reports.stats(team_id=team_id, channel_id=channel_id, user_id=target)
        return Reply(*render_stats(report, channel_id=channel_id, is_self=target == user_id))

    def leaderboard(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        words = [word.lower() for word in args]
        by = "accuracy" if words and words[0] == "accuracy" else "correct"
        if by == "accuracy":
            words = words[1:]
        period = words[0] if words else "month"
        if period not in PERIODS or len(words) > 1:
            return Reply.plain(f"`{' '.join(words)[:20]}` is not a period: use week, month or all.")
        report = self.rt.reports.leaderboard(
            team_id=team_id,
            channel_id=channel_id,
            period=period,
            now=self.rt.now(),
            by=by,
            limit=MAX_LEADERBOARD_ROWS,
            viewer=user_id,
        )
        return Reply(*render_leaderboard(report, viewer=user_id))

    def lessons(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        progress = self.rt.reports.lesson_progress(team_id=team_id, user_id=user_id)
        return Reply(*render_lessons(progress, [lesson.id for lesson in self.rt.bank.lessons]))

    def teams(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        from bot.services.teams import teams_board

        return teams_board(self.rt, team_id=team_id, channel_id=channel_id, user_id=user_id, args=args)

    # -- admins ------------------------------------------------------------------------
    def team(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        from bot.services.teams import team_command

        return team_command(self.rt, team_id=team_id, channel_id=channel_id, user_id=user_id, args=args)

    def schedule(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        if not args:
            with self.rt.db.reading() as session:
                current = get_schedule(session=session, team_id=team_id, channel_id=channel_id)
                shown = (
                    f"{current.hour:02d}:{current.minute:02d} {current.timezone} {current.days}"
                    if current
                    else None
                )
            if shown is None:
                return Reply.plain(
                    "This channel has no schedule. Set one: `/leader-quiz schedule 09:30 UTC mon-fri`"
                )
            return Reply.plain(f"This channel's questions go out at *{shown}*.")
        if len(args) == 1 and args[0].lower() == "off":
            with self.rt.db.writing() as session:
                removed = remove_schedule(session=session, team_id=team_id, channel_id=channel_id)
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
        with self.rt.db.writing() as session:
            set_schedule(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                hour=spec.hour,
                minute=spec.minute,
                timezone=spec.timezone,
                days=spec.days_text,
                now=self.rt.now(),
            )
        return Reply.plain(
            f"Daily questions in <#{channel_id}> go out at *{spec.describe()}*. "
            "Every replica picks this up within a minute."
        )

    def post(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        today = self.rt.reports.channel_today(team_id=team_id, channel_id=channel_id, now=self.rt.now())
        with self.rt.db.reading() as session:
            schedule = get_schedule(session=session, team_id=team_id, channel_id=channel_id)
            zone = schedule.timezone if schedule else "UTC"
        outcome = self.rt.poster.post_daily(
            team_id=team_id, channel_id=channel_id, quiz_day=today, timezone=zone, fence=None
        )
        messages = {
            PostStatus.POSTED: f"Posted today's question ({today}).",
            PostStatus.ALREADY_POSTED: f"Today's question ({today}) is already posted here.",
            PostStatus.IN_PROGRESS: f"Today's question ({today}) is being posted right now.",
            PostStatus.CHANNEL_REFUSED: f"Slack refused this channel ({outcome.error}): invite the bot first.",
            PostStatus.FAILED: "Slack did not take the question; it will be retried.",
        }
        return Reply.plain(messages.get(outcome.status, f"Not posted: {outcome.error}"))

    def status(self, team_id: str, channel_id: str, user_id: str, args: list[str]) -> Reply:
        status = read_status(db=self.rt.db, now=self.rt.now())
        leader = (
            f"Leader: `{status.leader}` · fencing token {status.token} · lease until "
            f"{format_when(status.lease_expires_at, 'UTC')}"
            if status.leader
            else "Leader: none yet"
        )
        lines = [
            f"• <#{c.channel_id}>: {c.schedule} · next {format_when(c.next_post_at, c.schedule.split()[1])}"
            + (f" · ⚠️ flagged: {c.flagged}" if c.flagged else "")
            for c in status.channels
            if c.team_id == team_id
        ]
        this_replica = "this replica leads" if self.rt.scheduler.is_leader() else "this replica follows"
        body = "\n".join(lines) or "No schedules yet."
        return Reply.plain(f"*leader-quiz status*\n{leader} ({this_replica})\n{body}")
