"""Load and validate the question bank; every problem is reported as `file:line: problem`.

A lesson file looks like::

    id: basics                      # stable lesson id
    title: Leader election basics
    goal: One line on what the lesson builds.
    questions:
      - id: basics-1                # stable forever: answers reference it
        difficulty: 1               # 1 vocabulary, 2 working knowledge, 3 depth
        source: "Paper or documentation page, with section"   # a citation, at most 200 characters
        link: https://example.org/paper#section               # optional; https only
        prompt: A realistic work scene ending in a question?
        options:                    # 2-5; exactly one has `correct: true`
          - text: The right idea
            correct: true
          - text: A plausible wrong idea
        explanation: Why the right answer is right and the tempting one wrong.
    retired:                        # optional: questions taken out of rotation
      - id: basics-0                # same fields as a question, plus
        replaced_by: basics-1       # optional: the current question that took its place

Ids are for ever. An edit that keeps a question's idea keeps its id, its number of options and
the place of its correct option (answers store the option's index). A question whose idea
changes gets a new id, and the old one moves under `retired:`: it still resolves
(`Bank.question`) for the posts, answers and insights that name it, but it is never posted,
practised or reviewed again (`Bank.questions`, `Bank.current_question`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

LESSONS_DIR = Path(__file__).parent / "lessons"

# Slack limits as rendered by bot.blocks: a section text holds 3,000 characters and
# a button label 75; we keep a margin for the letter prefixes and markup we add.
MAX_PROMPT_CHARS = 2500
MAX_OPTION_CHARS = 300
MAX_EXPLANATION_CHARS = 2500
MAX_TITLE_CHARS = 120
MAX_SOURCE_CHARS = 200
MAX_LINK_CHARS = 500
MIN_OPTIONS, MAX_OPTIONS = 2, 5
DIFFICULTIES = (1, 2, 3)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# A link is shown as Slack's <url|title>, so it may hold no space, `<`, `>` or `|`.
LINK_PATTERN = re.compile(r"^https://[^\s<>|]+$")
# A `source` is a citation a player can follow, never a note about how the question was drafted.
# These phrases come from the notes the bank's sources used to carry ("the body of the paper was
# not opened", "read instead: ...", "as given in ...", "opening read in a mirror ...") plus the
# usual markers of an unfinished text.
DRAFTING_PHRASES = (
    "not opened",
    "was not",
    "were not",
    "read instead",
    "as quoted",
    "as given in",
    "opening read",
    "read in a mirror",
    "cited before",
    "cited for",
    "the full post",
    "the paper itself",
    "not read",
    "not checked",
    "unverified",
    "checked in",
    "drafting",
    "todo",
    "tbd",
    "fixme",
    "xxx",
    "note:",
)
# A link belongs in `link` (https only, shown as the source's link): a text field holding a URL
# would reach Slack as a bare link, which Slack turns into a live one.
_URL_IN_TEXT = re.compile(r"(?<![\w/])(?:[a-z][a-z0-9+.-]*://|www\.)\S", re.IGNORECASE)
_DRAFTING = re.compile(
    "|".join(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])" for phrase in DRAFTING_PHRASES), re.IGNORECASE
)


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    lesson_id: str
    position: int  # 1-based position in its lesson
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    difficulty: int
    source: str
    link: str | None = None  # where the source can be read, https only
    retired: bool = False  # out of rotation: resolvable for history, never posted again
    replaced_by: str | None = None  # for a retired question, the current one that took its place

    @property
    def correct_index(self) -> int:
        return next(i for i, option in enumerate(self.options) if option.correct)

    @cached_property
    def version(self) -> str:
        """The version of what a player sees and is graded on (scene, options and key,
        explanation, source, link, difficulty): a hash of it, so every replica names the same
        text the same way without asking another. Lesson and place are not part of it."""
        return content_version(self)


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int  # 1-based order in the bank
    title: str
    goal: str
    questions: tuple[Question, ...]  # the lesson's current questions, in order
    retired: tuple[Question, ...] = ()  # taken out of rotation; kept for the history naming them


@dataclass(frozen=True)
class Bank:
    lessons: tuple[Lesson, ...]
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for lesson in self.lessons:
            for question in (*lesson.questions, *lesson.retired):
                self._by_id[question.id] = question

    @property
    def questions(self) -> list[Question]:
        """Every current question in curriculum order: lessons in order, questions in order.
        Retired questions are not among them, so nothing posts, practises or counts them."""
        return [q for lesson in self.lessons for q in lesson.questions]

    @property
    def retired(self) -> list[Question]:
        return [q for lesson in self.lessons for q in lesson.retired]

    def question(self, question_id: str) -> Question | None:
        """The question with this id, current or retired: what an old post, answer, report or
        insight names must keep resolving."""
        return self._by_id.get(question_id)

    def current_question(self, question_id: str) -> Question | None:
        """The question with this id only while it is in rotation (for what offers it again,
        such as due reviews)."""
        question = self._by_id.get(question_id)
        return None if question is None or question.retired else question

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def find_lesson(self, text: str) -> Lesson | None:
        """A lesson by id, number or (case-insensitive) title prefix, for `/leader-quiz practice <lesson>`."""
        wanted = text.strip().lower()
        for lesson in self.lessons:
            # A workspace's own lesson answers to the id it wrote (`ours` of `own/T0123/ours`).
            named = (lesson.id, lesson.id.rsplit("/", 1)[-1], str(lesson.number))
            if wanted in named or lesson.title.lower().startswith(wanted):
                return lesson
        return None


class ContentError(Exception):
    """The bank is invalid; `problems` holds `file:line: problem` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# libyaml's parser when PyYAML was built with it (ten times faster: the bank is parsed by
