"""Team boards, team lists, team command replies and the monthly season recap (pure
builders: data in, fallback text and Block Kit out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    HeaderBlock,
    PlainTextObject,
)

from bot.blocks.text import clip, context, escape, percent, plural, section
from db.results import RankedRow, TeamView
from quiz.team_score import TeamStanding

MAX_BOARD_ROWS = 15


@dataclass(frozen=True)
class Hardest:
    """The month's question with the lowest share right on first answer."""

    prompt: str
    answer: str
    explanation: str
    answered: int
    right: int


RECAP_PEOPLE = 5
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}

SCORE_RULE = (
    "Team score = correct answers by the team's members ÷ (members × quiz days in the period). "
    "Ties go to the higher turnout (answers ÷ (members × quiz days)), then to the name."
)

TEAM_HELP = """*Teams* — a channel's people in named teams, ranked fairly whatever their size:
• `/leader-quiz teams [week|month|all]` — this channel's team ranking (default: this month)
*Admins:*
• `/leader-quiz team add &lt;name&gt; @person …` — create a team or add people to it (someone in another team here moves)
• `/leader-quiz team remove &lt;name&gt;` — delete a team · `team remove &lt;name&gt; @person …` — take people out
• `/leader-quiz team sync &lt;name&gt; @group` — make a team exactly the members of a Slack user group
• `/leader-quiz team list` — the teams here and their members
*Team score* = correct answers by the team's current members ÷ (members × quiz days in the period), \
so it reads "correct answers per member per quiz day". Ties go to the higher turnout \
(answers ÷ (members × quiz days)), then to the name.
_Example:_ 10 quiz days this month. *Big* has 8 members; 4 of them answer every day, all correctly, \
the other 4 never do: 40 ÷ (8 × 10) = *0.50*, turnout 50%. *Small* has 2 members who answer every day \
and get 9 of 10 right each: 18 ÷ (2 × 10) = *0.90*. *Solo* is one expert who answered 4 days, all \
right: 4 ÷ (1 × 10) = *0.40*. Ranking: Small, Big, Solo — a big team cannot win by size, and a \
small one cannot win without turning up. At the start of each month the bot posts last month's \
top people and teams in the channel."""


def score_text(row: TeamStanding) -> str:
    return f"{row.score:.2f}"


def standing_line(row: TeamStanding) -> str:
    rank = MEDALS.get(row.rank, f"{row.rank}.")
    return (
        f"{rank} *{escape(row.name)}* — *{score_text(row)}* correct per member per day · "
        f"{plural(row.members, 'member')} · turnout {round(row.turnout * 100)}%"
    )


def render_team_board(
    *,
    channel_id: str,
    label: str,
    quiz_days: int,
    rows: Sequence[TeamStanding],
    viewer_team: str | None = None,
) -> tuple[str, list[Block]]:
    header = HeaderBlock(text=PlainTextObject(text=f"🏆 Teams · {label}"))
    if not rows:
        return f"No teams yet in this channel ({label}).", [
            header,
            section(
                f"No teams in <#{channel_id}> yet. Admins make them with "
                "`/leader-quiz team add &lt;name&gt; @person …` or `/leader-quiz team sync &lt;name&gt; @group`."
            ),
        ]
    lines = [standing_line(row) for row in rows[:MAX_BOARD_ROWS]]
    blocks: list[Block] = [header, section("\n".join(lines))]
    days = f"{plural(quiz_days, 'quiz day')} ({label})" if quiz_days else f"No quiz days yet ({label})"
    note = f"{days}. {SCORE_RULE}"
    if viewer_team is not None:
        note += f" You are in *{escape(viewer_team)}*."
    blocks.append(context(note))
    text = f"Teams ({label}): " + ", ".join(
        f"{row.rank}. {escape(row.name)} {score_text(row)}" for row in rows[:MAX_BOARD_ROWS]
    )
    return text, blocks


def render_team_list(*, channel_id: str, teams: Sequence[TeamView]) -> tuple[str, list[Block]]:
    if not teams:
        text = f"No teams in <#{channel_id}> yet. Make one: `/leader-quiz team add &lt;name&gt; @person …`"
        return text, [section(text)]
    lines = [
        f"• *{escape(team.name)}* ({len(team.members)}): "
        + (", ".join(f"<@{user}>" for user in team.members) or "_no members_")
        for team in teams
    ]
    return f"{plural(len(teams), 'team')} in this channel", [
        section(f"*Teams in <#{channel_id}>*\n" + "\n".join(lines))
    ]


def mentions(users: Sequence[str]) -> str:
    return ", ".join(f"<@{user}>" for user in users)


def render_season_recap(
    *,
    channel_id: str,
    month: dt.date,
    quiz_days: int,
    people: Sequence[RankedRow],
    teams: Sequence[TeamStanding],
    hardest: Hardest | None = None,
) -> tuple[str, list[Block]]:
    """Last month's top people and teams, and its hardest question with the explanation,
    posted in the channel once at the month's turn."""
    label = month.strftime("%B %Y")
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"🏁 {label} season recap")),
        section(f"{plural(quiz_days, 'quiz day')} in <#{channel_id}> last month. Here is how it went:"),
    ]
    top = list(people[:RECAP_PEOPLE])
    if top:
        lines = [
            f"{MEDALS.get(r.rank, f'{r.rank}.')} <@{r.user_id}> — *{r.correct}* correct of {r.answered}"
            f" · {round(r.accuracy * 100)}%"
            for r in top
        ]
        blocks.append(section("*Top people*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Top people*\nNobody answered a daily question last month."))
    if teams:
        blocks.append(section("*Teams*\n" + "\n".join(standing_line(row) for row in teams[:MAX_BOARD_ROWS])))
        blocks.append(context(SCORE_RULE))
    if hardest is not None:
        blocks.append(
            section(
                f"*The month's hardest question* ({percent(hardest.right, hardest.answered)} right first time)\n"
                f"{escape(clip(hardest.prompt, 600))}\n*The answer:* {escape(hardest.answer)}\n"
                f"{escape(clip(hardest.explanation, 1500))}"
            )
        )
    blocks.append(
        context(
            "A new season starts now: `/leader-quiz leaderboard` and `/leader-quiz teams` show this month."
        )
    )
    winner = f"top: <@{top[0].user_id}>" if top else "no answers"
    if teams:
        winner += f"; top team: {escape(teams[0].name)}"
    return f"{label} season recap ({winner})", blocks
