"""App Home's buttons for the workspace's own questions: "Write a question" (admins) and
"Suggest a question" (members) open the form; admins approve, edit or decline a suggestion, and
edit or retire a question. Each acks first; a form opens at once (its trigger lasts 3 s), and
what changed shows on the admin's App Home, republished with a line saying so."""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext

from bot.blocks.authoring import EDIT, REVIEW, SUGGEST, WRITE, render_done, render_reject_modal
from bot.blocks.text import escape
from bot.services.home import Home
from bot.services.own_questions import SUGGESTIONS_PER_DAY, OwnQuestions
from db.engine import is_unavailable

logger = logging.getLogger(__name__)


class OwnQuestionActions:
    def __init__(self, *, own: OwnQuestions, home: Home) -> None:
        self.own = own
        self.home = home

    def write(self, ack: Ack, body: dict, context: BoltContext) -> None:
        ack()
        self._open(body, context, WRITE)

    def suggest(self, ack: Ack, body: dict, context: BoltContext) -> None:
        ack()
        self._open(body, context, SUGGEST)

    def review(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        """Edit a suggestion before adding it."""
        ack()
        value = str(action.get("value") or "")
        if value.isdigit() and len(value) <= 12:
            self._open(body, context, REVIEW, suggestion_id=int(value))

    def reject(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        """Open the note to send with a declined suggestion."""
        ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        value = str(action.get("value") or "")
        trigger = body.get("trigger_id")
        if not (team_id and user_id and trigger and value.isdigit() and len(value) <= 12):
            return
        if not self._admin(team_id, user_id, context):
            return
        found = self.own.suggestion(team_id=team_id, suggestion_id=int(value))
        if found is None:
            self.home.publish(team_id=team_id, user_id=user_id, notice="That suggestion was decided already.")
            return
        self.own.open_form(team_id=team_id, trigger_id=trigger, view=render_reject_modal(suggestion=found))

    def approve(self, ack: Ack, action: dict, context: BoltContext) -> None:
        ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        value = str(action.get("value") or "")
        if not (team_id and user_id and value.isdigit() and len(value) <= 12):
            return
        if not self._admin(team_id, user_id, context):
            return
        decision = self.own.approve(team_id=team_id, suggestion_id=int(value), by=user_id)
        self.home.publish(
            team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id, notice=decision.message
        )

    def manage(self, ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        """An own question's menu: Edit opens the form with it; Retire takes it out of rotation."""
        ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        chosen = str((action.get("selected_option") or {}).get("value") or "")
        what, _, local_id = chosen.partition(":")
        if not (team_id and user_id and local_id) or len(local_id) > 64:
            return
        if what == "edit":
            self._open(body, context, EDIT, local_id=local_id)
        elif what == "retire" and self._admin(team_id, user_id, context):
            retired = self.own.retire(team_id=team_id, local_id=local_id)
            notice = (
                f"Retired `{escape(local_id)}`: it is never posted or practised again, and keeps its history."
                if retired
                else f"`{escape(local_id)}` was not in rotation."
            )
            self.home.publish(
                team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id, notice=notice
            )

    # -- helpers ---------------------------------------------------------------------------
    def _admin(self, team_id: str, user_id: str, context: BoltContext) -> bool:
        standing = self.own.standing(team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id)
        if not standing.may_author:
            logger.info("own-question action refused for %s: not an admin of %s", user_id, team_id)
        return standing.may_author

    def _open(
        self,
        body: dict,
        context: BoltContext,
        mode: str,
        *,
        local_id: str | None = None,
        suggestion_id: int | None = None,
    ) -> None:
        team_id, user_id = context.team_id or "", context.user_id or ""
        trigger = body.get("trigger_id")
        if not (team_id and user_id and trigger):
            return
        try:
            standing = self.own.standing(
                team_id=team_id, user_id=user_id, enterprise_id=context.enterprise_id
            )
            allowed = standing.may_suggest if mode == SUGGEST else standing.may_author
            if not allowed:
                doing = "suggest questions" if mode == SUGGEST else "write questions"
                view = render_done(title="Not for you", text=standing.refusal(doing))
            elif mode == SUGGEST and not self.own.suggestions_left(team_id=team_id, user_id=user_id):
                view = render_done(
                    title="Thank you!",
                    text=f"You have suggested {SUGGESTIONS_PER_DAY} questions in the last 24 hours, the "
                    "most one person may. The admins have them; try again tomorrow.",
                )
            else:
                view = self.own.form(
                    team_id=team_id, mode=mode, local_id=local_id, suggestion_id=suggestion_id
                )
                if view is None:
                    view = render_done(title="Already gone", text="That was changed or decided meanwhile.")
        except Exception as error:
            if not is_unavailable(error):
                raise
            view = render_done(
                title="Try again soon", text="leader-quiz is temporarily unavailable; try again in a minute."
            )
        self.own.open_form(team_id=team_id, trigger_id=trigger, view=view)
