"""The questions a workspace can see: the shipped bank and that workspace's own lessons, and any
version of either that a post showed. Every part of the bot that names a question by id asks
here (posting, grading, reveals, counts, practice, reviews, stats, insights, reports, exports,
App Home, the dashboard), so one workspace's questions are never found from another.

- `for_team(team)`: a `content.Bank` of the shipped lessons followed by the workspace's own
  (numbered after them), read fresh; a workspace with none gets the shipped bank itself.
- `posted(post)` / `version_of(team, id, version)`: the question as a post pinned it. Versions
  are hashes of a question's body (`content.bank.content_version`) and never change, so their
  bodies are cached for good; a shipped question whose version is the bank's own needs no read.
- `pin(session, team, question)`: keep the body of the version a post is about to show, in the
  claim's own transaction, so every replica (one running other content included) finds it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from bot.clock import Clock
from content import Bank, Lesson, Question
from content.bank import content_body, question_from_body
from db.engine import Database
from db.models import OwnLesson, Post
from db.queries import own_questions as queries
from db.queries.own_questions import OwnRow, own_question_id, split_own_id

SHIPPED_TEAM = ""  # the team_id of the shipped bank's versions
PLACES_SECONDS = 2.0  # how long the click path trusts where own questions sit (lesson, place)
MAX_CACHED_VERSIONS = 4096


def own_lesson_id(team_id: str, local_id: str) -> str:
    return own_question_id(team_id, local_id)


def is_own(question_id: str) -> bool:
    return split_own_id(question_id) is not None


def build_own_lessons(
    team_id: str, lessons: list[OwnLesson], rows: list[OwnRow], *, first_number: int, local: bool = False
) -> list[Lesson]:
    """The workspace's own lessons as content Lessons: current questions in order (positions
    1..n), retired ones apart. With `local`, ids as the workspace wrote them (for its YAML)."""

    def name(local_id: str) -> str:
        return local_id if local else own_question_id(team_id, local_id)

    built = []
    for number, lesson in enumerate(lessons, start=first_number):
        mine = [row for row in rows if row.lesson_id == lesson.lesson_id]
        current = sorted((row for row in mine if not row.retired), key=lambda row: row.position)
        retired = [row for row in mine if row.retired]
        lesson_id = name(lesson.lesson_id)
        built.append(
            Lesson(
                id=lesson_id,
                number=number,
                title=lesson.title,
                goal=lesson.goal,
                questions=tuple(
                    question_from_body(
                        row.body, question_id=name(row.local_id), lesson_id=lesson_id, position=n
                    )
                    for n, row in enumerate(current, start=1)
                ),
                retired=tuple(
                    replace(
                        question_from_body(
                            row.body,
                            question_id=name(row.local_id),
                            lesson_id=lesson_id,
                            position=0,
                            retired=True,
                        ),
                        replaced_by=name(row.replaced_by) if row.replaced_by else None,
                    )
                    for row in retired
                ),
            )
        )
    return built


class QuestionCatalog:
    def __init__(
        self, *, db: Database, bank: Bank, clock: Clock, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.shipped = bank
        self.clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, str], dict] = {}
        self._pinned: set[tuple[str, str]] = set()
        # team -> (read at, {question id: (lesson id, position, retired)})
        self._places: dict[str, tuple[float, dict[str, tuple[str, int, bool]]]] = {}

    # -- a workspace's whole catalog -------------------------------------------------------
    def for_team(self, team_id: str) -> Bank:
        """The shipped lessons, then the workspace's own (read now)."""
        own = self.own_lessons(team_id)
        return Bank(lessons=(*self.shipped.lessons, *own)) if own else self.shipped

    def own_lessons(self, team_id: str, *, local: bool = False) -> list[Lesson]:
        """The workspace's own lessons only (numbered after the shipped ones)."""
        with self.db.reading() as session:
            lessons = queries.lessons(session=session, team_id=team_id)
            rows = queries.questions(session=session, team_id=team_id) if lessons else []
        self._remember_places(team_id, rows)
        return build_own_lessons(
            team_id, lessons, rows, first_number=len(self.shipped.lessons) + 1, local=local
        )

    def rotation(self, team_id: str) -> tuple[list[str], list[str]]:
        """(shipped question ids, the workspace's own current ones), each in order."""
        own = [q.id for lesson in self.own_lessons(team_id) for q in lesson.questions]
        return [q.id for q in self.shipped.questions], own

    def lesson_of(self, team_id: str, question: Question) -> Lesson | None:
        if not is_own(question.id):
            return self.shipped.lesson(question.lesson_id)
        return next((ls for ls in self.own_lessons(team_id) if ls.id == question.lesson_id), None)

    # -- versions -------------------------------------------------------------------------
    def posted(self, post: Post) -> Question | None:
        """The question as the post showed it."""
        return self.version_of(post.team_id, post.question_id, post.question_version)

    def version_of(self, team_id: str, question_id: str, version: str | None) -> Question | None:
        """Question `question_id` of the workspace as version `version` has it (None: as it is
        now); None if the workspace cannot see it (another workspace's own question included)."""
        if not is_own(question_id):
            current = self.shipped.question(question_id)
            if version is None or (current is not None and current.version == version):
                return current
            place = (current.lesson_id, current.position, current.retired) if current else ("", 0, True)
        else:
            # Where the question sits among the workspace's own (read by its team_id): another
            # workspace's question is in none of them, so it is never found from here.
            place = self._place(team_id, question_id)
            if place is None:
                return None
        body = self._body(question_id, version) if version else self._current_body(team_id, question_id)
        if body is None:
            return None
        lesson_id, position, retired = place
        return question_from_body(
            body, question_id=question_id, lesson_id=lesson_id, position=position, retired=retired
        )

    def pin(self, session: Session, team_id: str, question: Question) -> str:
        """Keep the body of the version about to be shown (once); its version."""
        version = question.version
        key = (question.id, version)
        with self._lock:
            if key in self._pinned:
                return version
        queries.save_version(
            session=session,
            team_id=team_id if is_own(question.id) else SHIPPED_TEAM,
            question_id=question.id,
            version=version,
            body=content_body(question),
            now=self.clock.now(),
        )
        # Remembered only after the claim committed would be exact; a rolled-back claim leaves
        # nothing to resolve, so remembering early costs nothing.
        with self._lock:
            self._pinned.add(key)
            self._bodies.setdefault(key, content_body(question))
        return version

    def _body(self, question_id: str, version: str) -> dict | None:
        key = (question_id, version)
        with self._lock:
            cached = self._bodies.get(key)
        if cached is not None:
            return cached
        with self.db.reading() as session:
            body = queries.version_body(session=session, question_id=question_id, version=version)
        if body is not None:
            with self._lock:
                if len(self._bodies) >= MAX_CACHED_VERSIONS:
                    self._bodies.clear()
                self._bodies[key] = body
        return body

    def _current_body(self, team_id: str, question_id: str) -> dict | None:
        question = self.for_team(team_id).question(question_id)
        return content_body(question) if question else None

    def _place(self, team_id: str, question_id: str) -> tuple[str, int, bool] | None:
        now = self._monotonic()
        with self._lock:
            cached = self._places.get(team_id)
        if cached is None or now - cached[0] > PLACES_SECONDS or question_id not in cached[1]:
            self.own_lessons(team_id)
            with self._lock:
                cached = self._places.get(team_id)
        return cached[1].get(question_id) if cached else None

    def _remember_places(self, team_id: str, rows: list[OwnRow]) -> None:
        places: dict[str, tuple[str, int, bool]] = {}
        for lesson_id in {row.lesson_id for row in rows}:
            mine = [row for row in rows if row.lesson_id == lesson_id]
            current = sorted((row for row in mine if not row.retired), key=lambda row: row.position)
            for n, row in enumerate(current, start=1):
                places[row.question_id] = (own_lesson_id(team_id, lesson_id), n, False)
            for row in mine:
                if row.retired:
                    places[row.question_id] = (own_lesson_id(team_id, lesson_id), 0, True)
        with self._lock:
            self._places[team_id] = (self._monotonic(), places)

    def forget_places(self, team_id: str) -> None:
        """A change made here: the next click reads where questions sit afresh."""
        with self._lock:
            self._places.pop(team_id, None)
