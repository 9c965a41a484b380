"""Button clicks: daily answers, practice answers, reviews and "Start review", reporting a
problem with a question and resolving reports, and App Home's own-question buttons."""

import re

from slack_bolt import App

from bot.blocks.authoring import (
    APPROVE_ACTION,
    MANAGE_ACTION,
    REJECT_ACTION,
    REVIEW_ACTION,
    SUGGEST_ACTION,
    WRITE_ACTION,
)
from bot.blocks.problem_reports import REPORT_ACTION, RESOLVE_ACTION
from bot.blocks.reviews import START_REVIEW_ACTION
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.own_questions import OwnQuestionActions
from bot.listeners.actions.private_answer import PrivateAnswer, StartReview
from bot.listeners.actions.report_problem import ReportProblem


def register(
    app: App,
    *,
    daily: DailyAnswer,
    practice: PrivateAnswer,
    review: PrivateAnswer,
    start_review: StartReview,
    report: ReportProblem,
    own: OwnQuestionActions,
) -> None:
    app.action(re.compile(r"^answer_[A-E]$"))(daily.handle)
    app.action(re.compile(r"^practice_[A-E]$"))(practice.handle)
    app.action(re.compile(r"^review_[A-E]$"))(review.handle)
    app.action(START_REVIEW_ACTION)(start_review.handle)
    app.action(REPORT_ACTION)(report.open)
    app.action(RESOLVE_ACTION)(report.resolve)
    app.action(WRITE_ACTION)(own.write)
    app.action(SUGGEST_ACTION)(own.suggest)
    app.action(APPROVE_ACTION)(own.approve)
    app.action(REVIEW_ACTION)(own.review)
    app.action(REJECT_ACTION)(own.reject)
    app.action(MANAGE_ACTION)(own.manage)
