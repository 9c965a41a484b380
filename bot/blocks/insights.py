"""`/leader-quiz insights` for admins (pure builders)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from bot.blocks.text import clip, escape, percent, period_label, section
from bot.domain.insights import Insights

SHOWN = 8


def render_insights(insights: Insights) -> tuple[str, list[Block]]:
    label = period_label(insights.period, insights.start)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"🔍 What the channel gets wrong · {label}"))
    ]
    if not insights.questions:
        blocks.append(section(f"No answers in <#{insights.channel_id}> yet ({label})."))
    else:
        lines = []
        for q in insights.questions[:SHOWN]:
            line = f"• *{percent(q.first_right, q.answered)} right* of {q.answered} · {escape(clip(q.prompt, 110))}"
            if q.top_wrong_option is not None:
                line += f"\n   most chosen wrong: _{escape(clip(q.top_wrong_option, 120))}_ ({percent(q.top_wrong, q.answered)})"
            lines.append(line)
        blocks.append(section("*Hardest questions first*\n" + "\n".join(lines)))
    remembered = [lesson for lesson in insights.lessons if lesson.cards]
    if remembered:
        blocks.append(
            section(
                "*Remembered now* (the channel's cards at 90%+ recall)\n"
                + "\n".join(
                    f"• {escape(lesson.lesson)}: {percent(lesson.remembered, lesson.cards)}"
                    for lesson in remembered
                )
            )
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="The most chosen wrong option is the misconception worth talking about. "
                    "`leader-quiz insights --json` gives every figure."
                )
            ]
        )
    )
    return f"Insights ({label})", blocks
