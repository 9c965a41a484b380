"""Spaced review in Slack: "remembered now", the end of a review session, and the reminder DM
(pure builders)."""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.text import clip, escape, plural
from bot.domain.reviews import Memory, ReminderContent

START_REVIEW_ACTION = "review_start"
REMINDER_LISTED = 5


def slack_date(when: dt.datetime, fallback: str = "soon") -> str:
    """A time Slack shows in the reader's own time zone."""
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def memory_lines(memory: Memory) -> str:
    """ "Remembered now" overall and for each lesson the person has cards in."""
    if not memory.cards:
        return "🧠 Remembered now: no cards yet (every graded answer makes one)"
    lines = [
        f"🧠 Remembered now: *{round(memory.share * 100)}%* of your {plural(memory.cards, 'card')} "
        f"({memory.remembered} at 90%+ recall)"
    ]
    lines += [
        f"• {escape(lesson.lesson)}: {lesson.remembered} / {lesson.cards} remembered"
        for lesson in memory.lessons
        if lesson.cards
    ]
    return "\n".join(lines)


def due_line(memory: Memory) -> str:
    if memory.due:
        return f"🗂 *{plural(memory.due, 'review')} due*"
    if memory.next_due is not None:
        return f"🗂 No reviews due · the next one {slack_date(memory.next_due)}"
    return "🗂 No reviews due"


def start_button(text: str = "Start review") -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=START_REVIEW_ACTION, value="start", style="primary"
    )


def render_reviews_done(memory: Memory) -> list[Block]:
    text = "✅ *All caught up:* no reviews due."
    if memory.next_due is not None:
        text += f" The next one comes due {slack_date(memory.next_due)}."
    return [SectionBlock(text=MarkdownTextObject(text=text))]


def render_reminder(content: ReminderContent) -> tuple[str, list[Block]]:
    """The daily reminder DM: due reviews with a button to start, and streaks at risk."""
    blocks: list[Block] = []
    parts: list[str] = []
    if content.due:
        listed = "\n".join(f"• {escape(clip(prompt, 120))}" for prompt in content.first_due[:REMINDER_LISTED])
        more = content.due - min(content.due, REMINDER_LISTED)
        if more > 0:
            listed += f"\n• … and {more} more"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"🗂 *{plural(content.due, 'review')} due* today:\n{listed}")
            )
        )
        blocks.append(ActionsBlock(block_id="reminder-start", elements=[start_button()]))
        parts.append(plural(content.due, "review") + " due")
    for risk in content.at_risk:
        if blocks:
            blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"🔥 Your *{risk.streak}-day streak* in <#{risk.channel_id}> is at risk: "
                    "today's question is still open and you have not answered it."
                )
            )
        )
        parts.append(f"{risk.streak}-day streak at risk")
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text="`/leader-quiz remind off` stops these messages.")])
    )
    return "leader-quiz: " + ", ".join(parts), blocks
