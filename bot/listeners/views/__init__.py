"""Modal submissions."""

from slack_bolt import App

from bot.blocks.feedback import REPORT_VIEW
from bot.listeners.views.report_submission import ReportSubmission


def register(app: App, *, report: ReportSubmission) -> None:
    app.view(REPORT_VIEW)(report.handle)
