"""The report modal submitted: store the report (never touching the score) and thank them."""

from __future__ import annotations

import json

from slack_bolt import Ack, BoltContext

from bot.blocks.problem_reports import NOTE_BLOCK, NOTE_INPUT, render_report_thanks
from bot.listeners.respond import guarded
from bot.services.problem_reports import ProblemReports


class ReportSubmission:
    def __init__(self, *, problem_reports: ProblemReports) -> None:
        self.problem_reports = problem_reports

    def handle(self, ack: Ack, view: dict, context: BoltContext) -> None:
        user_id, team_id = context.user_id or "", context.team_id or ""
        note = str(
            ((view.get("state") or {}).get("values") or {})
            .get(NOTE_BLOCK, {})
            .get(NOTE_INPUT, {})
            .get("value")
            or ""
        )
        if not note.strip():
            ack(response_action="errors", errors={NOTE_BLOCK: "Tell us what is wrong with the question."})
            return
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        option = metadata.get("o")
        filed = guarded(
            lambda: self.problem_reports.file(
                team_id=team_id,
                user_id=user_id,
                channel_id=metadata.get("c") if isinstance(metadata.get("c"), str) else None,
                question_id=str(metadata.get("q") or ""),
                option_index=option if isinstance(option, int) else None,
                note=note,
                version=metadata.get("v") if isinstance(metadata.get("v"), str) else None,
            )
        )
        if not isinstance(filed, int):  # a database outage, or a question no longer in the bank
            message = (
                "That question is not available any more."
                if filed is None
                else ("leader-quiz is temporarily unavailable; try again in a minute.")
            )
            ack(response_action="errors", errors={NOTE_BLOCK: message})
            return
        ack(response_action="update", view=render_report_thanks())
