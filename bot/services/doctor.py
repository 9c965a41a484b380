"""`leader-quiz doctor`: the configuration checked against Slack and the database, without
changing anything (no migration, no post, no flag). Each check is plain data, and each failed
one says what to do about it.

What is checked, in order: the mode and the signing secret; the database (reachable, at the
latest migration) and this host's clock against the database's; the question bank; then for each workspace (the one token, or every installed
workspace with schedules): the token (`auth.test`) and its scopes (Slack's `x-oauth-scopes`
header against `required_scopes()`), and for each scheduled channel: the bot is a member and
the channel is not archived (`conversations.info`), the schedule parses and is not flagged, and
when its next question goes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.clock import ClusterClock
from bot.config import APPS_PAGE, Settings
from bot.domain.doctor import Check, DoctorReport
from bot.slack.budget import BudgetGate
from bot.slack.clients import SlackClients
from bot.slack.scopes import required_scopes
from content import Bank, ContentError
from db.engine import Database, is_sqlite
from db.migrate import current_revision, head_revision, known_revisions
from db.models import Schedule
from db.queries import workspaces as workspace_queries
from db.queries.posts import find_post
from db.queries.schedules import list_schedules
from quiz.schedule import ScheduleError, ScheduleSpec, next_post_time, parse_schedule

INVITE_FIX = "invite the bot: /invite @leader-quiz"
SCOPES_HEADER = "x-oauth-scopes"
# The replicas correct for their clocks' offset from the database's (bot/clock.py), so an
# offset moves neither the lease nor a post. Past a second it still means this host's clock is
# not kept in step (NTP holds it within milliseconds), and what is not corrected shows it: the
# log lines of this host against the others' in an incident, Slack's request-signature
# freshness check (Bolt judges Slack's timestamp by this clock) and the token refresh window;
# an unsynchronised clock is also the kind that gets stepped, and a step between two lease
# beats goes uncorrected for up to LEASE_RENEW_SECONDS. A second is far above the measurement's
# own error (half a round trip to the database) and far below anything a 15 s lease or a
# posting minute would notice. etcd warns at the same second of drift between its members.
CLOCK_OFFSET_LIMIT_S = 1.0


class Doctor:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        clients: SlackClients,
        gate: BudgetGate,
        load_bank: Callable[[], Bank],
        clock: ClusterClock,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clients = clients
        self.gate = gate
        self.load_bank = load_bank
        self.clock = clock
        self.now = clock.now  # the database's time, once `_clock` has measured the offset

    def run(self, *, team: str | None = None) -> DoctorReport:
        """Every check; `team` limits the Slack checks to one workspace."""
        checks = [Check("configuration", True, self.settings.mode_line()), self._signing_secret()]
        database = self._database()
        usable = all(check.ok for check in database)  # channels (and installations) live there
        checks += database
        if database[0].ok:  # reachable, migrated or not
            checks.append(self._clock())
        checks.append(self._question_bank())
        if not usable:  # Slack budgets are shared through the database; doctor must not touch it
            self.gate.db = None
        schedules = self._schedules(team) if usable else []
        if self.settings.multi_workspace:
            if usable:
                checks += self._workspaces(team, schedules)
        else:
            checks += self._workspace("", schedules, usable=usable)
        return DoctorReport(tuple(checks))

    # -- configuration ----------------------------------------------------------------------
    def _signing_secret(self) -> Check:
        if self.settings.socket_mode:
            return Check("signing secret", True, "not needed in Socket Mode (SLACK_APP_TOKEN is set)")
        if self.settings.slack_signing_secret:
            return Check("signing secret", True, "SLACK_SIGNING_SECRET is set (HTTP mode)")
        return Check(
            "signing secret",
            False,
            "SLACK_SIGNING_SECRET is not set, and HTTP mode needs it to verify Slack's requests",
            f"copy the Signing Secret from your app's 'Basic Information' page at {APPS_PAGE} "
            "(or set SLACK_APP_TOKEN to use Socket Mode)",
        )

    # -- database -----------------------------------------------------------------------------
    def _database(self) -> list[Check]:
        url = make_url(self.settings.database_url)
        where = _describe_url(self.settings.database_url)
        if is_sqlite(self.settings.database_url) and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.exists():  # connecting would create an empty file: doctor changes nothing
                return [
                    Check(
                        "database",
                        False,
                        f"no SQLite database at {path.resolve()}",
                        "check DATABASE_URL (a relative path is read from the working directory), "
                        "or create it with `leader-quiz db upgrade`",
                    )
                ]
        try:
            with self.db.reading() as session:
                session.execute(text("SELECT 1"))
            current = current_revision(self.settings.database_url)
        except Exception as error:
            reason = _one_line(error, hide=url.password)
            return [
                Check(
                    "database",
                    False,
                    f"cannot connect to {where}: {reason}",
                    "check DATABASE_URL and that the database server is up and reachable from here",
                )
            ]
        checks = [Check("database", True, f"reachable: {where}")]
        head = head_revision()
        if current == head:
            checks.append(Check("migrations", True, f"at the latest migration ({head})"))
        elif current is None or current in known_revisions():
            found = "no migration applied yet" if current is None else f"at migration {current}"
            checks.append(
                Check(
                    "migrations",
                    False,
                    f"{found}; the latest is {head}",
                    "run `leader-quiz db upgrade` (`serve` also applies migrations when it starts)",
                )
            )
        else:
            checks.append(
                Check(
                    "migrations",
                    False,
                    f"at migration {current}, which this version of leader-quiz does not know (the latest "
                    f"it ships is {head})",
                    "run the leader-quiz version that migrated this database, or restore a backup",
                )
            )
        return checks

    def _clock(self) -> Check:
        """This host's clock against the database's (the clock leases and schedules run on)."""
        try:
            offset = self.clock.measure(self.db)
        except Exception as error:
            return Check(
                "clock",
                False,
                f"cannot read the database's clock: {_one_line(error)}",
                "check that the database answers queries",
            )
        ahead = offset.ahead_seconds
        where = "ahead of" if ahead > 0 else "behind"
        found = (
            f"{abs(ahead):.3f} s {where} the database's clock"
            if round(ahead, 3)
            else "level with the database's clock"
        ) + f" (measured to ±{offset.uncertainty.total_seconds():.3f} s)"
        if abs(ahead) <= CLOCK_OFFSET_LIMIT_S:
            return Check("clock", True, f"{found}; within {CLOCK_OFFSET_LIMIT_S:g} s")
        return Check(
            "clock",
            False,
            f"{found}; more than {CLOCK_OFFSET_LIMIT_S:g} s: leases and posts follow the database's "
            "clock, but this host's logs and Slack's request checks do not",
            "synchronise this host's clock (NTP: chrony or systemd-timesyncd), or the database "
            "server's if every replica shows the same offset",
        )

    def _schedules(self, team: str | None) -> list[tuple[Schedule, bool]]:
        """Each schedule (of `team`, when given) and whether today's question is already out."""
        now = self.now()
        found = []
        with self.db.reading() as session:
            for schedule in list_schedules(session=session):
                if team and schedule.team_id != team:
                    continue
                posted = False
                try:
                    day = ScheduleSpec.of(schedule).local_day(now)
                except Exception:  # an unparsable schedule is reported by its own check
                    day = None
                if day is not None:
                    posted = (
                        find_post(
                            session=session,
                            team_id=schedule.team_id,
                            channel_id=schedule.channel_id,
                            quiz_day=day,
                        )
                        is not None
                    )
                found.append((schedule, posted))
        return found

    # -- question bank --------------------------------------------------------------------
    def _question_bank(self) -> Check:
        where = f"CONTENT_DIR={self.settings.content_dir}" if self.settings.content_dir else "shipped"
        try:
            bank = self.load_bank()
        except ContentError as error:
            shown = "; ".join(error.problems[:3])
            more = f" (and {len(error.problems) - 3} more)" if len(error.problems) > 3 else ""
            return Check(
                "question bank",
                False,
                f"{len(error.problems)} problems in the {where} bank: {shown}{more}",
                "fix those lines; `leader-quiz content check` lists every problem",
            )
        return Check(
            "question bank", True, f"{len(bank.lessons)} lessons, {len(bank.questions)} questions ({where})"
        )

    # -- Slack ----------------------------------------------------------------------------
    def _workspaces(self, team: str | None, schedules: list[tuple[Schedule, bool]]) -> list[Check]:
        """Multi-workspace mode: `team`, or every installed workspace that has schedules."""
        if team:
            teams = [team]
        else:
            with self.db.reading() as session:
                uninstalled = workspace_queries.uninstalled_teams(session=session)
            teams = sorted({s.team_id for s, _ in schedules} - uninstalled)
        if not teams:
            return [
                Check(
                    "workspaces",
                    True,
                    "no installed workspace has a schedule yet; nothing to check in Slack "
                    "(pass --team T to check one installation)",
                )
            ]
        checks: list[Check] = []
        for team_id in teams:
            checks += self._workspace(team_id, [(s, p) for s, p in schedules if s.team_id == team_id])
        return checks

    def _workspace(
        self, team: str, schedules: list[tuple[Schedule, bool]], *, usable: bool = True
    ) -> list[Check]:
        """One workspace: its token, its scopes, then each scheduled channel."""
        where = f" in {team}" if team else ""
        found = self.clients.for_team(team)
        if found is None:
            return [
                Check(
                    f"token{where}",
                    False,
                    f"the app is not installed in {team} (no stored installation)",
                    "install it there: open https://<your host>/slack/install (Add to Slack)",
                )
            ]
        client = found  # passes the budget gate like every call; no retries: a person is waiting
        try:
            auth = client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error", "error")
            return [Check(f"token{where}", False, f"Slack refused the token: {code}", self._token_fix())]
        except OSError as error:  # connection refused, DNS, timeout: urllib's errors are OSErrors
            return [
                Check(
                    f"token{where}",
                    False,
                    f"cannot reach Slack at {self.settings.slack_api_url}: {_one_line(error)}",
                    "check SLACK_API_URL and this host's network access to Slack",
                )
            ]
        checks = [
            Check(
                f"token{where}",
                True,
                f"valid: bot {auth.get('user')} ({auth.get('user_id')}) in {auth.get('team')} "
                f"({auth.get('team_id')})",
            ),
            self._scopes(auth.headers, where),
        ]
        if not usable:
            return checks
        if not schedules:
            checks.append(
                Check(
                    f"channels{where}",
                    True,
                    "no channel has a schedule yet (set one in a channel: /leader-quiz schedule 09:30 "
                    "Europe/Berlin mon-fri)",
                )
            )
        for schedule, posted_today in schedules:
            checks.append(self._channel(client, schedule.channel_id, where))
            checks.append(self._schedule(schedule, posted_today, where))
        return checks

    def _token_fix(self) -> str:
        if self.settings.multi_workspace:
            return "the workspace must install the app again: open https://<your host>/slack/install"
        return (
            "copy the Bot User OAuth Token (xoxb-...) from your app's 'OAuth & Permissions' page at "
            f"{APPS_PAGE} into SLACK_BOT_TOKEN (reinstall the app if it was revoked)"
        )

    def _scopes(self, headers: Mapping[str, object], where: str) -> Check:
        raw = next((value for key, value in headers.items() if key.lower() == SCOPES_HEADER), None)
        if isinstance(raw, list):  # some HTTP layers keep every value of a header
            raw = ",".join(str(value) for value in raw)
        needed = required_scopes()
        if raw is None:
            return Check(
                f"scopes{where}",
                False,
                f"Slack did not say which scopes the token has (no {SCOPES_HEADER} header)",
                f"compare the app's Bot Token Scopes at {APPS_PAGE} with manifest.yaml",
            )
        granted = {scope.strip() for scope in str(raw).split(",") if scope.strip()}
        missing = sorted(needed - granted)
        if not missing:
            return Check(f"scopes{where}", True, f"all {len(needed)} scopes the app needs are granted")
        if self.settings.multi_workspace:
            reinstall = (
                "the workspace must install the app again to grant them (https://<your host>/slack/install)"
            )
            unasked = [
                scope
                for scope in missing
                if self.settings.slack_scopes and scope not in self.settings.slack_scopes
            ]
            fix = f"add {', '.join(unasked)} to SLACK_SCOPES; then {reinstall}" if unasked else reinstall
        else:
            fix = (
                f"add them to Bot Token Scopes on your app's 'OAuth & Permissions' page at {APPS_PAGE} "
                "(manifest.yaml lists every scope), then reinstall the app to the workspace"
            )
        return Check(f"scopes{where}", False, f"missing {', '.join(missing)}", fix)

    def _channel(self, client: WebClient, channel: str, where: str) -> Check:
        name = f"channel {channel}{where}"
        remove = f"or remove its schedule: leader-quiz schedule remove --channel {channel}"
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as error:
            code = error.response.get("error", "error")
            if code == "channel_not_found":
                return Check(
                    name,
                    False,
                    "Slack does not find the channel (deleted, or private and the bot is not in it)",
                    f"{INVITE_FIX} if it is a private channel, {remove}",
                )
            if code == "missing_scope":
                return Check(
                    name, False, "cannot check: the token lacks channels:read / groups:read", "see scopes"
                )
            return Check(name, False, f"Slack refused conversations.info: {code}", "try again later")
        except OSError as error:
            return Check(name, False, f"cannot reach Slack: {_one_line(error)}", "try again later")
        if info.get("is_archived"):
            return Check(name, False, "the channel is archived", f"unarchive it in Slack, {remove}")
        if not info.get("is_member"):
            return Check(name, False, "the bot is not a member, so it cannot post there", INVITE_FIX)
        return Check(name, True, "the bot is a member")

    def _schedule(self, schedule: Schedule, posted_today: bool, where: str) -> Check:
        name = f"schedule {schedule.channel_id}{where}"
        stored = f"{schedule.hour:02d}:{schedule.minute:02d} {schedule.timezone} {schedule.days}"
        set_again = (
            f"set it again: leader-quiz schedule set --channel {schedule.channel_id} --time HH:MM "
            "--tz ZONE --days mon-fri (or /leader-quiz schedule in the channel)"
        )
        try:
            spec = parse_schedule(
                f"{schedule.hour:02d}:{schedule.minute:02d}", schedule.timezone, schedule.days
            )
        except ScheduleError as error:
            return Check(name, False, f"the stored schedule {stored!r} does not parse: {error}", set_again)
        if schedule.flagged_error:
            return Check(
                name,
                False,
                f"{spec.describe()}, flagged since {_utc(schedule.flagged_at)}: Slack refused the channel "
                f"({schedule.flagged_error}), so its posts are skipped",
                f"fix the channel (see its check), then {set_again}",
            )
        next_at = next_post_time(
            spec, changed_at=schedule.updated_at, now=self.now(), posted_today=posted_today
        )
        local = next_at.astimezone(spec.zone)
        return Check(
            name,
            True,
            f"{spec.describe()}; next post {local:%a %Y-%m-%d %H:%M} {spec.timezone} ({_utc(next_at)})",
        )


def _utc(when: dt.datetime | None) -> str:
    return "?" if when is None else when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _describe_url(url: str) -> str:
    """The database named without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite at {Path(parsed.database).resolve() if parsed.database else ':memory:'}"
    host = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"{parsed.get_backend_name()} {parsed.database} on {host}"


def _one_line(error: BaseException, *, hide: str | None = None) -> str:
    reason = getattr(error, "orig", None) or error
    line = f"{type(reason).__name__}: {str(reason).strip().splitlines()[0] if str(reason).strip() else ''}"
    return line.replace(hide, "***") if hide else line
