"""Small text helpers and the plainest Block Kit pieces, shared by the builders."""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

BUTTON_LIMIT = 75  # Slack's limit on a button's text
HEADER_LIMIT = 150


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def period_label(period: str, start: dt.date | None) -> str:
    if period == "all" or start is None:
        return "all time"
    if period == "month":
        return start.strftime("%B %Y")
    return f"week of {start:%b} {start.day}"


def section(text: str) -> SectionBlock:
    """A section of mrkdwn `text` (escape what came from people first)."""
    return SectionBlock(text=MarkdownTextObject(text=text))


def context(text: str) -> ContextBlock:
    """A small grey line of mrkdwn `text`."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])
