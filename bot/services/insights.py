"""Insights for admins: per question, how many answered, the share right on their first answer
and the most-chosen wrong option; per lesson, how much of it the channel's people remember now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.clock import Clock
from bot.domain.insights import Insights, LessonInsight, QuestionInsight
from bot.services.reports import Reports
from content import Bank
from db import derived, spaced
from db.engine import Database
from db.queries import insights as queries
from db.queries import reviews as review_queries


class InsightsService:
    def __init__(self, *, db: Database, bank: Bank, clock: Clock, reports: Reports) -> None:
        self.db = db
        self.bank = bank
        self.clock = clock
        self.reports = reports

    def insights(self, *, team_id: str, channel_id: str, period: str) -> Insights:
        start, end = self.reports.period(team_id=team_id, channel_id=channel_id, period=period)
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
        questions = [self._question(question_id, rows) for question_id, rows in per_question.items()]
        questions.sort(key=lambda q: (q.first_right_share, -q.answered, q.question_id))
        by_question = defaultdict(list)
        for _, question_id, card in cards:
            by_question[question_id].append(card)
        lessons = []
        for lesson in self.bank.lessons:
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

    def _question(self, question_id: str, rows: list[queries.OptionCount]) -> QuestionInsight:
        question = self.bank.question(question_id)
        wrong = sorted((r for r in rows if not r.correct), key=lambda r: (-r.answers, r.option_index))
        top = wrong[0] if wrong else None
        top_text = None
        if top is not None:
            top_text = (
                question.options[top.option_index].text
                if question is not None and 0 <= top.option_index < len(question.options)
                else f"option {top.option_index + 1}"
            )
        return QuestionInsight(
            question_id=question_id,
            prompt=question.prompt if question else question_id,
            answered=sum(r.answers for r in rows),
            first_right=sum(r.answers for r in rows if r.correct),
            top_wrong_option=top_text,
            top_wrong=top.answers if top else 0,
        )
