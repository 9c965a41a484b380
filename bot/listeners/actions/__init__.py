"""Button clicks: daily answers, practice answers, reviews and "Start review"."""

import re

from slack_bolt import App

from bot.blocks.reviews import START_REVIEW_ACTION
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.practice_answer import PracticeAnswer
from bot.listeners.actions.review_answer import ReviewAnswer


def register(app: App, *, daily: DailyAnswer, practice: PracticeAnswer, review: ReviewAnswer) -> None:
    app.action(re.compile(r"^answer_[A-E]$"))(daily.handle)
    app.action(re.compile(r"^practice_[A-E]$"))(practice.handle)
    app.action(re.compile(r"^review_[A-E]$"))(review.handle)
    app.action(START_REVIEW_ACTION)(review.start)
