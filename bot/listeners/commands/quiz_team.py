"""`/leader-quiz teams` (everyone) and `/leader-quiz team …` (admins; the dispatcher has
already checked): text in, private reply out. Bad input changes nothing and the reply
names the bad part."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.blocks.quiz_teams import mentions, render_team_board, render_team_list
from bot.blocks.reply import Reply
from bot.blocks.text import clip, escape, period_label, plural
from bot.services.quiz_teams import GroupUnavailable, QuizTeams
from db.results import MembershipChange
from quiz.periods import MONTH, PERIODS

MAX_NAME = 40
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
GROUP_MENTION = re.compile(r"^<!subteam\^([A-Z0-9]{1,24})(?:\|[^>]*)?>$")
# Letters and digits of any script, spaces, and - _ . ' (nothing Slack markup could use).
NAME = re.compile(r"^\w[\w .'\-]*$")

USAGE = (
    "Usage: `/leader-quiz team add &lt;name&gt; @person …`, `team remove &lt;name&gt; [@person …]`, "
    "`team sync &lt;name&gt; @group`, `team list`."
)
UNCHANGED = "Nothing was changed."


class BadInput(ValueError):
    """Input that names its own bad part."""


@dataclass(frozen=True)
class QuizTeamArgs:
    name: str
    mentions: list[str]  # raw mention tokens, in order


def split_name(args: list[str]) -> QuizTeamArgs:
    """The team name (the words before the first mention) and the mention tokens after it."""
    words: list[str] = []
    index = 0
    while index < len(args) and not args[index].startswith(("<@", "<!")):
        if args[index].startswith("@"):
            raise BadInput(
                f"`{clip(args[index], 40)}` is not a mention Slack sent me: pick the person or group "
                "from Slack's autocomplete so it becomes a link"
            )
        words.append(args[index])
        index += 1
    return QuizTeamArgs(name=" ".join(words), mentions=args[index:])


def check_name(name: str) -> str:
    if not name:
        raise BadInput("the team has no name: put it right after the subcommand, before any mention")
    if len(name) > MAX_NAME:
        raise BadInput(f"the team name `{escape(clip(name, 50))}` is over {MAX_NAME} characters")
    if not NAME.match(name):
        raise BadInput(
            f"the team name `{escape(clip(name, 50))}` has characters other than letters, digits, "
            "spaces and - _ . '"
        )
    return name


def parse_users(tokens: list[str]) -> list[str]:
    if not tokens:
        raise BadInput("no people named: mention at least one, e.g. `@alice`")
    users: list[str] = []
    for token in tokens:
        match = USER_MENTION.match(token)
        if match is None:
            raise BadInput(f"`{escape(clip(token, 40))}` is not a mention of a person")
        users.append(match.group(1))
    return list(dict.fromkeys(users))


def parse_group(tokens: list[str]) -> str:
    if len(tokens) != 1:
        what = "no user group named" if not tokens else f"`{escape(clip(' '.join(tokens), 60))}` is not one"
        raise BadInput(f"{what}: `team sync &lt;name&gt; @group` takes exactly one user group")
    match = GROUP_MENTION.match(tokens[0])
    if match is None:
        raise BadInput(f"`{escape(clip(tokens[0], 40))}` is not a mention of a user group")
    return match.group(1)


def _refuse(error: BadInput) -> Reply:
    return Reply.plain(f"That did not work: {error}. {UNCHANGED}\n{USAGE}")


# -- admins --------------------------------------------------------------------------------
def quiz_team_command(teams: QuizTeams, *, team_id: str, channel_id: str, args: list[str]) -> Reply:
    action = args[0].lower() if args else ""
    rest = args[1:]
    try:
        if action == "add":
            return _add(teams, team_id=team_id, channel_id=channel_id, args=rest)
        if action == "remove":
            return _remove(teams, team_id=team_id, channel_id=channel_id, args=rest)
        if action == "sync":
            return _sync(teams, team_id=team_id, channel_id=channel_id, args=rest)
        if action == "list":
            return Reply(
                *render_team_list(
                    channel_id=channel_id, teams=teams.list(team_id=team_id, channel_id=channel_id)
                )
            )
    except BadInput as error:
        return _refuse(error)
    if not action:
        return Reply.plain(USAGE)
    return Reply.plain(f"`team {escape(clip(args[0], 20))}` is not a team subcommand. {USAGE}")


def _describe(change: MembershipChange) -> str:
    parts: list[str] = []
    if change.added:
        parts.append(f"added {mentions(change.added)}")
    for old_team in sorted(set(change.moved.values())):
        movers = [user for user, team in change.moved.items() if team == old_team]
        parts.append(f"moved {mentions(movers)} from *{escape(old_team)}*")
    if change.removed:
        parts.append(f"removed {mentions(change.removed)}")
    if change.already:
        parts.append(f"{mentions(change.already)} already in it")
    return "; ".join(parts) or "no change"


def _add(teams: QuizTeams, *, team_id: str, channel_id: str, args: list[str]) -> Reply:
    parsed = split_name(args)
    name = check_name(parsed.name)
    users = parse_users(parsed.mentions)
    change = teams.add(team_id=team_id, channel_id=channel_id, name=name, user_ids=users)
    made = "Created team" if change.created else "Team"
    return Reply.plain(f"{made} *{escape(change.team)}*: {_describe(change)}.")


def _remove(teams: QuizTeams, *, team_id: str, channel_id: str, args: list[str]) -> Reply:
    parsed = split_name(args)
    name = check_name(parsed.name)
    if not parsed.mentions:
        gone = teams.remove_quiz_team(team_id=team_id, channel_id=channel_id, name=name)
        if gone is None:
            return Reply.plain(f"There is no team *{escape(name)}* in <#{channel_id}>. {UNCHANGED}")
        return Reply.plain(
            f"Removed team *{escape(gone.name)}* and its {plural(len(gone.members), 'member')}. "
            "Their answers still count for them; they are just in no team here now."
        )
    users = parse_users(parsed.mentions)
    change = teams.remove_members(team_id=team_id, channel_id=channel_id, name=name, user_ids=users)
    if change is None:
        return Reply.plain(f"There is no team *{escape(name)}* in <#{channel_id}>. {UNCHANGED}")
    text = f"Team *{escape(change.team)}*: " + (
        f"removed {mentions(change.removed)}" if change.removed else "nobody removed"
    )
    if change.not_members:
        text += (
            f"; {mentions(change.not_members)} {'was' if len(change.not_members) == 1 else 'were'} not in it"
        )
    return Reply.plain(text + ".")


def _sync(teams: QuizTeams, *, team_id: str, channel_id: str, args: list[str]) -> Reply:
    parsed = split_name(args)
    name = check_name(parsed.name)
    group = parse_group(parsed.mentions)
    try:
        users = teams.group_members(team_id=team_id, group_id=group)
    except GroupUnavailable as error:
        if error.code is None:
            return Reply.plain(f"Slack could not be reached for that group's members; try again. {UNCHANGED}")
        hint = " (the app needs the `usergroups:read` scope)" if error.code == "missing_scope" else ""
        return Reply.plain(
            f"Slack would not give me the members of that group: `{error.code}`{hint}. {UNCHANGED}"
        )
    if not users:
        return Reply.plain(
            f"That user group has no members, so *{escape(name)}* was left as it was. {UNCHANGED}"
        )
    change = teams.sync(team_id=team_id, channel_id=channel_id, name=name, user_ids=users)
    made = "Created team" if change.created else "Synced team"
    return Reply.plain(
        f"{made} *{escape(change.team)}* with <!subteam^{group}> ({plural(len(users), 'member')}): "
        f"{_describe(change)}."
    )


# -- everyone ------------------------------------------------------------------------------
def quiz_teams_board(
    teams: QuizTeams, *, team_id: str, channel_id: str, user_id: str, args: list[str]
) -> Reply:
    period = args[0].lower() if args else MONTH
    if period not in PERIODS:
        return Reply.plain(f"`{escape(clip(period, 20))}` is not a period: use week, month or all.")
    board = teams.board(team_id=team_id, channel_id=channel_id, period=period, viewer=user_id)
    return Reply(
        *render_team_board(
            channel_id=channel_id,
            label=period_label(period, board.start),
            quiz_days=board.quiz_days,
            rows=board.rows,
            viewer_team=board.viewer_team,
        )
    )
