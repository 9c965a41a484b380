"""Teams in a channel's competition: membership changes (one transaction each) and the
team board. Slack-facing parsing and replies live in `bot.listeners.commands.quiz_team`."""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services.stats import Stats
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients
from db.engine import Database
from db.queries import quiz_teams as queries
from db.queries.standings import team_standings
from db.results import MembershipChange, QuizTeamView
from quiz.team_score import QuizTeamStanding

logger = logging.getLogger(__name__)


class GroupUnavailable(Exception):
    """Slack would not give a user group's members; `code` says why (or None: unreachable)."""

    def __init__(self, code: str | None) -> None:
        super().__init__(code or "unreachable")
        self.code = code


@dataclass(frozen=True)
class QuizTeamBoard:
    period: str
    start: dt.date | None
    quiz_days: int
    rows: list[QuizTeamStanding]
    viewer_team: str | None


class QuizTeams:
    def __init__(self, *, db: Database, clients: SlackClients, stats: Stats, clock: Clock) -> None:
        self.db = db
        self.clients = clients
        self.stats = stats
        self.clock = clock

    def add(self, *, team_id: str, channel_id: str, name: str, user_ids: Sequence[str]) -> MembershipChange:
        return self._add_members(team_id, channel_id, name, user_ids, exactly=False)

    def sync(self, *, team_id: str, channel_id: str, name: str, user_ids: Sequence[str]) -> MembershipChange:
        """The team's members become exactly `user_ids` (a Slack user group's)."""
        return self._add_members(team_id, channel_id, name, user_ids, exactly=True)

    def _add_members(
        self, team_id: str, channel_id: str, name: str, user_ids: Sequence[str], *, exactly: bool
    ) -> MembershipChange:
        with self.db.writing() as session:
            return queries.add_members(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                name=name,
                user_ids=user_ids,
                now=self.clock.now(),
                exactly=exactly,
            )

    def remove_quiz_team(self, *, team_id: str, channel_id: str, name: str) -> QuizTeamView | None:
        with self.db.writing() as session:
            return queries.remove_quiz_team(
                session=session, team_id=team_id, channel_id=channel_id, name=name
            )

    def remove_members(
        self, *, team_id: str, channel_id: str, name: str, user_ids: Sequence[str]
    ) -> MembershipChange | None:
        with self.db.writing() as session:
            return queries.remove_members(
                session=session, team_id=team_id, channel_id=channel_id, name=name, user_ids=user_ids
            )

    def group_members(self, *, team_id: str, group_id: str) -> list[str]:
        """A Slack user group's members (`usergroups.users.list`); raises GroupUnavailable."""
        client = self.clients.for_team(team_id)
        if client is None:
            raise GroupUnavailable("not_installed")
        try:
            response = client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            code = error.response.get("error") or f"HTTP {error.response.status_code}"
            logger.warning("usergroups.users.list for %s failed: %s", group_id, code)
            raise GroupUnavailable(code) from None
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            logger.warning("usergroups.users.list for %s failed: %s", group_id, error)
            raise GroupUnavailable(None) from None
        except BudgetExhausted:
            raise GroupUnavailable("ratelimited") from None
        return [str(user) for user in response.get("users") or []]

    def list(self, *, team_id: str, channel_id: str) -> list[QuizTeamView]:
        with self.db.reading() as session:
            return queries.list_quiz_teams(session=session, team_id=team_id, channel_id=channel_id)

    def board(self, *, team_id: str, channel_id: str, period: str, viewer: str) -> QuizTeamBoard:
        start, end = self.stats.period(team_id=team_id, channel_id=channel_id, period=period)
        with self.db.reading() as session:
            quiz_days, rows = team_standings(
                session=session, team_id=team_id, channel_id=channel_id, start=start, end=end
            )
            mine = queries.quiz_team_of(
                session=session, team_id=team_id, channel_id=channel_id, user_id=viewer
            )
        return QuizTeamBoard(period=period, start=start, quiz_days=quiz_days, rows=rows, viewer_team=mine)
