"""The question form submitted (written, edited, suggested, or a suggestion edited and added),
and a declined suggestion's note. Problems come back on their fields (`response_action:
errors`, keyed by block_id); what was saved turns the modal into a short confirmation."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, BoltContext

from bot.blocks.authoring import (
    EDIT,
    NOTE_BLOCK,
    REVIEW,
    SUGGEST,
    WRITE,
    draft_from_state,
    fit_errors,
    note_from_state,
    render_done,
)
from bot.blocks.text import escape
from bot.domain.authoring import PROMPT_BLOCK, Checked
from bot.services.home import Home
from bot.services.own_questions import SUGGESTIONS_PER_DAY, Decision, OwnQuestions, RateLimited, Saved
from db.engine import is_unavailable

logger = logging.getLogger(__name__)

UNAVAILABLE = "leader-quiz is temporarily unavailable; nothing was saved. Try again in a minute."


def _metadata(view: dict) -> dict:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class OwnQuestionSubmission:
    def __init__(self, *, own: OwnQuestions, home: Home) -> None:
        self.own = own
        self.home = home

    def handle(self, ack: Ack, view: dict, context: BoltContext) -> None:
        user_id, team_id = context.user_id or "", context.team_id or ""
        metadata = _metadata(view)
        mode = metadata.get("mode")
        values = (view.get("state") or {}).get("values") or {}
        try:
            answer, done = self._submit(team_id, user_id, context.enterprise_id, mode, metadata, values)
        except Exception as error:
            if not is_unavailable(error):
                raise
            answer, done = {PROMPT_BLOCK: UNAVAILABLE}, None
        if done is None:
            ack(response_action="errors", errors=fit_errors(view, answer))
            return
        ack(response_action="update", view=done)
        if mode != SUGGEST:
            self.home.publish(team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id)

    def _submit(
        self,
        team_id: str,
        user_id: str,
        enterprise_id: str | None,
        mode: object,
        metadata: dict,
        values: dict,
    ) -> tuple[dict[str, str], dict | None]:
        """(errors, None) or ({}, the confirmation view)."""
        if mode not in (WRITE, EDIT, SUGGEST, REVIEW):
            return {PROMPT_BLOCK: "This form is out of date; open it again."}, None
        standing = self.own.standing(team_id=team_id, user_id=user_id, enterprise_id=enterprise_id)
        allowed = standing.may_suggest if mode == SUGGEST else standing.may_author
        if not allowed:
            doing = "suggest questions" if mode == SUGGEST else "write questions"
            return {PROMPT_BLOCK: standing.refusal(doing)}, None
        draft = draft_from_state(values)
        if mode == SUGGEST:
            try:
                result = self.own.suggest(team_id=team_id, user_id=user_id, draft=draft)
            except RateLimited:
                return {
                    PROMPT_BLOCK: f"You have suggested {SUGGESTIONS_PER_DAY} questions in the last 24 hours, "
                    "the most one person may. Keep this one and try again tomorrow."
                }, None
            if isinstance(result, Checked):
                return result.errors, None
            return {}, render_done(
                title="Thank you!",
                text="Your question waits for an admin. You will hear by direct message whether it was added.",
            )
        if mode == REVIEW:
            suggestion = metadata.get("s")
            if not isinstance(suggestion, int):
                return {PROMPT_BLOCK: "This form is out of date; open it again."}, None
            outcome = self.own.approve_edited(
                team_id=team_id, suggestion_id=suggestion, by=user_id, draft=draft
            )
            if isinstance(outcome, Checked):
                return outcome.errors, None
            assert isinstance(outcome, Decision)
            if not outcome.ok:
                return {PROMPT_BLOCK: outcome.message}, None
            return {}, render_done(title="Added", text=outcome.message)
        local_id = metadata.get("q") if mode == EDIT else None
        if mode == EDIT and not isinstance(local_id, str):
            return {PROMPT_BLOCK: "This form is out of date; open it again."}, None
        saved = self.own.save(team_id=team_id, user_id=user_id, draft=draft, local_id=local_id)
        if isinstance(saved, Checked):
            return saved.errors, None
        assert isinstance(saved, Saved)
        did = (
            "Added" if saved.created else "Saved a new version of" if saved.changed else "Nothing changed in"
        )
        return {}, render_done(
            title="Saved",
            text=f"{did} `{saved.local_id}` in *{escape(saved.lesson)}*. Channels on "
            "`/leader-quiz lessons use own` or `both` post it in its turn; everyone can practise it now.",
        )

    def reject(self, ack: Ack, view: dict, context: BoltContext) -> None:
        """A declined suggestion's note: the suggester is told by DM."""
        user_id, team_id = context.user_id or "", context.team_id or ""
        suggestion = _metadata(view).get("s")
        note = note_from_state((view.get("state") or {}).get("values") or {})
        if not note.strip():
            ack(
                response_action="errors",
                errors={NOTE_BLOCK: "Say why, in a line: it helps them write the next."},
            )
            return
        try:
            standing = self.own.standing(
                team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id
            )
            if not standing.may_author or not isinstance(suggestion, int):
                ack(response_action="errors", errors={NOTE_BLOCK: standing.refusal("decline suggestions")})
                return
            decision = self.own.reject(team_id=team_id, suggestion_id=suggestion, by=user_id, note=note)
        except Exception as error:
            if not is_unavailable(error):
                raise
            ack(response_action="errors", errors={NOTE_BLOCK: UNAVAILABLE})
            return
        ack(response_action="clear")
        self.home.publish(
            team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id, notice=decision.message
        )
