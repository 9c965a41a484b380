"""A workspace's own questions (SPEC §12): imported from YAML packs (checked exactly as the
shipped bank is), exported back, written and edited by admins in a Slack modal, suggested by
members and approved, edited or rejected by admins from App Home, retired; and which questions
each channel follows (`shipped`, `own` or `both`).

Limits: a person may suggest SUGGESTIONS_PER_DAY questions in any 24 hours (in each workspace);
once a workspace has PACK_MINIMUM questions of its own, its pack is held to the blind-strategy
limits the shipped bank is (content/cues.py): an import that breaks them is refused, and a
question that makes them worse is a field error unless its author ticks "post anyway"."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.authoring import EDIT, REVIEW, SUGGEST, WRITE, render_question_modal
from bot.blocks.reply import Reply
from bot.blocks.text import clip, escape
from bot.clock import Clock
from bot.domain.authoring import (
    CORRECT_BLOCK,
    NEW_LESSON_GOAL,
    AuthoringHome,
    Checked,
    Draft,
    OwnQuestionView,
    Standing,
    SuggestionView,
    check_draft,
    slug,
)
from bot.services.admins import AdminChecker
from bot.services.catalog import QuestionCatalog, build_own_lessons
from bot.services.private_replies import PrivateReplies
from bot.slack.budget import BudgetExhausted
from bot.slack.clients import SlackClients
from content import Lesson, Question
from content.bank import content_body, dump_pack, option_field, pack_files, read_pack_file
from content.cues import CueReport, measure_lessons, worsened
from db.engine import Database
from db.queries import own_questions as queries
from db.queries.own_questions import APPROVED, REJECTED, USES, own_question_id

logger = logging.getLogger(__name__)

SUGGESTIONS_PER_DAY = 5
SUGGESTION_WINDOW = dt.timedelta(hours=24)
PACK_MINIMUM = 10  # own questions from which the pack's cue limits are enforced
PACK_NAME = "your own questions"
QUEUE_SHOWN = 10
RECENT_SHOWN = 5


@dataclass
class ImportReport:
    """What `content import` found and did."""

    problems: list[str] = field(default_factory=list)  # `file:line: problem`
    skipped: list[str] = field(default_factory=list)  # files not imported (they had problems)
    cues: CueReport | None = None
    cue_problems: list[str] = field(default_factory=list)  # over the limits: nothing imported
    imported: bool = False
    lessons: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # new / changed / unchanged questions

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cue_problems


@dataclass(frozen=True)
class Saved:
    local_id: str
    question_id: str
    lesson: str
    created: bool
    changed: bool = True  # False: an edit that changed nothing


@dataclass(frozen=True)
class Decision:
    ok: bool
    message: str
    saved: Saved | None = None


def _save_version(
    session: Session, team_id: str, question_id: str, question: Question, now: dt.datetime
) -> None:
    """Keep the text this version of an own question was shown with (answers point at it)."""
    queries.save_version(
        session=session,
        team_id=team_id,
        question_id=question_id,
        version=question.version,
        body=content_body(question),
        now=now,
    )


class RateLimited(Exception):
    pass


class OwnQuestions:
    def __init__(
        self,
        *,
        db: Database,
        catalog: QuestionCatalog,
        clock: Clock,
        admins: AdminChecker,
        clients: SlackClients,
        replies: PrivateReplies,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.admins = admins
        self.clients = clients
        self.replies = replies

    # -- packs (the CLI) -------------------------------------------------------------------
    def import_pack(self, *, team_id: str, target: Path) -> ImportReport:
        """Import a YAML file or folder of lessons: each file checked as the shipped bank is,
        a file with a problem skipped whole; ids already imported are updated (a changed
        question gets a new version, its earlier answers keep theirs)."""
        report = ImportReport()
        paths = pack_files(target)
        if not paths:
            report.problems.append(f"{target}:1: no lesson files (*.yaml) found")
            return report
        files = [read_pack_file(path) for path in paths]
        with self.db.reading() as session:
            existing = queries.questions(session=session, team_id=team_id)
            lesson_rows = queries.lessons(session=session, team_id=team_id)
        lesson_of = {row.local_id: row.lesson_id for row in existing}
        seen_lessons: dict[str, str] = {}
        seen_questions: dict[str, str] = {}
        for found in files:
            for lesson in found.lessons:
                where = f"{found.label}:{found.lesson_lines.get(lesson.id, 1)}"
                if lesson.id in seen_lessons:
                    found.problems.append(
                        f"{where}: lesson id {lesson.id!r} is also in {seen_lessons[lesson.id]}"
                    )
                seen_lessons.setdefault(lesson.id, where)
                for question in (*lesson.questions, *lesson.retired):
                    line = f"{found.label}:{found.lines.get(question.id, 1)}"
                    if question.id in seen_questions and not seen_questions[question.id].startswith(
                        found.label
                    ):
                        found.problems.append(
                            f"{line}: question id {question.id!r} is also used by {seen_questions[question.id]}"
                        )
                    seen_questions.setdefault(question.id, line)
                    owner = lesson_of.get(question.id)
                    if owner is not None and owner != lesson.id:
                        found.problems.append(
                            f"{line}: question id {question.id!r} is already in your lesson {owner!r}: "
                            "a question keeps its lesson (give this one a new id)"
                        )
        good = [found for found in files if not found.problems]
        for found in files:
            report.problems.extend(found.problems)
            if found.problems:
                report.skipped.append(found.label)
        incoming = [lesson for found in good for lesson in found.lessons]
        after = _overlay(
            build_own_lessons(team_id, lesson_rows, existing, first_number=1, local=True), incoming
        )
        report.cues = measure_lessons(PACK_NAME, after, lesson_minimum=PACK_MINIMUM)
        if sum(len(lesson.questions) for lesson in after) >= PACK_MINIMUM:
            report.cue_problems = report.cues.problems()
        if report.cue_problems or not incoming:
            return report
        report.counts = self._store(team_id, incoming)
        report.lessons = len(incoming)
        report.imported = True
        return report

    def _store(self, team_id: str, lessons: list[Lesson]) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        now = self.clock.now()
        with self.db.writing() as session:
            for lesson in lessons:
                queries.save_lesson(
                    session=session,
                    team_id=team_id,
                    lesson_id=lesson.id,
                    title=lesson.title,
                    goal=lesson.goal,
                    now=now,
                )
                named = {q.id for q in (*lesson.questions, *lesson.retired)}
                placed = [(q, n, False) for n, q in enumerate(lesson.questions, start=1)]
                placed += [(q, None, True) for q in lesson.retired]
                for question, position, retired in placed:
                    question_id = own_question_id(team_id, question.id)
                    _save_version(session, team_id, question_id, question, now)
                    outcome = queries.save_question(
                        session=session,
                        team_id=team_id,
                        local_id=question.id,
                        question_id=question_id,
                        lesson_id=lesson.id,
                        position=position,
                        version=question.version,
                        retired=retired,
                        replaced_by=question.replaced_by,
                        now=now,
                    )
                    counts[outcome] += 1
                # Questions of the lesson the file does not name (written in Slack) follow its own.
                others = [
                    row
                    for row in queries.questions(session=session, team_id=team_id)
                    if row.lesson_id == lesson.id and row.local_id not in named and not row.retired
                ]
                for n, row in enumerate(
                    sorted(others, key=lambda r: r.position), start=len(lesson.questions) + 1
                ):
                    stored = queries.get_question(session=session, team_id=team_id, local_id=row.local_id)
                    if stored is not None and stored.position != n:
                        stored.position = n
        self.catalog.forget_places(team_id)
        return counts

    def export_pack(self, *, team_id: str) -> str:
        """The workspace's own lessons as YAML (`content import` reads it back unchanged); a
        lesson with no current question left is not exported (its history stays)."""
        lessons = [lesson for lesson in self.catalog.own_lessons(team_id, local=True) if lesson.questions]
        return dump_pack(lessons) if lessons else ""

    def listing(self, *, team_id: str) -> list[OwnQuestionView]:
        """Every own question of the workspace, lesson by lesson, current ones in order first."""
        lessons = self.catalog.own_lessons(team_id, local=True)
        with self.db.reading() as session:
            rows = {row.local_id: row for row in queries.questions(session=session, team_id=team_id)}
            versions = queries.version_count(
                session=session, question_ids=[row.question_id for row in rows.values()]
            )
        found = []
        for lesson in lessons:
            for question in (*lesson.questions, *lesson.retired):
                row = rows[question.id]
                found.append(
                    OwnQuestionView(
                        local_id=question.id,
                        question_id=row.question_id,
                        lesson_id=lesson.id,
                        lesson=lesson.title,
                        position=question.position,
                        prompt=question.prompt,
                        answer=question.options[question.correct_index].text,
                        retired=question.retired,
                        version=question.version,
                        versions=versions.get(row.question_id, 1),
                        suggested_by=row.suggested_by,
                        updated_at=row.updated_at,
                    )
                )
        return found

    def pending(self, *, team_id: str) -> int:
        with self.db.reading() as session:
            return queries.pending_count(session=session, team_id=team_id)

    # -- which questions a channel follows -------------------------------------------------
    def channel_use(self, *, team_id: str, channel_id: str) -> str:
        with self.db.reading() as session:
            return queries.channel_use(session=session, team_id=team_id, channel_id=channel_id)

    def set_channel_use(self, *, team_id: str, channel_id: str, use: str) -> str:
        """Set it; what to tell the person (a warning when `own` has nothing to draw on yet)."""
        if use not in USES:
            raise ValueError(use)
        with self.db.writing() as session:
            queries.set_channel_use(
                session=session, team_id=team_id, channel_id=channel_id, use=use, now=self.clock.now()
            )
        own = self.catalog.rotation(team_id)[1]
        told = {
            "shipped": "the shipped curriculum only",
            "own": "your workspace's own lessons only",
            "both": "both: your own questions and the curriculum's, taking turns",
        }[use]
        warning = ""
        if use != "shipped" and not own:
            warning = " Your workspace has no questions of its own yet, so the curriculum goes on meanwhile."
        return f"From the next daily question, this channel follows {told}.{warning}"

    # -- writing in Slack --------------------------------------------------------------------
    def standing(self, *, team_id: str, user_id: str, enterprise_id: str | None) -> Standing:
        return self.admins.standing(team_id=team_id, user_id=user_id, enterprise_id=enterprise_id)

    def lesson_choices(self, *, team_id: str) -> list[tuple[str, str]]:
        """(local id, title) of the workspace's own lessons, for the form's select."""
        with self.db.reading() as session:
            return [(row.lesson_id, row.title) for row in queries.lessons(session=session, team_id=team_id)]

    def form(
        self, *, team_id: str, mode: str, local_id: str | None = None, suggestion_id: int | None = None
    ) -> dict | None:
        """The modal for `mode`, filled in when editing; None when what it edits is gone."""
        draft = Draft()
        metadata: dict = {"mode": mode}
        if mode == EDIT:
            question = self.catalog.version_of(team_id, own_question_id(team_id, local_id or ""), None)
            with self.db.reading() as session:
                row = queries.get_question(session=session, team_id=team_id, local_id=local_id or "")
            if question is None or row is None:
                return None
            draft = Draft.of(question, row.lesson_id)
            metadata["q"] = local_id
        elif mode == REVIEW:
            with self.db.reading() as session:
                suggestion = queries.get_suggestion(
                    session=session, team_id=team_id, suggestion_id=suggestion_id or 0
                )
            if suggestion is None or suggestion.status != queries.PENDING:
                return None
            draft = Draft.from_json(json.loads(suggestion.draft))
            metadata["s"] = suggestion.id
        return render_question_modal(
            mode=mode, lessons=self.lesson_choices(team_id=team_id), draft=draft, metadata=metadata
        )

    def open_form(self, *, team_id: str, trigger_id: str, view: dict) -> str | None:
        """Open the modal at once (its trigger lasts 3 s: views.open passes the budget gate
        directly rather than waiting in the outbox); what to tell the person if it did not open."""
        client = self.clients.for_team(team_id)
        if client is None:
            return "The app is not installed in this workspace."
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except BudgetExhausted:
            logger.warning("could not open the question form: views.open budget used up")
            return "Slack is busy just now; try again in a minute."
        except SlackApiError as error:
            logger.warning("could not open the question form: %s", error.response.get("error"))
            return "Slack did not open the form; try again."
        return None

    def save(
        self,
        *,
        team_id: str,
        user_id: str,
        draft: Draft,
        local_id: str | None = None,
        suggestion_id: int | None = None,
        suggested_by: str | None = None,
    ) -> Checked | Saved:
        """Write a question (new, or `local_id` edited; approving `suggestion_id` with it):
        the errors by field, or what was saved."""
        with self.db.reading() as session:
            lesson_rows = queries.lessons(session=session, team_id=team_id)
            rows = queries.questions(session=session, team_id=team_id)
            editing = (
                queries.get_question(session=session, team_id=team_id, local_id=local_id)
                if local_id
                else None
            )
        titles = {row.lesson_id: row.title for row in lesson_rows}
        if local_id and editing is None:
            return Checked(None, {CORRECT_BLOCK: "That question is gone."})
        named = " ".join(draft.new_lesson.split())
        same_title = next((lid for lid, title in titles.items() if title.lower() == named.lower()), None)
        if not draft.lesson_id and same_title is not None:  # "a new lesson" that exists: that one
            draft = replace(draft, lesson_id=same_title, new_lesson="")
        lesson_id = draft.lesson_id or _unused(slug(draft.new_lesson), set(titles))
        taken = {row.local_id for row in rows}
        new_id = local_id or _unused(f"{lesson_id[:50]}-1", taken, start=1)
        checked = check_draft(
            draft, question_id=new_id, lesson_known=not draft.lesson_id or draft.lesson_id in titles
        )
        if checked.question is None:
            return checked
        question = checked.question
        if not draft.anyway:
            before = build_own_lessons(team_id, lesson_rows, rows, first_number=1, local=True)
            after = _overlay(
                before,
                [
                    Lesson(
                        id=lesson_id,
                        number=0,
                        title=titles.get(lesson_id, draft.new_lesson),
                        goal="",
                        questions=(question,),
                    )
                ],
                keep_others=True,
            )
            if sum(len(lesson.questions) for lesson in after) >= PACK_MINIMUM:
                made_worse = worsened(
                    measure_lessons(PACK_NAME, before, lesson_minimum=PACK_MINIMUM),
                    measure_lessons(PACK_NAME, after, lesson_minimum=PACK_MINIMUM),
                )
                if made_worse:
                    return Checked(
                        None,
                        {
                            option_field(question.correct_index + 1): (
                                f"Across your questions, {made_worse[0].removeprefix('cue: ')}: players would "
                                "learn to guess. Write this one's options differently, or tick “Post anyway”."
                            )[:2000]
                        },
                    )
        now = self.clock.now()
        question_id = own_question_id(team_id, new_id)
        with self.db.writing() as session:
            if lesson_id not in titles:
                title = " ".join(draft.new_lesson.split())
                queries.save_lesson(
                    session=session,
                    team_id=team_id,
                    lesson_id=lesson_id,
                    title=title,
                    goal=NEW_LESSON_GOAL,
                    now=now,
                )
                titles[lesson_id] = title
            _save_version(session, team_id, question_id, question, now)
            moved = editing is not None and editing.lesson_id != lesson_id
            outcome = queries.save_question(
                session=session,
                team_id=team_id,
                local_id=new_id,
                question_id=question_id,
                lesson_id=lesson_id,
                position=queries.next_position(session=session, team_id=team_id, lesson_id=lesson_id)
                if moved
                else None,
                version=question.version,
                retired=False,
                replaced_by=None,
                now=now,
                author_id=user_id,
                suggested_by=suggested_by,
            )
            if suggestion_id is not None and not queries.decide(
                session=session,
                team_id=team_id,
                suggestion_id=suggestion_id,
                status=APPROVED,
                by=user_id,
                now=now,
                local_id=new_id,
            ):
                raise AlreadyDecided
        self.catalog.forget_places(team_id)
        return Saved(
            local_id=new_id,
            question_id=question_id,
            lesson=titles[lesson_id],
            created=editing is None,
            changed=outcome != "unchanged",
        )

    def suggest(self, *, team_id: str, user_id: str, draft: Draft) -> Checked | int:
        """Keep a member's suggestion for the admins' queue (checked as a question is); its id.
        Raises RateLimited past SUGGESTIONS_PER_DAY in 24 hours."""
        lessons = dict(self.lesson_choices(team_id=team_id))
        checked = check_draft(
            draft, question_id="suggestion", lesson_known=not draft.lesson_id or draft.lesson_id in lessons
        )
        if checked.question is None:
            return checked
        now = self.clock.now()
        with self.db.writing() as session:
            made = queries.suggestions_since(
                session=session, team_id=team_id, user_id=user_id, since=now - SUGGESTION_WINDOW
            )
            if made >= SUGGESTIONS_PER_DAY:
                raise RateLimited
            return queries.suggest(
                session=session, team_id=team_id, user_id=user_id, draft=draft.as_json(), now=now
            )

    def suggestions_left(self, *, team_id: str, user_id: str) -> int:
        with self.db.reading() as session:
            made = queries.suggestions_since(
                session=session, team_id=team_id, user_id=user_id, since=self.clock.now() - SUGGESTION_WINDOW
            )
        return max(SUGGESTIONS_PER_DAY - made, 0)

    def approve(self, *, team_id: str, suggestion_id: int, by: str) -> Decision:
        """Add a suggestion as it was written; the suggester is told by DM."""
        result = self._add_suggestion(team_id=team_id, suggestion_id=suggestion_id, by=by, edited=None)
        if isinstance(result, Checked):
            problem = next(iter(result.errors.values()), "it does not pass the checks")
            return Decision(False, f"It cannot be added as written ({problem}). Use *Edit* to fix it.")
        return result

    def reject(self, *, team_id: str, suggestion_id: int, by: str, note: str) -> Decision:
        with self.db.writing() as session:
            decided = queries.decide(
                session=session,
                team_id=team_id,
                suggestion_id=suggestion_id,
                status=REJECTED,
                by=by,
                now=self.clock.now(),
                note=note.strip()[:500] or None,
            )
            row = queries.get_suggestion(session=session, team_id=team_id, suggestion_id=suggestion_id)
            if not decided or row is None:
                return Decision(False, "That suggestion was decided already.")
            suggester = row.user_id
            draft = Draft.from_json(json.loads(row.draft))
        said = f"\n> {escape(note.strip()[:500])}" if note.strip() else ""
        self.replies.send(
            team_id=team_id,
            user_id=suggester,
            reply=Reply.plain(
                f"Your suggested question “{escape(clip(draft.prompt, 150))}” was not added.{said}\n"
                "Thank you for writing it: `/leader-quiz suggest` takes another."
            ),
        )
        return Decision(True, "Rejected; the person who suggested it was told.")

    def suggestion(self, *, team_id: str, suggestion_id: int) -> SuggestionView | None:
        """A pending suggestion of the workspace; None if there is none (or it was decided)."""
        with self.db.reading() as session:
            row = queries.get_suggestion(session=session, team_id=team_id, suggestion_id=suggestion_id)
        if row is None or row.status != queries.PENDING:
            return None
        return _suggestion_view(row.id, row.user_id, row.draft, dict(self.lesson_choices(team_id=team_id)))

    def approve_edited(
        self, *, team_id: str, suggestion_id: int, by: str, draft: Draft
    ) -> Checked | Decision:
        """Add a suggestion as the admin edited it: the form's errors, or the decision."""
        return self._add_suggestion(team_id=team_id, suggestion_id=suggestion_id, by=by, edited=draft)

    def _add_suggestion(
        self, *, team_id: str, suggestion_id: int, by: str, edited: Draft | None
    ) -> Checked | Decision:
        """Add a pending suggestion (as written, or as `edited`); the suggester is told by DM."""
        with self.db.reading() as session:
            row = queries.get_suggestion(session=session, team_id=team_id, suggestion_id=suggestion_id)
        if row is None or row.status != queries.PENDING:
            return Decision(False, "That suggestion was decided already.")
        draft = edited if edited is not None else Draft.from_json(json.loads(row.draft))
        try:
            result = self.save(
                team_id=team_id,
                user_id=by,
                draft=draft,
                suggestion_id=suggestion_id,
                suggested_by=row.user_id,
            )
        except AlreadyDecided:
            return Decision(False, "That suggestion was decided already.")
        if isinstance(result, Checked):
            return result
        self.tell_suggester(team_id=team_id, user_id=row.user_id, saved=result, draft=draft)
        return Decision(True, f"Added to *{escape(result.lesson)}* as `{result.local_id}`.", result)

    def tell_suggester(self, *, team_id: str, user_id: str, saved: Saved, draft: Draft) -> None:
        """A DM (through the outbox) to the person whose suggestion was added."""
        self.replies.send(
            team_id=team_id,
            user_id=user_id,
            reply=Reply.plain(
                f"Your suggested question “{escape(clip(draft.prompt, 150))}” was added to the lesson "
                f"*{escape(saved.lesson)}*. It comes up in channels that follow your own lessons "
                "(`/leader-quiz lessons use own` or `both`), and in practice."
            ),
        )

    def retire(self, *, team_id: str, local_id: str) -> bool:
        with self.db.writing() as session:
            retired = queries.retire(
                session=session, team_id=team_id, local_id=local_id, now=self.clock.now()
            )
        self.catalog.forget_places(team_id)
        return retired

    # -- App Home ----------------------------------------------------------------------------
    def home(self, *, team_id: str, user_id: str, enterprise_id: str | None = None) -> AuthoringHome:
        standing = self.standing(team_id=team_id, user_id=user_id, enterprise_id=enterprise_id)
        if not standing.may_author:
            return AuthoringHome(admin=False, may_suggest=standing.may_suggest)
        listed = self.listing(team_id=team_id)
        current = [q for q in listed if not q.retired]
        with self.db.reading() as session:
            waiting = queries.pending(session=session, team_id=team_id, limit=QUEUE_SHOWN)
            count = queries.pending_count(session=session, team_id=team_id)
        titles = dict(self.lesson_choices(team_id=team_id))
        queue = [_suggestion_view(row.id, row.user_id, row.draft, titles) for row in waiting]
        newest = sorted(
            current, key=lambda q: (q.updated_at or dt.datetime.min.replace(tzinfo=dt.UTC), q.local_id)
        )
        recent = newest[-RECENT_SHOWN:][::-1]
        return AuthoringHome(
            admin=True,
            may_suggest=True,
            questions=len(current),
            lessons=len({q.lesson_id for q in current}),
            recent=tuple(recent),
            queue=tuple(queue),
            pending=count,
        )


