"""Button clicks: daily answers and practice answers."""

import re

from slack_bolt import App

from bot.listeners.actions.daily_answer import handle_daily_answer
from bot.listeners.actions.practice_answer import handle_practice_answer


def register(app: App) -> None:
    app.action(re.compile(r"^answer_[A-E]$"))(handle_daily_answer)
    app.action(re.compile(r"^practice_[A-E]$"))(handle_practice_answer)