# every process that starts, the CLI's included); its nodes carry the same line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A SafeLoader whose mappings remember the line they start on."""


class _LineDict(dict):
    line: int = 0


class _LineList(list):
    """A sequence that remembers the line each item starts on (for items that are not mappings)."""

    item_lines: tuple[int, ...] = ()


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}  # type: ignore[attr-defined]
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    sequence = _LineList(loader.construct_sequence(node, deep=True))
    sequence.item_lines = tuple(item.start_mark.line + 1 for item in node.value)
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _line_of(mapping: object, key: str | None = None) -> int:
    if not isinstance(mapping, _LineDict):
        return 1
    if key is not None:
        return getattr(mapping, "key_lines", {}).get(key, mapping.line)
    return mapping.line


def _item_line(sequence: object, index: int, default: int) -> int:
    """The line of a sequence's item `index` (0-based)."""
    lines = getattr(sequence, "item_lines", ())
    return lines[index] if index < len(lines) else default


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Words too common to show that an explanation names the correct answer's idea.
_STOPWORDS = frozenset(
    (
        "about after again against always because before being below between could doing during every "
        "never other should their there these those through under until which while would with "
        "without your yours"
    ).split()
)


def _key_words(text: str) -> set[str]:
    return {word for word in _normalized(text).split() if len(word) >= 5 and word not in _STOPWORDS}


def _names_idea(options: list[Option], explanation: str) -> bool:
    """The explanation shares at least one key word with the correct option (or the option is short)."""
    correct = next((option for option in options if option.correct), None)
    if correct is None:
        return True
    words = _key_words(correct.text)
    # Stems, so "renew" in the option matches "renewal" in the explanation.
    stems = {word[:5] for word in words}
    explained = {word[:5] for word in _key_words(explanation)}
    return not stems or bool(stems & explained)


