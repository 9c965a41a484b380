"""What the admin dashboard shows and changes, for one workspace at a time: reads for its
pages (overview, learning, questions, reports, schedules, own lessons, changes), and the
changes made from it, each written with its audit row in one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import dashboard as rules
from bot.domain.authoring import OwnQuestionView
from bot.domain.dashboard import Count, DayPoint, Learning, LessonSeries, Overview, QuestionRow
from bot.domain.problem_reports import OpenReport
from bot.domain.status import ChannelStatus
from bot.services.catalog import QuestionCatalog
from bot.services.insights import InsightsService
from bot.services.own_questions import OwnQuestions
from bot.services.problem_reports import ProblemReports
from bot.services.schedules import Schedules, store_schedule
from bot.services.status import read_status
from content import Bank
from db import derived
from db.engine import Database
from db.models import AdminAudit
from db.queries import admin as admin_queries
from db.queries import dashboard as queries
from db.queries import own_questions as own_queries
from db.queries import problem_reports as report_queries
from db.queries import schedules as schedule_queries
from db.queries.insights import channel_people
from db.queries.stats import leaderboard
from quiz import question_quality, spaced
from quiz.periods import week_start
from quiz.schedule import ScheduleError, parse_schedule

QUIZ_DAYS = 30  # quiz days on the overview's charts
WEEKS = 12  # weeks on the activity and learning charts


@dataclass(frozen=True)
class OwnLessonsPage:
    questions: list[OwnQuestionView]  # lesson by lesson, current ones in order, then retired
    pending: int  # suggestions waiting in the admins' App Home
    channels: list[tuple[str, str]]  # quiz channels that post own questions: (channel, own|both)


@dataclass(frozen=True)
class Change:
    """A row of the audit log, as the changes page lists it."""

    at: dt.datetime
    actor_id: str | None
    action: str
    target: str
    detail: str


class Dashboard:
    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clock: Clock,
        schedules: Schedules,
        insights: InsightsService,
        problem_reports: ProblemReports,
        own: OwnQuestions,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.schedules = schedules
        self.insights = insights
        self.problem_reports = problem_reports
        self.own = own

    # -- reads -----------------------------------------------------------------------------
    def channels(self, *, team_id: str) -> list[str]:
        with self.db.reading() as session:
            return queries.quiz_channels(session=session, team_id=team_id)

    def _weeks(self, *, team_id: str, channel_id: str) -> list[dt.date]:
        """The Mondays of the last WEEKS weeks, this one last, in the channel's zone."""
        this_week = week_start(self.schedules.today(team_id=team_id, channel_id=channel_id))
        return [this_week - dt.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]

    def overview(self, *, team_id: str, channel_id: str) -> Overview:
        today = self.schedules.today(team_id=team_id, channel_id=channel_id)
        weeks = self._weeks(team_id=team_id, channel_id=channel_id)
        since = min(weeks[0], today - dt.timedelta(days=29))
        derived.settled(self.db)  # the board reads the caches
        with self.db.reading() as session:
            days = queries.answers_per_day(
                session=session, team_id=team_id, channel_id=channel_id, days=QUIZ_DAYS
            )
            answered = queries.answer_days(
                session=session, team_id=team_id, channel_id=channel_id, since=since
            )
            board = leaderboard(session=session, team_id=team_id, channel_id=channel_id)
        return Overview(
            channel_id=channel_id,
            days=[DayPoint(d.quiz_day, d.answered, d.correct) for d in days],
            active_weeks=rules.active_by_week(answered, weeks),
            streaks=rules.streak_buckets(row.current_streak for row in board),
            people=len(board),
            active_7=len({user for day, user in answered if day > today - dt.timedelta(days=7)}),
            active_30=len({user for day, user in answered if day > today - dt.timedelta(days=30)}),
        )

    def learning(self, *, team_id: str, channel_id: str) -> Learning:
        """ "Remembered now" per lesson at the end of each week (the current week: now), from the
        channel's people's review history replayed through FSRS; the last point is what
        `insights` shows now."""
        now = self.clock.now()
        zone = ZoneInfo(self.schedules.zone(team_id=team_id, channel_id=channel_id))
        weeks = self._weeks(team_id=team_id, channel_id=channel_id)
        instants = [
            min(now, dt.datetime.combine(week + dt.timedelta(days=7), dt.time(0), tzinfo=zone))
            for week in weeks
        ]
        with self.db.reading() as session:
            people = channel_people(session=session, team_id=team_id, channel_id=channel_id)
            events = queries.review_history(session=session, team_id=team_id, user_ids=people)
        by_card: dict[tuple[str, str], list[tuple[dt.datetime, bool]]] = defaultdict(list)
        for event in events:
            by_card[(event.user_id, event.question_id)].append(
                (event.reviewed_at, event.rating != 1)  # fsrs: 1 Again, 3 Good
            )
        bank = self.catalog.for_team(team_id)
        per_lesson: dict[str, list[list[int]]] = {}
        for (_, question_id), reviews in by_card.items():
            question = bank.question(question_id)
            if question is None:
                continue
            points = per_lesson.setdefault(question.lesson_id, [[0, 0] for _ in weeks])
            for point, remembered in zip(points, spaced.remembered_at(reviews, instants), strict=True):
                if remembered is not None:
                    point[0] += int(remembered)
                    point[1] += 1
        lessons = [
            LessonSeries(lesson=lesson.title, points=[(r, n) for r, n in per_lesson[lesson.id]])
            for lesson in bank.lessons
            if lesson.id in per_lesson
        ]
        return Learning(channel_id=channel_id, weeks=weeks, lessons=lessons)

    def questions(self, *, team_id: str, channel_id: str) -> list[QuestionRow]:
        """Every question asked in the channel, hardest first, with its flags."""
        summary = self.insights.between(
            team_id=team_id, channel_id=channel_id, period="all", start=None, end=None
        )
        with self.db.reading() as session:
            answers = queries.channel_answers(session=session, team_id=team_id, channel_id=channel_id)
        bank = self.catalog.for_team(team_id)
        keys = {}
        for insight in summary.questions:
            question = bank.question(insight.question_id)
            if question is not None:
                keys[insight.question_id] = question.correct_index
        checks = question_quality.key_checks(self._in_current_versions(team_id, bank, answers), keys)
        rows = []
        for insight in summary.questions:
            question = bank.question(insight.question_id)
            lesson = bank.lesson(question.lesson_id) if question else None
            check = checks.get(insight.question_id, question_quality.KeyCheck(0, 0, None, 0))
            bad_key_option = None
            if question is not None and check.bad_key and check.distractor is not None:
                bad_key_option = question.options[check.distractor].text
            rows.append(
                QuestionRow(
                    question_id=insight.question_id,
                    lesson=lesson.title if lesson else "",
                    prompt=insight.prompt,
                    answered=insight.answered,
                    right=insight.first_right,
                    top_wrong=insight.top_wrong_option,
                    top_wrong_count=insight.top_wrong,
                    key_check=check,
                    bad_key_option=bad_key_option,
                )
            )
        return rows

    def _in_current_versions(
        self, team_id: str, bank: Bank, answers: list[queries.AnswerRow]
    ) -> list[queries.AnswerRow]:
        """Answers as votes for the current version's options: an answer given to an earlier
        version of an edited question counts for the option of the same text (or for none)."""
        moved = []
        for answer in answers:
            current = bank.question(answer.question_id)
            if current is None or answer.version in (None, current.version):
                moved.append(answer)
                continue
            shown = self.catalog.version_of(team_id, answer.question_id, answer.version)
            text = (
                shown.options[answer.option_index].text
                if shown is not None and 0 <= answer.option_index < len(shown.options)
                else None
            )
            index = next((i for i, o in enumerate(current.options) if o.text == text), -1)
            moved.append(replace(answer, option_index=index))
        return moved

    def open_reports(self, *, team_id: str) -> list[OpenReport]:
        return self.problem_reports.open(team_id=team_id)

    def schedules_of(self, *, team_id: str) -> list[ChannelStatus]:
        return read_status(db=self.db, now=self.clock.now(), team_id=team_id).channels

    def own_lessons(self, *, team_id: str) -> OwnLessonsPage:
        """The workspace's own questions, lesson by lesson; suggestions waiting; which quiz
        channels post them."""
        uses = [
            (channel, self.own.channel_use(team_id=team_id, channel_id=channel))
            for channel in self.channels(team_id=team_id)
        ]
        return OwnLessonsPage(
            questions=self.own.listing(team_id=team_id),
            pending=self.own.pending(team_id=team_id),
            channels=[(channel, use) for channel, use in uses if use != "shipped"],
        )

    def changes(self, *, team_id: str) -> list[Change]:
        with self.db.reading() as session:
            rows: list[AdminAudit] = admin_queries.recent_changes(session=session, team_id=team_id)
            return [Change(r.at, r.actor_id, r.action, r.target, r.detail) for r in rows]

    # -- changes (each with its audit row, in one transaction) ------------------------------
    def resolve_report(self, *, team_id: str, report_id: int, actor_id: str) -> bool:
        """Mark one of the workspace's open reports resolved; False if there is no such report."""
        now = self.clock.now()
        with self.db.writing() as session:
            resolved = report_queries.resolve(
                session=session, report_id=report_id, team_id=team_id, by=actor_id, now=now
            )
            if resolved:
                admin_queries.record_change(
                    session=session,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="report.resolve",
                    target=f"report {report_id}",
                    detail="",
                    now=now,
                )
        return resolved

    def set_schedule(
        self, *, team_id: str, channel_id: str, time_text: str, zone_text: str, days_text: str, actor_id: str
    ) -> str:
        """Create or replace a channel's schedule, validated as `/leader-quiz schedule` is; the
        schedule as stored (`09:30 Europe/Berlin mon-fri`). Raises ScheduleError naming the bad part."""
        spec = parse_schedule(time_text, zone_text, days_text)
        now = self.clock.now()
        with self.db.writing() as session:
            store_schedule(session, team_id=team_id, channel_id=channel_id, spec=spec, now=now)
            admin_queries.record_change(
                session=session,
                team_id=team_id,
                actor_id=actor_id,
                action="schedule.set",
                target=channel_id,
                detail=spec.describe(),
                now=now,
            )
        return spec.describe()

    def retire_question(self, *, team_id: str, local_id: str, actor_id: str) -> bool:
        """Take one of the workspace's own questions out of rotation (its history stays); False
        if it has no such question in rotation."""
        now = self.clock.now()
        with self.db.writing() as session:
            retired = own_queries.retire(session=session, team_id=team_id, local_id=local_id, now=now)
            if retired:
                admin_queries.record_change(
                    session=session,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="question.retire",
                    target=local_id,
                    detail="never posted or practised again; its history stays",
                    now=now,
                )
        self.catalog.forget_places(team_id)
        return retired

    def remove_schedule(self, *, team_id: str, channel_id: str, actor_id: str) -> bool:
        now = self.clock.now()
        with self.db.writing() as session:
            removed = schedule_queries.remove_schedule(
                session=session, team_id=team_id, channel_id=channel_id
            )
            if removed:
                admin_queries.record_change(
                    session=session,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="schedule.remove",
                    target=channel_id,
                    detail="daily questions off",
                    now=now,
                )
        return removed


__all__ = ["Change", "Count", "Dashboard", "OwnLessonsPage", "ScheduleError"]
