"""The daily question, its closed reveal, practice questions and private answer replies."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.problem_reports import report_button
from bot.blocks.text import BUTTON_LIMIT, HEADER_LIMIT, clip, escape, percent, plural
from content import Lesson, Question
from quiz.grading import (
    DAILY_ACTION_PREFIX,
    PrivateKind,
    ShownOption,
    correct_option,
    daily_options,
    private_options,
    private_value,
)


def _title(question: Question, lesson: Lesson, suffix: str = "") -> str:
    if question.retired:  # out of the lesson's order: an old post revealed after the question retired
        return clip(f"Retired question · {lesson.title}{suffix}", HEADER_LIMIT)
    return clip(
        f"Question {question.position} of {len(lesson.questions)} · {lesson.title}{suffix}", HEADER_LIMIT
    )


def source_line(question: Question) -> str:
    """The question's source as mrkdwn: the citation, linked when the bank gives a link
    (Slack's <url|title>, the title escaped so it cannot open a link or a mention of its own)."""
    citation = escape(question.source)
    if question.link:
        return f"📖 Source: <{escape(question.link)}|{citation}>"
    return f"📖 Source: {citation}"


def _source_block(question: Question) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=source_line(question))])


def _options_text(options: Sequence[ShownOption], *, mark_correct: bool = False) -> str:
    lines = []
    for option in options:
        mark = " ✅" if mark_correct and option.correct else ""
        lines.append(f"*{option.letter}.* {escape(option.text)}{mark}")
    return "\n".join(lines)


def fits_on_buttons(options: Sequence[ShownOption]) -> bool:
    """Every option fits on its button as "A. text" (Slack's 75 characters)."""
    return all(len(f"{o.letter}. {o.text}") <= BUTTON_LIMIT for o in options)


def _choice_blocks(
    options: Sequence[ShownOption], *, block_id: str, action_prefix: str, value_prefix: str
) -> list[Block]:
    """The options, each shown once: on the buttons in full when they all fit; otherwise
    lettered in the text, with the letters on the buttons (SPEC §4)."""
    actions = ActionsBlock(block_id=block_id, elements=_buttons(options, action_prefix, value_prefix))
    if fits_on_buttons(options):
        return [actions]
    return [SectionBlock(text=MarkdownTextObject(text=_options_text(options))), actions]


def _buttons(options: Sequence[ShownOption], action_prefix: str, value_prefix: str) -> list[ButtonElement]:
    # Full text on the buttons only when every option fits; otherwise letters for all,
    # so the row reads consistently.
    full = fits_on_buttons(options)
    return [
        ButtonElement(
            text=PlainTextObject(text=f"{o.letter}. {o.text}" if full else o.letter, emoji=False),
            action_id=f"{action_prefix}{o.letter}",
            value=f"{value_prefix}:{o.letter}",
        )
        for o in options
    ]


def answered_line(answered: int) -> str:
    if answered == 0:
        return "No answers yet · pick a button, your answer stays private"
    return f"{plural(answered, 'person', 'people')} answered · pick a button, your answer stays private"


def render_daily_question(
    *, post_id: int, question: Question, lesson: Lesson, answered: int = 0
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for an open daily question."""
    options = daily_options(question, post_id)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_title(question, lesson))),
        SectionBlock(text=MarkdownTextObject(text=escape(question.prompt))),
        *_choice_blocks(
            options, block_id=f"daily-{post_id}", action_prefix=DAILY_ACTION_PREFIX, value_prefix=str(post_id)
        ),
        ContextBlock(elements=[MarkdownTextObject(text=answered_line(answered))]),
    ]
    return f"Today's leader-election question: {escape(question.prompt)}", blocks


def render_closed_question(
    *, post_id: int, question: Question, lesson: Lesson, answered: int, correct: int
) -> tuple[str, list[Block]]:
    """The reveal: buttons gone, the answer and why, how many answered and what share was right."""
    options = daily_options(question, post_id)
    right = correct_option(options)
    summary = (
        f"{plural(answered, 'person', 'people')} answered · {percent(correct, answered)} got it right"
        if answered
        else "Nobody answered this one"
    )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_title(question, lesson, " · closed"))),
        SectionBlock(text=MarkdownTextObject(text=escape(question.prompt))),
        SectionBlock(text=MarkdownTextObject(text=_options_text(options, mark_correct=True))),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Answer: {right.letter}. {escape(right.text)}*\n{escape(question.explanation)}"
            ),
            accessory=report_button(question.id, None, question.version),
        ),
        _source_block(question),
        ContextBlock(elements=[MarkdownTextObject(text=summary)]),
    ]
    return f"Closed: the answer was {right.letter}. {escape(right.text)}", blocks


def render_answer_result(
    *,
    question: Question,
    options: Sequence[ShownOption],
    chosen: ShownOption,
    footer: str,
) -> tuple[str, list[Block]]:
    """The private reply to an answer: right or not, the right answer, why, and a footer
    (the streak for daily questions, lesson progress for practice)."""
    right = correct_option(options)
    if chosen.correct:
        verdict = f"✅ *Correct!* {right.letter}. {escape(right.text)}"
    else:
        verdict = (
            f"❌ *Not quite.* You chose {chosen.letter}. {escape(chosen.text)}\n"
            f"The answer is *{right.letter}. {escape(right.text)}*"
        )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=verdict)),
        # The report button sits beside the explanation: the one place a doubt about the
        # question arises, and not an actions block (a reply's only buttons stay the next review's).
        SectionBlock(
            text=MarkdownTextObject(text=escape(question.explanation)),
            accessory=report_button(question.id, chosen.index, question.version),
        ),
        _source_block(question),
        ContextBlock(elements=[MarkdownTextObject(text=footer)]),
    ]
    text = "Correct!" if chosen.correct else f"Not quite: the answer is {right.letter}. {escape(right.text)}"
    return text, blocks


def streak_footer(current: int, longest: int) -> str:
    return f"🔥 Your streak in this channel: {plural(current, 'day')} (longest {longest})"


def render_private_question(
    *, kind: PrivateKind, question: Question, lesson: Lesson, seed: int, note: str | None = None
) -> tuple[str, list[Block]]:
    """A practice or review question for one person; the button values carry everything
    needed to grade it, since such questions have no post row."""
    options = private_options(kind, question, seed)
    blocks: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(text=clip(f"{kind.title} · {_title(question, lesson)}", HEADER_LIMIT))
        ),
        SectionBlock(text=MarkdownTextObject(text=escape(question.prompt))),
        *_choice_blocks(
            options,
            block_id=f"{kind.name}-{question.id}-{seed}",
            action_prefix=kind.action_prefix,
            value_prefix=private_value(kind, question.id, question.version, seed),
        ),
        ContextBlock(elements=[MarkdownTextObject(text=note or kind.note)]),
    ]
    return f"{kind.title} question: {escape(question.prompt)}", blocks
