"""Insights for admins, as plain data (SPEC §3 `insights --json`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionInsight:
    question_id: str
    prompt: str
    answered: int
    first_right: int
    top_wrong_option: str | None  # the most-chosen wrong option's text: the misconception to talk about
    top_wrong: int

    @property
    def first_right_share(self) -> float:
        return round(self.first_right / self.answered, 4) if self.answered else 0.0

    @property
    def top_wrong_share(self) -> float:
        return round(self.top_wrong / self.answered, 4) if self.answered else 0.0


@dataclass(frozen=True)
class LessonInsight:
    lesson: str
    remembered: int  # the channel's people's cards of the lesson remembered now
    cards: int

    @property
    def remembered_share(self) -> float:
        return round(self.remembered / self.cards, 4) if self.cards else 0.0


@dataclass(frozen=True)
class Insights:
    channel_id: str
    period: str
    start: dt.date | None
    questions: list[QuestionInsight]  # hardest (lowest share right) first
    lessons: list[LessonInsight]

    def as_json(self) -> dict:
        return {
            "channel": self.channel_id,
            "period": self.period,
            "questions": [
                {
                    "question": q.question_id,
                    "answered": q.answered,
                    "first_right_share": q.first_right_share,
                    "top_wrong_option": q.top_wrong_option,
                    "top_wrong_share": q.top_wrong_share,
                }
                for q in self.questions
            ],
            "lessons": [
                {"lesson": lesson.lesson, "remembered_share": lesson.remembered_share}
                for lesson in self.lessons
            ],
        }

    def hardest(self, *, min_answers: int = 1) -> QuestionInsight | None:
        return next((q for q in self.questions if q.answered >= min_answers), None)