def _suggestion_view(suggestion_id: int, user_id: str, raw: str, titles: dict[str, str]) -> SuggestionView:
    draft = Draft.from_json(json.loads(raw))
    options = tuple(draft.filled)
    right = options[draft.correct - 1] if draft.correct and draft.correct <= len(options) else ""
    return SuggestionView(
        id=suggestion_id,
        user_id=user_id,
        lesson=titles.get(draft.lesson_id or "", "") or draft.new_lesson or "(a new lesson)",
        prompt=draft.prompt,
        options=options,
        answer=right,
    )


class AlreadyDecided(Exception):
    """Another admin (or a second click) decided the suggestion first."""


def _unused(base: str, taken: set[str], *, start: int = 0) -> str:
    """`base`, or `base` with the first free number (`-2`, ...; `start=1`: numbered from its
    own trailing number) when it is taken."""
    if start == 0 and base not in taken:
        return base
    stem = base.rsplit("-", 1)[0] if start else base
    number = 2 if start == 0 else 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def _overlay(existing: list[Lesson], incoming: list[Lesson], *, keep_others: bool = True) -> list[Lesson]:
    """The own pack once `incoming` lessons are imported over `existing` (for its cue figures):
    an incoming lesson's questions replace the same ids and come first; its other questions stay."""
    by_id = {lesson.id: lesson for lesson in existing}
    order = [lesson.id for lesson in existing] + [lesson.id for lesson in incoming if lesson.id not in by_id]
    merged: dict[str, Lesson] = dict(by_id)
    for lesson in incoming:
        before = by_id.get(lesson.id)
        named = {q.id for q in (*lesson.questions, *lesson.retired)}
        kept = [q for q in before.questions if q.id not in named] if before and keep_others else []
        merged[lesson.id] = Lesson(
            id=lesson.id,
            number=0,
            title=lesson.title,
            goal=lesson.goal,
            questions=(*lesson.questions, *kept),
        )
    return [replace(merged[lesson_id], number=number) for number, lesson_id in enumerate(order, start=1)]


__all__ = [
    "SUGGEST",
    "SUGGESTIONS_PER_DAY",
    "WRITE",
    "AlreadyDecided",
    "Decision",
    "ImportReport",
    "OwnQuestions",
    "RateLimited",
    "Saved",
]
