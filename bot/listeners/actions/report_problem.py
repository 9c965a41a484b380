"""Reporting a problem with a question: the button opens a modal (at once: its trigger lasts
3 s), and admins mark reports resolved from `/leader-quiz reports`."""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.feedback import parse_report_value, render_open_reports, render_report_modal
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.listeners.respond import Responder, guarded
from bot.services.admins import AdminChecker
from bot.services.feedback import Feedback
from content import Bank

logger = logging.getLogger(__name__)


class ReportProblem:
    def __init__(self, *, feedback: Feedback, bank: Bank, admins: AdminChecker, responder: Responder) -> None:
        self.feedback = feedback
        self.bank = bank
        self.admins = admins
        self.responder = responder

    def open(self, ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        user_id = (body.get("user") or {}).get("id")
        team_id = (body.get("team") or {}).get("id") or context.team_id
        parsed = parse_report_value(str((body.get("actions") or [{}])[0].get("value") or ""))
        question = self.bank.question(parsed[0]) if parsed else None
        if not (user_id and team_id and body.get("trigger_id")) or parsed is None or question is None:
            self.responder.privately(
                client,
                team_id=team_id or "",
                response_url=body.get("response_url"),
                channel_id=(body.get("channel") or {}).get("id"),
                user_id=user_id or "",
                reply=NOT_AVAILABLE,
            )
            return
        question_id, option_index = parsed
        chosen = (
            question.options[option_index].text
            if option_index is not None and option_index < len(question.options)
            else None
        )
        metadata = {"q": question_id, "o": option_index, "c": (body.get("channel") or {}).get("id")}
        try:
            client.views_open(
                trigger_id=body["trigger_id"],
                view=render_report_modal(prompt=question.prompt, chosen=chosen, metadata=metadata),
            )
        except SlackApiError as error:
            logger.warning("could not open the report modal: %s", error.response.get("error"))

    def resolve(self, ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        user_id = (body.get("user") or {}).get("id") or ""
        team_id = (body.get("team") or {}).get("id") or context.team_id or ""
        value = str((body.get("actions") or [{}])[0].get("value") or "")

        def work() -> Reply:
            if not self.admins.is_admin(team_id=team_id, user_id=user_id):
                return Reply.plain("Sorry, resolving reports is for workspace admins and quiz admins.")
            if value.isdigit():
                self.feedback.resolve(team_id=team_id, report_id=int(value), by=user_id)
            return Reply(*render_open_reports(self.feedback.open(team_id=team_id)))

        self.responder.privately(
            client,
            team_id=team_id,
            response_url=body.get("response_url"),
            channel_id=(body.get("channel") or {}).get("id"),
            user_id=user_id,
            reply=guarded(work),
            replace_original=True,
        )
