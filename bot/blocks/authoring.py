"""A question written in Slack: the modal (write, edit, suggest, or edit a suggestion before
approving it), its state read back into a Draft, the reject-with-a-note modal, and App Home's
section on the workspace's own questions (pure builders)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.text import clip, escape, plural
from bot.domain.authoring import (
    ANYWAY_BLOCK,
    CORRECT_BLOCK,
    EXPLANATION_BLOCK,
    LESSON_BLOCK,
    LINK_BLOCK,
    NEW_LESSON_BLOCK,
    OPTION_BLOCKS,
    PROMPT_BLOCK,
    SOURCE_BLOCK,
    AuthoringHome,
    Draft,
    OwnQuestionView,
    SuggestionView,
)
from content.bank import (
    MAX_EXPLANATION_CHARS,
    MAX_LINK_CHARS,
    MAX_OPTION_CHARS,
    MAX_PROMPT_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TITLE_CHARS,
)

QUESTION_VIEW = "own_question"
REJECT_VIEW = "own_reject"
WRITE_ACTION = "own_write"
SUGGEST_ACTION = "own_suggest"
APPROVE_ACTION = "own_approve"
REVIEW_ACTION = "own_review"  # edit a suggestion before approving it
REJECT_ACTION = "own_reject"
MANAGE_ACTION = "own_manage"  # an own question's overflow: edit or retire
INPUT = "value"  # every input element's action_id (one element per block)
NOTE_BLOCK = "note"

WRITE, EDIT, SUGGEST, REVIEW = "write", "edit", "suggest", "review"
_MODES = {
    WRITE: ("Write a question", "Save"),
    EDIT: ("Edit a question", "Save"),
    SUGGEST: ("Suggest a question", "Send"),
    REVIEW: ("Edit a suggestion", "Add it"),
}
_INTRO = {
    WRITE: "A question about your own systems, in the curriculum's shape: a scene from work, "
    "2 to 5 options, one right, and why. It is checked as the shipped questions are.",
    EDIT: "Changes make a new version: answers already given keep the text they answered.",
    SUGGEST: "Your suggestion goes to the workspace's admins, who add, edit or decline it; "
    "you will hear which by direct message.",
    REVIEW: "Adding it tells the person who suggested it.",
}
OPTION_LABEL_CHARS = 75  # a select option's text


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": False}


def _input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _choice(value: str, text: str) -> dict[str, Any]:
    return {"text": _plain(clip(text, OPTION_LABEL_CHARS)), "value": value}


def render_question_modal(
    *, mode: str, lessons: Sequence[tuple[str, str]], draft: Draft, metadata: dict[str, Any]
) -> dict:
    """The question form; `lessons` are the workspace's own (local id, title); `draft` fills it."""
    title, submit = _MODES[mode]
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _INTRO[mode]}]},
    ]
    if lessons:
        choices = [_choice(lesson_id, title) for lesson_id, title in lessons[:100]]
        select: dict[str, Any] = {"type": "static_select", "action_id": INPUT, "options": choices}
        chosen = next((c for c in choices if c["value"] == draft.lesson_id), None)
        if chosen is not None:
            select["initial_option"] = chosen
        blocks.append(
            {
                "type": "input",
                "block_id": LESSON_BLOCK,
                "label": _plain("Lesson"),
                "element": select,
                "optional": True,
            }
        )
    blocks.append(
        _input(
            NEW_LESSON_BLOCK,
            "A new lesson (its title)" if not lessons else "…or a new lesson (its title)",
            max_length=MAX_TITLE_CHARS,
            initial=draft.new_lesson,
            optional=bool(lessons),
            placeholder="Our Postgres failover",
        )
    )
    blocks.append(
        _input(
            PROMPT_BLOCK,
            "Scene and question",
            max_length=MAX_PROMPT_CHARS,
            initial=draft.prompt,
            multiline=True,
            hint="A moment at work that ends in a question. No links here: the link goes below.",
        )
    )
    options = list(draft.options) + [""] * (len(OPTION_BLOCKS) - len(draft.options))
    for number, block_id in enumerate(OPTION_BLOCKS, start=1):
        blocks.append(
            _input(
                block_id,
                f"Option {number}",
                max_length=MAX_OPTION_CHARS,
                initial=options[number - 1],
                optional=number > 2,
            )
        )
    correct: dict[str, Any] = {
        "type": "static_select",
        "action_id": INPUT,
        "options": [_choice(str(n), f"Option {n}") for n in range(1, len(OPTION_BLOCKS) + 1)],
    }
    if draft.correct:
        correct["initial_option"] = _choice(str(draft.correct), f"Option {draft.correct}")
    blocks.append(
        {
            "type": "input",
            "block_id": CORRECT_BLOCK,
            "label": _plain("Which option is right?"),
            "element": correct,
        }
    )
    blocks.append(
        _input(
            EXPLANATION_BLOCK,
            "Why",
            max_length=MAX_EXPLANATION_CHARS,
            initial=draft.explanation,
            multiline=True,
            hint="Why the right option is right, and why the tempting wrong one is wrong.",
        )
    )
    blocks.append(
        _input(
            SOURCE_BLOCK,
            "Source",
            max_length=MAX_SOURCE_CHARS,
            initial=draft.source,
            hint="Where a player can read more: a runbook, a design doc, a page of documentation.",
        )
    )
    blocks.append(
        _input(
            LINK_BLOCK,
            "Link to the source",
            max_length=MAX_LINK_CHARS,
            initial=draft.link,
            optional=True,
            placeholder="https://…",
        )
    )
    anyway = {"text": _plain("Post anyway, even if the right option stands out"), "value": "yes"}
    checkbox: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT, "options": [anyway]}
    if draft.anyway:
        checkbox["initial_options"] = [anyway]
    blocks.append(
        {
            "type": "input",
            "block_id": ANYWAY_BLOCK,
            "label": _plain("Give-aways"),
            "element": checkbox,
            "optional": True,
            "hint": _plain(
                "A question whose right option is the only long or specific one is refused unless ticked."
            ),
        }
    )
    return {
        "type": "modal",
        "callback_id": QUESTION_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": _plain(title),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _value(values: dict, block_id: str) -> dict:
    found = (values.get(block_id) or {}).get(INPUT)
    return found if isinstance(found, dict) else {}


def _text(values: dict, block_id: str) -> str:
    value = _value(values, block_id).get("value")
    return value if isinstance(value, str) else ""


def _selected(values: dict, block_id: str) -> str | None:
    option = _value(values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def draft_from_state(values: dict) -> Draft:
    """The form's state (a view_submission's `view.state.values`) as a Draft."""
    correct = _selected(values, CORRECT_BLOCK)
    ticked = _value(values, ANYWAY_BLOCK).get("selected_options")
    return Draft(
        lesson_id=_selected(values, LESSON_BLOCK),
        new_lesson=_text(values, NEW_LESSON_BLOCK),
        prompt=_text(values, PROMPT_BLOCK),
        options=tuple(_text(values, block_id) for block_id in OPTION_BLOCKS),
        correct=int(correct) if correct and correct.isdigit() else None,
        explanation=_text(values, EXPLANATION_BLOCK),
        source=_text(values, SOURCE_BLOCK),
        link=_text(values, LINK_BLOCK).strip(),
        anyway=bool(ticked),
    )


def fit_errors(view: dict, errors: dict[str, str]) -> dict[str, str]:
    """Errors keyed by input blocks the view has (Slack refuses others): one for a block the
    view lacks goes to the first input block; each message within Slack's length."""
    inputs = [block.get("block_id") for block in view.get("blocks") or [] if block.get("type") == "input"]
    fitted: dict[str, str] = {}
    for block_id, message in errors.items():
        target = block_id if block_id in inputs else (inputs[0] if inputs else block_id)
        fitted.setdefault(target, clip(message, 1000))
    return fitted


def render_done(*, title: str, text: str) -> dict:
    """What the modal turns into once saved (`response_action: update`)."""
    return {
        "type": "modal",
        "callback_id": QUESTION_VIEW,
        "title": _plain(clip(title, 24)),
        "close": _plain("Done"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}],
    }


def render_reject_modal(*, suggestion: SuggestionView) -> dict:
    return {
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": json.dumps({"s": suggestion.id}),
        "title": _plain("Decline a suggestion"),
        "submit": _plain("Decline"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"From <@{suggestion.user_id}>: _{escape(clip(suggestion.prompt, 600))}_",
                },
            },
            _input(
                NOTE_BLOCK,
                "A note for them",
                max_length=500,
                multiline=True,
                hint="They get it by direct message, with thanks.",
            ),
        ],
    }


