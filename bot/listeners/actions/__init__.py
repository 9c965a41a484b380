"""Button clicks: daily answers and practice answers."""

import re

from slack_bolt import App

from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.practice_answer import PracticeAnswer


def register(app: App, *, daily: DailyAnswer, practice: PracticeAnswer) -> None:
    app.action(re.compile(r"^answer_[A-E]$"))(daily.handle)
    app.action(re.compile(r"^practice_[A-E]$"))(practice.handle)
