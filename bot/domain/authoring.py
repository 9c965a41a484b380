"""A question written in Slack (an admin's, or a member's suggestion): the form's fields as plain
data, checked by the shipped bank's own rules (`content.bank.check_fields`), each problem keyed
by the block it belongs to, so the modal shows it on that field; and who may write one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from content import Question
from content.bank import (
    EXPLANATION,
    LINK,
    MAX_OPTIONS,
    MAX_TITLE_CHARS,
    MIN_OPTIONS,
    OPTIONS,
    PROMPT,
    SOURCE,
    check_fields,
    option_field,
)
from content.cues import giveaways

# The modal's block ids (and the keys of its field errors).
LESSON_BLOCK, NEW_LESSON_BLOCK = "lesson", "new_lesson"
PROMPT_BLOCK, CORRECT_BLOCK = PROMPT, "correct"
EXPLANATION_BLOCK, SOURCE_BLOCK, LINK_BLOCK = EXPLANATION, SOURCE, LINK
ANYWAY_BLOCK = "anyway"
OPTION_BLOCKS = tuple(option_field(n) for n in range(1, MAX_OPTIONS + 1))

DIFFICULTY = 2  # a question written in Slack: "working knowledge" (the YAML may say otherwise)
NEW_LESSON_GOAL = "What our team should know about its own systems."
_URLISH = re.compile(r"(?<![\w/])(?:[a-z][a-z0-9+.-]*://|www\.)\S", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """The form as filled in: option texts in their fields' order ("" for an empty one), the
    right one by its 1-based number."""

    lesson_id: str | None = None  # one of the workspace's own lessons (its local id)
    new_lesson: str = ""  # or the title of a new one
    prompt: str = ""
    options: tuple[str, ...] = ()
    correct: int | None = None
    explanation: str = ""
    source: str = ""
    link: str = ""
    anyway: bool = False  # "post anyway": the author accepts a give-away cue

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        correct = data.get("correct")
        return cls(
            lesson_id=data.get("lesson_id") or None,
            new_lesson=str(data.get("new_lesson") or ""),
            prompt=str(data.get("prompt") or ""),
            options=tuple(str(o or "") for o in data.get("options") or ()),
            correct=correct if isinstance(correct, int) else None,
            explanation=str(data.get("explanation") or ""),
            source=str(data.get("source") or ""),
            link=str(data.get("link") or ""),
            anyway=bool(data.get("anyway")),
        )

    @classmethod
    def of(cls, question: Question, lesson_id: str) -> Draft:
        """The form filled in with a question as it is (to edit it)."""
        return cls(
            lesson_id=lesson_id,
            prompt=question.prompt,
            options=tuple(option.text for option in question.options),
            correct=question.correct_index + 1,
            explanation=question.explanation,
            source=question.source,
            link=question.link or "",
        )

    @property
    def filled(self) -> list[str]:
        """The options given, leading non-empty fields (the form asks for them in order)."""
        given = [text.strip() for text in self.options]
        while given and not given[-1]:
            given.pop()
        return given


@dataclass(frozen=True)
class Checked:
    """A draft checked: the question it makes (None while there are errors), the errors by block."""

    question: Question | None
    errors: dict[str, str] = field(default_factory=dict)


def check_draft(draft: Draft, *, question_id: str, lesson_known: bool = True) -> Checked:
    """Check the form as the bank checks a lesson file; give-away cues are errors too, unless
    the author ticked "post anyway". `lesson_known`: the chosen lesson is one of the workspace's."""
    errors: dict[str, str] = {}
    title = " ".join(draft.new_lesson.split())
    if draft.lesson_id and title:
        errors[NEW_LESSON_BLOCK] = "Pick one of your lessons or name a new one, not both."
    elif not draft.lesson_id and not title:
        errors[LESSON_BLOCK] = "Pick one of your lessons, or name a new one below."
    elif draft.lesson_id and not lesson_known:
        errors[LESSON_BLOCK] = "That lesson is gone; pick another."
    elif title and len(title) > MAX_TITLE_CHARS:
        errors[NEW_LESSON_BLOCK] = f"A lesson title is at most {MAX_TITLE_CHARS} characters."
    elif title and _URLISH.search(title):
        errors[NEW_LESSON_BLOCK] = "A lesson title holds no link."
    options = draft.filled
    for number, text in enumerate(options, start=1):
        if not text:
            errors.setdefault(option_field(number), "Fill the options in order: this one is empty.")
    if draft.correct is None:
        errors[CORRECT_BLOCK] = "Say which option is right."
    elif not 1 <= draft.correct <= len(options) or not options[draft.correct - 1]:
        errors[CORRECT_BLOCK] = f"Option {draft.correct} is empty: the right option needs its text."
    if len(options) < MIN_OPTIONS:
        errors.setdefault(option_field(len(options) + 1), f"Give at least {MIN_OPTIONS} options.")
    question, problems = check_fields(
        question_id=question_id,
        prompt=draft.prompt,
        options=[(text, number == draft.correct) for number, text in enumerate(options, start=1)],
        explanation=draft.explanation,
        source=draft.source,
        link=draft.link.strip() or None,
        difficulty=DIFFICULTY,
    )
    for name, message in problems.items():
        block = option_field(max(len(options), 1)) if name == OPTIONS else name
        if block not in (*OPTION_BLOCKS, PROMPT_BLOCK, EXPLANATION_BLOCK, SOURCE_BLOCK, LINK_BLOCK):
            block = PROMPT_BLOCK  # id and difficulty are ours, never the author's
        if block == option_field(draft.correct or 0) and "exactly one option must be correct" in message:
            block = CORRECT_BLOCK
        errors.setdefault(block, message)
    if errors or question is None:
        return Checked(None, errors)
    if not draft.anyway:
        cues = giveaways(question)
        if cues:
            errors[option_field(question.correct_index + 1)] = (
                f"A give-away: {' and '.join(cues)}, so players pick it without reading. "
                "Make the options alike, or tick “Post anyway”."
            )
            return Checked(None, errors)
    return Checked(question, {})