def note_from_state(values: dict) -> str:
    return _text(values, NOTE_BLOCK)


# -- App Home ------------------------------------------------------------------------------
def _suggestion_blocks(suggestion: SuggestionView) -> list[Block]:
    lines = [
        f"*From <@{suggestion.user_id}>* · lesson _{escape(clip(suggestion.lesson, 80))}_",
        escape(clip(suggestion.prompt, 500)),
        *(
            f"{'✅' if text == suggestion.answer else '▫️'} {escape(clip(text, 150))}"
            for text in suggestion.options
        ),
    ]
    value = str(suggestion.id)
    return [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
        ActionsBlock(
            block_id=f"own_suggestion_{suggestion.id}",
            elements=[
                ButtonElement(text="Approve", action_id=APPROVE_ACTION, value=value, style="primary"),
                ButtonElement(text="Edit", action_id=REVIEW_ACTION, value=value),
                ButtonElement(text="Decline", action_id=REJECT_ACTION, value=value, style="danger"),
            ],
        ),
    ]


def _question_block(question: OwnQuestionView) -> SectionBlock:
    text = (
        f"`{question.local_id}` · _{escape(clip(question.lesson, 60))}_\n{escape(clip(question.prompt, 200))}"
    )
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=OverflowMenuElement(
            action_id=MANAGE_ACTION,
            options=[
                Option(text=PlainTextObject(text="Edit"), value=f"edit:{question.local_id}"),
                Option(text=PlainTextObject(text="Retire"), value=f"retire:{question.local_id}"),
            ],
        ),
    )


