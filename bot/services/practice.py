"""Practice and review: questions for one person, graded privately. Both count toward lesson
progress and review the person's FSRS card; neither ever changes streaks or leaderboards.
Which practice question comes next is `quiz.spaced.practice_order`'s rule."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.blocks.question import render_answer_result, render_private_question
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.clock import Clock
from bot.services.catalog import QuestionCatalog
from content import Lesson, Question
from db.engine import Database
from db.queries import reviews as review_queries
from db.queries.answers import mastered_questions, record_review
from quiz.grading import PRACTICE, PrivateKind, ShownOption, find_option, parse_private_value, private_options
from quiz.spaced import practice_order


class UnknownLesson(LookupError):
    pass


@dataclass(frozen=True)
class Graded:
    """A private answer, graded and recorded."""

    question: Question
    lesson: Lesson
    options: list[ShownOption]
    chosen: ShownOption
    done_in_lesson: int  # the lesson's questions ever answered correctly, this one included


class PrivateAnswers:
    """Grading practice and review clicks: the button value carries the question, the seed of
    its option order and the letter chosen."""

    def __init__(self, *, db: Database, catalog: QuestionCatalog, clock: Clock) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock

    def grade(self, *, kind: PrivateKind, team_id: str, user_id: str, value: str) -> Graded | None:
        parsed = parse_private_value(value, kind)
        if parsed is None:
            return None
        question_id, version, seed, letter = parsed
        # The version the button was shown with: an edit since changes nothing about this answer.
        question = self.catalog.version_of(team_id, question_id, version)
        if question is None:
            return None
        options = private_options(kind, question, seed)
        chosen = find_option(options, letter)
        if chosen is None:
            return None
        with self.db.writing() as session:
            record_review(
                session=session,
                team_id=team_id,
                user_id=user_id,
                question_id=question.id,
                correct=chosen.correct,
                now=self.clock.now(),
                source=kind.name,
            )
            mastered = mastered_questions(session=session, team_id=team_id, user_id=user_id)
        lesson = self.lesson_of(team_id, question)
        done = sum(1 for q in lesson.questions if q.id in mastered)
        return Graded(question=question, lesson=lesson, options=options, chosen=chosen, done_in_lesson=done)

    def lesson_of(self, team_id: str, question: Question) -> Lesson:
        lesson = self.catalog.lesson_of(team_id, question)
        # Every question the catalog resolves belongs to one of the workspace's lessons; one
        # whose lesson went meanwhile is shown under an empty one rather than failing the click.
        return lesson or Lesson(id=question.lesson_id, number=0, title="", goal="", questions=())


class PrivateQuestions:
    """What practice and review share: questions for one person, graded by `answers`."""

    def __init__(
        self, *, db: Database, catalog: QuestionCatalog, clock: Clock, answers: PrivateAnswers
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.answers = answers


class Practice(PrivateQuestions):
    def question(self, *, team_id: str, user_id: str, lesson_text: str = "") -> Reply:
        """The practice question this person should see next (in one lesson, if named);
        raises UnknownLesson when `lesson_text` names none."""
        bank = self.catalog.for_team(team_id)  # the shipped lessons and the workspace's own
        questions: Sequence[Question] = bank.questions
        if lesson_text:
            chosen = bank.find_lesson(lesson_text)
            if chosen is None:
                raise UnknownLesson(lesson_text)
            questions = chosen.questions
        with self.db.reading() as session:
            cards = review_queries.cards(session=session, team_id=team_id, user_id=user_id)
        question = practice_order(questions, cards, self.clock.now())[0]
        return Reply(
            *render_private_question(
                kind=PRACTICE,
                question=question,
                lesson=self.answers.lesson_of(team_id, question),
                seed=secrets.randbelow(10**9),
            )
        )

    def answer(self, *, team_id: str, user_id: str, value: str) -> Reply:
        """Grade a practice click."""
        graded = self.answers.grade(kind=PRACTICE, team_id=team_id, user_id=user_id, value=value)
        if graded is None:
            return NOT_AVAILABLE
        lesson = graded.lesson
        footer = (
            f"📚 {lesson.title}: {graded.done_in_lesson} / {len(lesson.questions)} completed · "
            "practice never changes streaks"
        )
        return Reply(
            *render_answer_result(
                question=graded.question, options=graded.options, chosen=graded.chosen, footer=footer
            )
        )
