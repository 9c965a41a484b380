"""The monthly season recap: the month's top people and quiz teams, and its hardest question
(pure builder)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock, PlainTextObject

from bot.blocks.quiz_teams import MAX_BOARD_ROWS, MEDALS, SCORE_RULE, standing_line
from bot.blocks.text import clip, context, escape, percent, plural, section
from db.results import RankedRow
from quiz.team_score import QuizTeamStanding


@dataclass(frozen=True)
class Hardest:
    """The month's question with the lowest share right on first answer."""

    prompt: str
    answer: str
    explanation: str
    answered: int
    right: int


RECAP_PEOPLE = 5


def render_season_recap(
    *,
    channel_id: str,
    month: dt.date,
    quiz_days: int,
    people: Sequence[RankedRow],
    teams: Sequence[QuizTeamStanding],
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