class _FileChecker:
    """Turns one parsed lesson file into a Lesson, collecting problems instead of raising."""

    def __init__(self, path: Path, label: str, number: int) -> None:
        self.path = path
        self.label = label
        self.number = number
        self.problems: list[str] = []
        self.id_line = 1
        # The line of each loaded question's `id`, aligned with Lesson.questions (and .retired).
        self.question_lines: list[int] = []
        self.retired_lines: list[int] = []
        # (id named by `replaced_by`, its line, the retired question), checked once all files loaded.
        self.replacements: list[tuple[str, int, str]] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.label}:{line}: {message}")

    def text(self, mapping: dict, key: str, limit: int, where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(_line_of(mapping, key), f"{where}: `{key}` must be non-empty text")
            return ""
        value = " ".join(value.split())
        if len(value) > limit:
            self.problem(
                _line_of(mapping, key),
                f"{where}: `{key}` is {len(value)} characters, over the limit of {limit}",
            )
        if _URL_IN_TEXT.search(value):
            self.problem(
                _line_of(mapping, key),
                f"{where}: `{key}` holds a link; put it in `link` (one https:// URL per question)",
            )
        return value

    def lesson(self) -> Lesson | None:
        try:
            data = yaml.load(self.path.read_text(encoding="utf-8"), Loader=_LineLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            self.problem(line, f"not valid YAML: {getattr(error, 'problem', error)}")
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.problem(1, f"cannot read: {error}")
            return None
        return self.lesson_from(data)

    def lesson_from(self, data: object) -> Lesson | None:
        """One parsed lesson document (a mapping whose lines are known) into a Lesson."""
        if not isinstance(data, dict):
            self.problem(1, "a lesson file must be a mapping with id, title, goal and questions")
            return None
        lesson_id = data.get("id")
        self.id_line = _line_of(data, "id")
        if not isinstance(lesson_id, str) or not ID_PATTERN.match(lesson_id):
            self.problem(_line_of(data, "id"), "lesson `id` must be lowercase letters, digits and dashes")
            lesson_id = str(lesson_id)
        title = self.text(data, "title", MAX_TITLE_CHARS, "lesson")
        goal = self.text(data, "goal", MAX_PROMPT_CHARS, "lesson")
        raw_questions = data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem(_line_of(data, "questions"), "lesson needs a non-empty `questions` list")
            raw_questions = []
        questions = []
        for position, raw in enumerate(raw_questions, start=1):
            line = _item_line(raw_questions, position - 1, _line_of(data, "questions"))
            question = self.question(raw, lesson_id, position, line)
            if question is not None:
                questions.append(question)
                self.question_lines.append(_line_of(raw, "id"))
        retired = []
        raw_retired = data.get("retired", [])
        if not isinstance(raw_retired, list):
            self.problem(_line_of(data, "retired"), "`retired` must be a list of questions")
            raw_retired = []
        for index, raw in enumerate(raw_retired):
            line = _item_line(raw_retired, index, _line_of(data, "retired"))
            question = self.question(raw, lesson_id, 0, line, retired=True)
            if question is not None:
                retired.append(question)
                self.retired_lines.append(_line_of(raw, "id"))
        return Lesson(
            id=lesson_id,
            number=self.number,
            title=title,
            goal=goal,
            questions=tuple(questions),
            retired=tuple(retired),
        )

    def question(
        self, raw: object, lesson_id: str, position: int, line: int, *, retired: bool = False
    ) -> Question | None:
        if not isinstance(raw, dict):
            kind = "retired question" if retired else "question"
            self.problem(line, f"{kind} {position or ''} must be a mapping".replace("  ", " "))
            return None
        question_id = raw.get("id")
        where = f"{'retired question' if retired else 'question'} {question_id or position}"
        if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
            self.problem(_line_of(raw, "id"), f"{where}: `id` must be lowercase letters, digits and dashes")
            question_id = str(question_id)
        prompt = self.text(raw, "prompt", MAX_PROMPT_CHARS, where)
        explanation = self.text(raw, "explanation", MAX_EXPLANATION_CHARS, where)
        source = self.source(raw, where)
        link = self.link(raw, where)
        replaced_by = self.replaced_by(raw, where, retired)
        difficulty = raw.get("difficulty")
        # `true` and `2.0` compare equal to 1 and 2 but are not difficulties.
        if type(difficulty) is not int or difficulty not in DIFFICULTIES:
            self.problem(_line_of(raw, "difficulty"), f"{where}: `difficulty` must be one of 1, 2, 3")
        options = self.options(raw, where)
        if options and sum(option.correct for option in options) != 1:
            self.problem(
                _line_of(raw, "options"),
                f"{where}: exactly one option must be correct, found {sum(o.correct for o in options)}",
            )
        if options and explanation and not _names_idea(options, explanation):
            self.problem(
                _line_of(raw, "explanation"),
                f"{where}: the explanation never names the correct answer's idea",
            )
        return Question(
            id=question_id,
            lesson_id=lesson_id,
            position=position,
            prompt=prompt,
            options=tuple(options),
            explanation=explanation,
            difficulty=difficulty if type(difficulty) is int else 0,
            source=source,
            link=link,
            retired=retired,
            replaced_by=replaced_by,
        )

    def source(self, raw: dict, where: str) -> str:
        """A clean citation: short enough to show under an explanation, no drafting notes."""
        source = self.text(raw, "source", MAX_SOURCE_CHARS, where)
        found = _DRAFTING.search(source)
        if found:
            self.problem(
                _line_of(raw, "source"),
                f"{where}: `source` carries a drafting note ({found.group(0)!r}); "
                "keep it a citation a player can follow",
            )
        return source

    def link(self, raw: dict, where: str) -> str | None:
        if "link" not in raw:
            return None
        link = raw.get("link")
        if not isinstance(link, str) or not LINK_PATTERN.match(link) or len(link) > MAX_LINK_CHARS:
            self.problem(
                _line_of(raw, "link"),
                f"{where}: `link` must be one https:// URL (no spaces, <, > or |), "
                f"at most {MAX_LINK_CHARS} characters",
            )
            return None
        return link

    def replaced_by(self, raw: dict, where: str, retired: bool) -> str | None:
        if "replaced_by" not in raw:
            return None
        value = raw.get("replaced_by")
        if not retired:
            self.problem(_line_of(raw, "replaced_by"), f"{where}: only a retired question has `replaced_by`")
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(_line_of(raw, "replaced_by"), f"{where}: `replaced_by` must be a question id")
            return None
        self.replacements.append((value, _line_of(raw, "replaced_by"), where))
        return value

    def options(self, raw: dict, where: str) -> list[Option]:
        raw_options = raw.get("options")
        if not isinstance(raw_options, list):
            self.problem(_line_of(raw, "options"), f"{where}: `options` must be a list")
            return []
        if not MIN_OPTIONS <= len(raw_options) <= MAX_OPTIONS:
            self.problem(
                _line_of(raw, "options"),
                f"{where}: needs {MIN_OPTIONS}-{MAX_OPTIONS} options, found {len(raw_options)}",
            )
        options: list[Option] = []
        seen: dict[str, int] = {}
        for index, raw_option in enumerate(raw_options, start=1):
            if not isinstance(raw_option, dict):
                self.problem(
                    _item_line(raw_options, index - 1, _line_of(raw, "options")),
                    f"{where}: option {index} must be a mapping with `text`",
                )
                continue
            text = self.text(raw_option, "text", MAX_OPTION_CHARS, f"{where} option {index}")
            correct = raw_option.get("correct", False)
            if not isinstance(correct, bool):
                self.problem(
                    _line_of(raw_option, "correct"),
                    f"{where} option {index}: `correct` must be true or false",
                )
                correct = False
            key = _normalized(text)
            if key and key in seen:
                self.problem(
                    _line_of(raw_option, "text"),
                    f"{where}: option {index} is the same as option {seen[key]}",
                )
            seen.setdefault(key, index)
            options.append(Option(text=text, correct=correct))
        return options


def load_bank(directory: Path = LESSONS_DIR) -> Bank:
    """Load every `*.yaml` lesson in file-name order; raise ContentError listing every problem."""
    problems: list[str] = []
    lessons: list[Lesson] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ContentError([f"{directory}:1: no lesson files (*.yaml) found"])
    # Where each id was first defined, as `file:line`, to name it in a duplicate's problem.
    lesson_files: dict[str, str] = {}
    question_files: dict[str, str] = {}
    current: set[str] = set()
    replacements: list[tuple[str, str, int, str]] = []
    for number, path in enumerate(files, start=1):
        label = _label(path)
        checker = _FileChecker(path, label, number)
        lesson = checker.lesson()
        problems.extend(checker.problems)
        if lesson is None:
            continue
        if lesson.id in lesson_files:
            problems.append(
                f"{label}:{checker.id_line}: lesson id {lesson.id!r} is also used by {lesson_files[lesson.id]}"
            )
        lesson_files.setdefault(lesson.id, f"{label}:{checker.id_line}")
        located = [
            *zip(lesson.questions, checker.question_lines, strict=True),
            *zip(lesson.retired, checker.retired_lines, strict=True),
        ]
        for question, line in located:
            if question.id in question_files:
                problems.append(
                    f"{label}:{line}: question id {question.id!r} is also used by {question_files[question.id]}"
                )
            question_files.setdefault(question.id, f"{label}:{line}")
        current.update(question.id for question in lesson.questions)
        replacements.extend((label, *replacement) for replacement in checker.replacements)
        lessons.append(lesson)
    for label, replacement, line, where in replacements:
        if replacement not in current:
            problems.append(
                f"{label}:{line}: {where}: `replaced_by` names no current question ({replacement!r})"
            )
    if problems:
        raise ContentError(problems)
    return Bank(lessons=tuple(lessons))


def _label(path: Path) -> str:
    """The path as a person would type it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# -- versions ------------------------------------------------------------------------------
VERSION_CHARS = 12


def content_body(question: Question) -> dict:
    """What a version holds: everything a player sees and is graded on, as plain data (the
    shape `question_from_body` reads back)."""
    return {
        "prompt": question.prompt,
        "options": [{"text": option.text, "correct": option.correct} for option in question.options],
        "explanation": question.explanation,
        "difficulty": question.difficulty,
        "source": question.source,
        "link": question.link,
    }


def content_version(question: Question) -> str:
    """A short hash of the question's body: equal texts, equal versions, on every replica."""
    canonical = json.dumps(content_body(question), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_CHARS]


def question_from_body(
    body: Mapping, *, question_id: str, lesson_id: str, position: int, retired: bool = False
) -> Question:
    """A Question from a stored version's body (`content_body`), placed in its lesson."""
    return Question(
        id=question_id,
        lesson_id=lesson_id,
        position=position,
        prompt=str(body["prompt"]),
        options=tuple(Option(text=str(o["text"]), correct=bool(o["correct"])) for o in body["options"]),
        explanation=str(body["explanation"]),
        difficulty=int(body["difficulty"]),
        source=str(body["source"]),
        link=body.get("link") or None,
        retired=retired,
    )


# -- one question's fields (a form in Slack), checked by the same rules ---------------------
# The form's fields, as the keys of the problems `check_fields` returns.
PROMPT, EXPLANATION, SOURCE, LINK, OPTIONS = "prompt", "explanation", "source", "link", "options"
_FIELD_LINES = {"id": 1, "difficulty": 2, PROMPT: 3, OPTIONS: 4, EXPLANATION: 5, SOURCE: 6, LINK: 7}
_OPTION_LINE = 100  # option i (1-based) is "line" 100 + i


def option_field(number: int) -> str:
    """The field of option `number` (1-based) in `check_fields`' problems."""
    return f"option_{number}"


def check_fields(
    *,
    question_id: str,
    prompt: str,
    options: Iterable[tuple[str, bool]],
    explanation: str,
    source: str,
    link: str | None,
    difficulty: int = 2,
) -> tuple[Question | None, dict[str, str]]:
    """Check one question as `load_bank` checks a lesson file's (the same checker, the same
    rules), for a form: the problems by field (`prompt`, `option_2`, `options`, ...), each the
    first problem found there; the question when there are none."""

    def tagged(values: dict, lines: dict[str, int], line: int) -> _LineDict:
        mapping = _LineDict(values)
        mapping.line = line
        mapping.key_lines = lines  # type: ignore[attr-defined]
        return mapping

    raw_options = [
        tagged(
            {"text": text, **({"correct": True} if correct else {})},
            {"text": _OPTION_LINE + n, "correct": _OPTION_LINE + n},
            _OPTION_LINE + n,
        )
        for n, (text, correct) in enumerate(options, start=1)
    ]
    values: dict = {
        "id": question_id,
        "difficulty": difficulty,
        PROMPT: prompt,
        OPTIONS: raw_options,
        EXPLANATION: explanation,
        SOURCE: source,
    }
    if link:
        values[LINK] = link
    checker = _FileChecker(Path("form"), "form", 1)
    question = checker.question(tagged(values, _FIELD_LINES, 1), "form", 1, 1)
    where = f"question {question_id}"
    by_line = {line: name for name, line in _FIELD_LINES.items()}
    problems: dict[str, str] = {}
    for problem in checker.problems:
        _, line_text, message = problem.split(":", 2)
        line = int(line_text)
        field_name = option_field(line - _OPTION_LINE) if line > _OPTION_LINE else by_line.get(line, PROMPT)
        message = message.strip()
        for prefix in (f"{where} option {line - _OPTION_LINE}: ", f"{where}: "):
            message = message.removeprefix(prefix)
        problems.setdefault(field_name, message[:1].upper() + message[1:])
    return (None if problems else question), problems


# -- a workspace's own pack: lesson files that may hold several lessons each ----------------
@dataclass
class PackFile:
    """One file of a pack: its lessons (in order), each question's line, and its problems
    (`file:line: problem`); a file with a problem is not imported at all."""

    label: str
    lessons: list[Lesson] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # question id -> its line
    lesson_lines: dict[str, int] = field(default_factory=dict)  # lesson id -> its `id` line
    problems: list[str] = field(default_factory=list)


def pack_files(target: Path) -> list[Path]:
    """A file, or a folder's `*.yaml` files in name order."""
    return sorted(target.glob("*.yaml")) if target.is_dir() else [target]


def read_pack_file(path: Path) -> PackFile:
    """Parse and check one file of lessons (one lesson per YAML document, `---` between them)
    with the shipped bank's checker, plus what a pack needs: ids unique within the file, and
    `replaced_by` naming a question of the file. Cross-pack checks are the importer's."""
    label = _label(path)
    found = PackFile(label=label)
    try:
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LineLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        found.problems.append(
            f"{label}:{mark.line + 1 if mark else 1}: not valid YAML: {getattr(error, 'problem', error)}"
        )
        return found
    except (OSError, UnicodeDecodeError) as error:
        found.problems.append(f"{label}:1: cannot read: {error}")
        return found
    documents = [document for document in documents if document is not None]
    if not documents:
        found.problems.append(f"{label}:1: no lesson in this file")
    replacements: list[tuple[str, int, str]] = []
    current: set[str] = set()
    for number, document in enumerate(documents, start=1):
        checker = _FileChecker(path, label, number)
        lesson = checker.lesson_from(document)
        found.problems.extend(checker.problems)
        if lesson is None:
            continue
        if lesson.id in found.lesson_lines:
            found.problems.append(
                f"{label}:{checker.id_line}: lesson id {lesson.id!r} appears twice in this file"
            )
        found.lesson_lines.setdefault(lesson.id, checker.id_line)
        located = [
            *zip(lesson.questions, checker.question_lines, strict=True),
            *zip(lesson.retired, checker.retired_lines, strict=True),
        ]
        for question, line in located:
            if question.id in found.lines:
                found.problems.append(
                    f"{label}:{line}: question id {question.id!r} is also used on line {found.lines[question.id]}"
                )
            found.lines.setdefault(question.id, line)
        current.update(question.id for question in lesson.questions)
        replacements.extend(checker.replacements)
        found.lessons.append(lesson)
    for replacement, line, where in replacements:
        if replacement not in current:
            found.problems.append(
                f"{label}:{line}: {where}: `replaced_by` names no current question ({replacement!r})"
            )
    return found


def lesson_document(lesson: Lesson) -> dict:
    """A lesson as the YAML mapping a lesson file holds (what `read_pack_file` reads back)."""

    def question(q: Question) -> dict:
        data: dict = {"id": q.id, "difficulty": q.difficulty, "source": q.source}
        if q.link:
            data["link"] = q.link
        data["prompt"] = q.prompt
        data["options"] = [
            {"text": option.text, "correct": True} if option.correct else {"text": option.text}
            for option in q.options
        ]
        data["explanation"] = q.explanation
        if q.retired and q.replaced_by:
            data["replaced_by"] = q.replaced_by
        return data

    document: dict = {
        "id": lesson.id,
        "title": lesson.title,
        "goal": lesson.goal,
        "questions": [question(q) for q in lesson.questions],
    }
    if lesson.retired:
        document["retired"] = [question(q) for q in lesson.retired]
    return document


def dump_pack(lessons: Iterable[Lesson]) -> str:
    """Lessons as one YAML stream, a document per lesson: what `leader-quiz content export`
    prints and `content import` reads back unchanged."""
    return yaml.safe_dump_all(
        [lesson_document(lesson) for lesson in lessons],
        sort_keys=False,
        allow_unicode=True,
        width=100,
        explicit_start=True,
    )
