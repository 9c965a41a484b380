"""Quiz teams: boards, lists and `/leader-quiz team` replies (pure builders: data in, fallback
text and Block Kit out)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, HeaderBlock, PlainTextObject

from bot.blocks.text import context, escape, plural, section
from db.results import QuizTeamView
from quiz.team_score import QuizTeamStanding

MAX_BOARD_ROWS = 15


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


def score_text(row: QuizTeamStanding) -> str:
    return f"{row.score:.2f}"


def standing_line(row: QuizTeamStanding) -> str:
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
    rows: Sequence[QuizTeamStanding],
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


def render_team_list(*, channel_id: str, teams: Sequence[QuizTeamView]) -> tuple[str, list[Block]]:
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