def authoring_blocks(home: AuthoringHome) -> list[Block]:
    """App Home's part about the workspace's own questions (nothing for a guest)."""
    if not home.admin:
        if not home.may_suggest:
            return []
        return [
            DividerBlock(),
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Know something about our own systems worth a question?* Suggest one; "
                    "an admin adds it to your team's own lessons."
                ),
                accessory=ButtonElement(text="Suggest a question", action_id=SUGGEST_ACTION, value="suggest"),
            ),
        ]
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text="Your team's own questions")),
    ]
    if home.notice:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=home.notice)))
    summary = (
        f"{plural(home.questions, 'question')} in {plural(home.lessons, 'lesson')} of your own. "
        "A channel posts them with `/leader-quiz lessons use own` (or `both`, taking turns with the curriculum)."
    )
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=summary),
            accessory=ButtonElement(
                text="Write a question", action_id=WRITE_ACTION, value="write", style="primary"
            ),
        )
    )
    blocks.extend(_question_block(question) for question in home.recent)
    if home.pending:
        shown = len(home.queue)
        more = f" (the oldest {shown} shown)" if home.pending > shown else ""
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*Suggestions waiting: {home.pending}*{more}"))
        )
        for suggestion in home.queue:
            blocks.extend(_suggestion_blocks(suggestion))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No suggestions waiting.")]))
    return blocks
