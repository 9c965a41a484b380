"""Reporting a problem with a question: the button, the modal, the thanks, and the admins'
list of open reports (pure builders)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.text import clip, escape
from bot.domain.problem_reports import OpenReport

REPORT_ACTION = "report_problem"
RESOLVE_ACTION = "report_resolve"
REPORT_VIEW = "report_problem"
NOTE_BLOCK, NOTE_INPUT = "note", "note_input"
MAX_NOTE = 1000


def report_button(question_id: str, option_index: int | None, version: str | None = None) -> ButtonElement:
    """The button under a private reply (with the option chosen) or a reveal (without); the
    value names the version shown, so the report is about the text the player read."""
    chosen = "" if option_index is None else str(option_index)
    named = f"{question_id}@{version}" if version else question_id
    return ButtonElement(
        text=PlainTextObject(text="Report a problem with this question"),
        action_id=REPORT_ACTION,
        value=f"{named}:{chosen}",
    )


def parse_report_value(value: str) -> tuple[str, str | None, int | None] | None:
    """(question id, version or None, option index or None) from a report button's value."""
    named, sep, chosen = value.partition(":")
    question_id, _, version = named.partition("@")
    if not sep or not question_id or (chosen and not chosen.isdigit()) or len(chosen) > 3:
        return None
    return question_id, version or None, int(chosen) if chosen else None


def render_report_modal(*, prompt: str, chosen: str | None, metadata: dict[str, Any]) -> dict:
    """The modal: which question, what they chose, a short text field."""
    about = f"*Question:* {escape(clip(prompt, 400))}"
    if chosen is not None:
        about += f"\n*You chose:* {escape(clip(chosen, 200))}"
    return {
        "type": "modal",
        "callback_id": REPORT_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Report a problem"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            SectionBlock(text=MarkdownTextObject(text=about)).to_dict(),
            InputBlock(
                block_id=NOTE_BLOCK,
                label=PlainTextObject(text="What is wrong with it?"),
                element=PlainTextInputElement(action_id=NOTE_INPUT, multiline=True, max_length=MAX_NOTE),
            ).to_dict(),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Your report goes to the quiz admins. It never changes your score."
                    )
                ]
            ).to_dict(),
        ],
    }


def render_report_thanks() -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Thank you"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [
            SectionBlock(
                text=MarkdownTextObject(
                    text="Thanks! Your report is with the quiz admins, who read every one. Your score is unchanged."
                )
            ).to_dict()
        ],
    }


def render_open_reports(reports: Sequence[OpenReport]) -> tuple[str, list[Block]]:
    if not reports:
        return "No open reports", [SectionBlock(text=MarkdownTextObject(text="No open reports. 🎉"))]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*Open reports ({len(reports)})*"))]
    for report in reports[:20]:
        text = (
            f"*#{report.id}* `{report.question_id}` from <@{report.user_id}>\n"
            f"{escape(clip(report.prompt, 200))}\n"
            + (f"Chose: _{escape(clip(report.chosen, 150))}_\n" if report.chosen else "")
            + f"> {escape(clip(report.note, 500))}"
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=text),
                accessory=ButtonElement(
                    text=PlainTextObject(text="Mark resolved"), action_id=RESOLVE_ACTION, value=str(report.id)
                ),
            )
        )
    if len(reports) > 20:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"… and {len(reports) - 20} more (`leader-quiz content reports`)")
                ]
            )
        )
    return f"{len(reports)} open reports", blocks