@dataclass(frozen=True)
class Standing:
    """What Slack says about a person, for writing and suggesting questions."""

    known: bool  # Slack answered
    admin: bool = False
    guest: bool = False  # a single- or multi-channel guest
    external: bool = False  # from another organisation (Slack Connect)

    @property
    def may_suggest(self) -> bool:
        return self.known and not self.guest and not self.external

    @property
    def may_author(self) -> bool:
        return self.may_suggest and self.admin

    def refusal(self, doing: str) -> str:
        """Why this person may not `doing` ("write questions", "suggest questions")."""
        if not self.known:
            return f"Slack could not tell who you are just now, so you cannot {doing}; try again in a minute."
        if self.guest:
            return f"Guests cannot {doing} here."
        if self.external:
            return f"People from other organisations cannot {doing} in this workspace."
        return f"Only workspace admins and quiz admins can {doing}. Members can `/leader-quiz suggest` one."


def slug(text: str, *, limit: int = 40) -> str:
    """A lesson id from its title: lowercase letters, digits and dashes."""
    made = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return made or "lesson"


@dataclass(frozen=True)
class SuggestionView:
    """A member's suggestion in the admins' queue."""

    id: int
    user_id: str
    lesson: str  # the lesson's title (an existing one, or the new one they named)
    prompt: str
    options: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class OwnQuestionView:
    """One of the workspace's own questions, as lists show it (CLI, App Home, dashboard)."""

    local_id: str
    question_id: str
    lesson_id: str
    lesson: str
    position: int
    prompt: str
    answer: str
    retired: bool
    version: str
    versions: int
    suggested_by: str | None = None
    updated_at: dt.datetime | None = None  # last written (new, edited, moved, retired)


@dataclass(frozen=True)
class AuthoringHome:
    """What App Home shows about the workspace's own questions: a member's "Suggest" button;
    for admins, the count, the newest questions, and the suggestions waiting."""

    admin: bool
    may_suggest: bool
    questions: int = 0
    lessons: int = 0
    recent: tuple[OwnQuestionView, ...] = ()
    queue: tuple[SuggestionView, ...] = ()
    pending: int = 0
    notice: str | None = None
