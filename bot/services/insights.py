"""Insights for admins: per question, how many answered, the share right on their first answer
and the most-chosen wrong option; per lesson, how much of it the channel's people remember now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.clock import Clock
from bot.domain.insights import Insights, LessonInsight, QuestionInsight
from bot.services.catalog import QuestionCatalog
from bot.services.stats import Stats
from db import derived
from db.engine import Database
from db.queries import insights as queries
from db.queries import reviews as review_queries
from quiz import spaced


class InsightsService:
    def __init__(self, *, db: Database, catalog: QuestionCatalog, clock: Clock, stats: Stats) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.stats = stats

    def insights(self, *, team_id: str, channel_id: str, period: str) -> Insights:
        start, end = self.stats.period(team_id=team_id, channel_id=channel_id, period=period)
        return self.between(team_id=team_id, channel_id=channel_id, period=period, start=start, end=end)

    def between(
        self, *, team_id: str, channel_id: str, period: str, start: dt.date | None, end: dt.date | None
    ) -> Insights:
        now = self.clock.now()
        derived.settled(self.db)  # "remembered now" reads the channel's cards from the cache
        with self.db.reading() as session:
            counts = queries.option_counts(
                session=session, team_id=team_id, channel_id=channel_id, start=start, end=end
            )
            people = queries.channel_people(session=session, team_id=team_id, channel_id=channel_id)
            cards = review_queries.team_cards(session=session, team_id=team_id, user_ids=people)
        per_question: dict[str, list[queries.OptionCount]] = defaultdict(list)
        for count in counts:
            per_question[count.question_id].append(count)
        questions = [self._question(team_id, question_id, rows) for question_id, rows in per_question.items()]
        questions.sort(key=lambda q: (q.first_right_share, -q.answered, q.question_id))
        by_question = defaultdict(list)
        for _, question_id, card in cards:
            by_question[question_id].append(card)
        lessons = []
        for lesson in self.catalog.for_team(team_id).lessons:
            if not lesson.questions:
                continue
            lesson_cards = [card for q in lesson.questions for card in by_question.get(q.id, [])]
            lessons.append(
                LessonInsight(
                    lesson=lesson.title,
                    remembered=sum(1 for card in lesson_cards if spaced.remembered(card, now)),
                    cards=len(lesson_cards),
                )
            )
        return Insights(
            channel_id=channel_id, period=period, start=start, questions=questions, lessons=lessons
        )

    def _question(self, team_id: str, question_id: str, rows: list[queries.OptionCount]) -> QuestionInsight:
        """One question's figures. Each answer is read in the version its post showed (an edited
        own question's option 2 may be another text than before); wrong answers are counted by
        the option's text, so an option kept through an edit adds up."""
        versions = {r.version: self.catalog.version_of(team_id, question_id, r.version) for r in rows}
        latest = self.catalog.version_of(team_id, question_id, None)
        shown = next((q for q in versions.values() if q is not None), None)
        question = latest or shown

        def text(row: queries.OptionCount) -> str:
            version = versions.get(row.version)
            if version is not None and 0 <= row.option_index < len(version.options):
                return version.options[row.option_index].text
            return f"option {row.option_index + 1}"

        wrong: dict[str, int] = defaultdict(int)
        first_index: dict[str, int] = {}
        for row in rows:
            if not row.correct:
                wrong[text(row)] += row.answers
                first_index[text(row)] = min(first_index.get(text(row), row.option_index), row.option_index)
        top = min(wrong, key=lambda t: (-wrong[t], first_index[t]), default=None)
        return QuestionInsight(
            question_id=question_id,
            prompt=question.prompt if question else question_id,
            answered=sum(r.answers for r in rows),
            first_right=sum(r.answers for r in rows if r.correct),
            top_wrong_option=top,
            top_wrong=wrong[top] if top is not None else 0,
        )
