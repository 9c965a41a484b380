"""Listeners grouped by Slack feature (Slack in and out); each package wires its ids to the
methods of listener objects that hold their collaborators."""

from dataclasses import dataclass

from slack_bolt import App

from bot.listeners import actions, commands, events, views
from bot.listeners.actions.daily_answer import DailyAnswer
from bot.listeners.actions.own_questions import OwnQuestionActions
from bot.listeners.actions.private_answer import PrivateAnswer, StartReview
from bot.listeners.actions.report_problem import ReportProblem
from bot.listeners.commands.leader_quiz import LeaderQuiz
from bot.listeners.events.app_home_opened import AppHomeOpened
from bot.listeners.events.lifecycle import Lifecycle
from bot.listeners.views.own_question_submission import OwnQuestionSubmission
from bot.listeners.views.report_submission import ReportSubmission


@dataclass(frozen=True)
class Listeners:
    daily_answer: DailyAnswer
    practice_answer: PrivateAnswer
    review_answer: PrivateAnswer
    start_review: StartReview
    report_problem: ReportProblem
    report_submission: ReportSubmission
    leader_quiz: LeaderQuiz
    app_home: AppHomeOpened
    own_actions: OwnQuestionActions
    own_submission: OwnQuestionSubmission
    lifecycle: Lifecycle | None = None  # multi-workspace mode only


def register_listeners(app: App, listeners: Listeners) -> None:
    actions.register(
        app,
        daily=listeners.daily_answer,
        practice=listeners.practice_answer,
        review=listeners.review_answer,
        start_review=listeners.start_review,
        report=listeners.report_problem,
        own=listeners.own_actions,
    )
    views.register(app, report=listeners.report_submission, own=listeners.own_submission)
    commands.register(app, leader_quiz=listeners.leader_quiz)
    events.register(app, home=listeners.app_home, lifecycle=listeners.lifecycle)
