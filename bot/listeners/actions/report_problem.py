"""Reporting a problem with a question: the button opens a modal (at once: its trigger lasts
3 s, so views.open passes the budget gate directly instead of waiting in the outbox), and
admins mark reports resolved from `/leader-quiz reports`."""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext
from slack_sdk.errors import SlackApiError

from bot.blocks.problem_reports import parse_report_value, render_open_reports, render_report_modal
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.listeners.respond import guarded
from bot.services.admins import AdminChecker
from bot.services.catalog import QuestionCatalog
from bot.services.private_replies import PrivateReplies
from bot.services.problem_reports import ProblemReports
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients

logger = logging.getLogger(__name__)


class ReportProblem:
    def __init__(
        self,
        *,
        problem_reports: ProblemReports,
        catalog: QuestionCatalog,
        admins: AdminChecker,
        replies: PrivateReplies,
        clients: SlackClients,
    ) -> None:
        self.problem_reports = problem_reports
        self.catalog = catalog
        self.admins = admins
        self.replies = replies
        self.clients = clients

    def open(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user_id, team_id = context.user_id, context.team_id
        parsed = parse_report_value(str(action.get("value") or ""))
        # The version the player saw, in their own workspace's catalog only.
        question = self.catalog.version_of(team_id or "", parsed[0], parsed[1]) if parsed else None
        client = self.clients.for_team(team_id or "")
        if (
            not (user_id and team_id and body.get("trigger_id") and client)
            or parsed is None
            or question is None
        ):
            if user_id and team_id:
                self.replies.send(
                    team_id=team_id,
                    user_id=user_id,
                    reply=NOT_AVAILABLE,
                    response_url=body.get("response_url"),
                    channel_id=context.channel_id,
                )
            return
        question_id, version, option_index = parsed
        chosen = (
            question.options[option_index].text
            if option_index is not None and option_index < len(question.options)
            else None
        )
        metadata = {"q": question_id, "v": version, "o": option_index, "c": context.channel_id}
        try:
            client.views_open(
                trigger_id=body["trigger_id"],
                view=render_report_modal(prompt=question.prompt, chosen=chosen, metadata=metadata),
            )
        except SlackApiError as error:
            logger.warning("could not open the report modal: %s", error.response.get("error"))
        except BudgetExhausted:
            logger.warning("could not open the report modal: views.open budget used up")

    def resolve(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user_id, team_id = context.user_id or "", context.team_id or ""
        value = str(action.get("value") or "")

        def work() -> Reply:
            if not self.admins.is_admin(team_id=team_id, user_id=user_id):
                return Reply.plain("Sorry, resolving reports is for workspace admins and quiz admins.")
            if value.isdigit():
                self.problem_reports.resolve(team_id=team_id, report_id=int(value), by=user_id)
            return Reply(*render_open_reports(self.problem_reports.open(team_id=team_id)))

        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=guarded(work),
            response_url=body.get("response_url"),
            channel_id=context.channel_id,
            replace_original=True,
        )
