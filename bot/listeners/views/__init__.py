"""Modal submissions."""

from slack_bolt import App

from bot.blocks.authoring import QUESTION_VIEW, REJECT_VIEW
from bot.blocks.problem_reports import REPORT_VIEW
from bot.listeners.views.own_question_submission import OwnQuestionSubmission
from bot.listeners.views.report_submission import ReportSubmission


def register(app: App, *, report: ReportSubmission, own: OwnQuestionSubmission) -> None:
    app.view(REPORT_VIEW)(report.handle)
    app.view(QUESTION_VIEW)(own.handle)
    app.view(REJECT_VIEW)(own.reject)
