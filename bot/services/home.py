"""App Home: a person's own page, gathered (each quiz channel with streak, freezes, this
month's rank and team; their latest verdicts; lesson progress; reviews due) and published
through the outbox, the newest view winning."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import replace

from bot.blocks.home import render_home, render_home_unavailable
from bot.domain.home import HomeChannel, HomeReport, Verdict
from bot.services.catalog import QuestionCatalog
from bot.services.own_questions import OwnQuestions
from bot.services.reviews import Reviews
from bot.services.stats import Stats
from bot.slack.clients import SlackClients
from bot.slack.outbox import HOME, Call, GiveUp, Outbox
from db.engine import Database, is_unavailable
from db.queries import posts as post_queries
from db.queries.answers import latest_answers
from db.queries.quiz_teams import quiz_team_of
from db.queries.stats import user_channels, user_stats
from quiz.periods import MONTH

logger = logging.getLogger(__name__)

LATEST_VERDICTS = 3
HOME_DEADLINE_S = 60.0  # a view still unsent after a minute is stale: the next opening sends one


class Home:
    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        stats: Stats,
        reviews: Reviews,
        clients: SlackClients,
        outbox: Outbox,
        own: OwnQuestions | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.stats = stats
        self.reviews = reviews
        self.clients = clients
        self.outbox = outbox
        self.own = own

    def report(
        self, *, team_id: str, user_id: str, enterprise_id: str | None = None, notice: str | None = None
    ) -> HomeReport:
        with self.db.reading() as session:
            channel_ids = user_channels(session=session, team_id=team_id, user_id=user_id)
        channels = []
        for channel_id in channel_ids:
            board = self.stats.leaderboard(team_id=team_id, channel_id=channel_id, period=MONTH)
            mine = next((row for row in board.rows if row.user_id == user_id), None)
            with self.db.reading() as session:
                stats = user_stats(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
                quiz_team = quiz_team_of(
                    session=session, team_id=team_id, channel_id=channel_id, user_id=user_id
                )
            channels.append(
                HomeChannel(
                    stats=stats,
                    month_rank=mine.rank if mine else None,
                    month_ranked=len(board.rows),
                    quiz_team=quiz_team,
                )
            )
        lessons = self.stats.lesson_progress(team_id=team_id, user_id=user_id)
        authoring = None
        if self.own is not None:
            authoring = self.own.home(team_id=team_id, user_id=user_id, enterprise_id=enterprise_id)
            if notice and authoring.admin:
                authoring = replace(authoring, notice=notice)
        return HomeReport(
            channels=channels,
            lessons=lessons,
            memory=self.reviews.memory(team_id=team_id, user_id=user_id),
            verdicts=self.verdicts(team_id=team_id, user_id=user_id),
            authoring=authoring,
        )

    def verdicts(self, *, team_id: str, user_id: str) -> list[Verdict]:
        """The person's latest daily answers with what their private replies said."""
        with self.db.reading() as session:
            answers = latest_answers(session=session, team_id=team_id, user_id=user_id, limit=LATEST_VERDICTS)
            versions = {
                answer.post_id: post.question_version
                for answer in answers
                if (post := post_queries.get_post(session=session, post_id=answer.post_id)) is not None
            }
        found = []
        for answer in answers:
            # What the reply said: the version the post showed.
            question = self.catalog.version_of(team_id, answer.question_id, versions.get(answer.post_id))
            if question is None or answer.option_index >= len(question.options):
                continue  # a question no longer in the bank
            found.append(
                Verdict(
                    channel_id=answer.channel_id,
                    quiz_day=answer.quiz_day,
                    prompt=question.prompt,
                    chosen=question.options[answer.option_index].text,
                    answer=question.options[question.correct_index].text,
                    correct=answer.correct,
                    explanation=question.explanation,
                )
            )
        return found

    def publish(
        self, *, team_id: str, user_id: str, enterprise_id: str | None = None, notice: str | None = None
    ) -> Future:
        """Queue the person's App Home (views.publish); a newer one replaces it in the queue.
        `notice`: a line for an admin about what they just did (approved, declined, retired)."""
        try:
            view = render_home(
                self.report(team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, notice=notice)
            )
        except Exception as error:
            if not is_unavailable(error):
                raise
            view = render_home_unavailable()

        def publish() -> None:
            client = self.clients.for_team(team_id)
            if client is None:
                raise GiveUp("not installed")
            client.views_publish(user_id=user_id, view=view)

        return self.outbox.submit(
            Call(
                kind=HOME,
                team_id=team_id,
                what=f"App Home of {user_id}",
                method="views.publish",
                key=("home", team_id, user_id),
                deadline=self.outbox.now() + HOME_DEADLINE_S,
                call=publish,
            )
        )
