"""App Home: a person's own stats across the quiz channels, as pure Block Kit builders."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.authoring import authoring_blocks
from bot.blocks.reviews import due_line, memory_lines, start_button
from bot.blocks.stats import lessons_text
from bot.blocks.text import escape, plural
from bot.domain.home import HomeChannel, HomeReport, Verdict


def _channel_section(channel: HomeChannel) -> SectionBlock:
    rank = (
        f"#{channel.month_rank} of {channel.month_ranked} this month"
        if channel.month_rank is not None
        else "not ranked this month yet"
    )
    team = f"team *{escape(channel.quiz_team)}*" if channel.quiz_team else "no team"
    stats = channel.stats
    text = (
        f"*<#{stats.channel_id}>* · {rank} · {team}\n"
        f"🔥 {plural(stats.current_streak, 'day')} streak (longest {stats.longest_streak}) · "
        f"🧊 {stats.freezes_held} freezes held, {stats.freezes_used} used\n"
        f"✅ {stats.correct} of {stats.answered} right · answered {stats.answered} of "
        f"{plural(stats.quiz_days_since_joining, 'quiz day')} since joining"
    )
    return SectionBlock(text=MarkdownTextObject(text=text))


MAX_CHANNELS = 25  # channel sections on App Home (with the rest, well inside Slack's 100 blocks)
EXPLANATION_CHARS = 600  # keeps a verdict's section well inside Slack's 3,000 characters


def _verdict_section(verdict: Verdict) -> SectionBlock:
    mark = "✅ right" if verdict.correct else "❌ not quite"
    explanation = verdict.explanation
    if len(explanation) > EXPLANATION_CHARS:
        explanation = explanation[: EXPLANATION_CHARS - 1].rstrip() + "…"
    lines = [
        f"*<#{verdict.channel_id}>* · {verdict.quiz_day:%a %d %b} · {mark}",
        f"_{escape(verdict.prompt)}_",
        f"You chose *{escape(verdict.chosen)}*"
        + ("" if verdict.correct else f"; the answer is *{escape(verdict.answer)}*"),
        f"> {escape(explanation)}",
    ]
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))


def render_home(report: HomeReport) -> dict:
    """The `home` view for views.publish."""
    channels, lessons = report.channels, report.lessons
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="🗳️ Your leader-election quiz"))]
    if report.memory is not None:
        # Due reviews first: the one thing on this page to act on today.
        due = SectionBlock(text=MarkdownTextObject(text=due_line(report.memory)))
        if report.memory.due:
            due = SectionBlock(
                text=MarkdownTextObject(text=due_line(report.memory)), accessory=start_button()
            )
        blocks.append(due)
    if channels:
        # Slack takes at most 100 blocks a view: a person in very many quiz channels sees the
        # first ones, and how many more there are.
        blocks.extend(_channel_section(channel) for channel in channels[:MAX_CHANNELS])
        if len(channels) > MAX_CHANNELS:
            more = plural(len(channels) - MAX_CHANNELS, "more quiz channel")
            blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=f"…and {more}: `/leader-quiz stats` in each")])
            )
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="You have not answered a daily question yet. Look for one in your quiz channel, "
                    "or try `/leader-quiz practice`."
                )
            )
        )
    if report.verdicts:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Your latest answers*")))
        blocks.extend(_verdict_section(verdict) for verdict in report.verdicts)
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Lesson progress*\n{lessons_text(lessons)}")))
    if report.memory is not None:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=memory_lines(report.memory))))
    if report.authoring is not None:
        blocks.extend(authoring_blocks(report.authoring))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="A streak freeze is earned for every 7 quiz days in a row answered correctly "
                    "(at most 2) and is spent on a day you miss. A wrong answer is not a miss."
                )
            ]
        )
    )
    return {"type": "home", "blocks": [block.to_dict() for block in blocks]}


def render_home_unavailable() -> dict:
    text = "leader-quiz is temporarily unavailable; open this tab again in a minute."
    return {"type": "home", "blocks": [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]}
