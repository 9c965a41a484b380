"""Practice: a question for one person, graded privately (lesson progress only, never
streaks or leaderboards). The order teaches: never-mastered questions first, then those
the user got wrong longest ago (once a few days have passed), then the rest."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from bot.blocks.question import find_option, option_order, render_answer_result, render_practice_question
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.clock import Clock
from content import Bank, Lesson, Question
from db.engine import Database
from db.models import QuestionHistory
from db.queries.answers import question_history, record_history
from db.queries.stats import mastered_questions

# A question answered wrong comes back in practice only after this long (spacing).
WRONG_COMES_BACK_AFTER = dt.timedelta(days=3)


def practice_order(
    questions: Sequence[Question], history: dict[str, QuestionHistory], now: dt.datetime
) -> list[Question]:
    """`questions` in the order practice should offer them."""
    ripe = now - WRONG_COMES_BACK_AFTER
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)

    def key(item: tuple[int, Question]) -> tuple:
        position, question = item
        seen = history.get(question.id)
        if seen is None:
            return (0, 0, epoch, position)  # never tried, in curriculum order
        wrong_recently = seen.last_wrong_at is not None and seen.last_wrong_at > ripe
        if seen.correct_count == 0 and not wrong_recently:
            return (0, 1, seen.last_wrong_at or epoch, position)  # never right, due again
        if seen.last_wrong_at is not None and not wrong_recently:
            return (1, 0, seen.last_wrong_at, position)  # wrong once, longest ago first
        if seen.correct_count == 0:
            return (2, 0, seen.last_wrong_at, position)  # never right, but just missed: spaced
        return (3, 0, seen.last_answered_at, position)  # mastered: least recently seen first

    return [question for _, question in sorted(enumerate(questions), key=key)]


def parse_practice_value(value: str) -> tuple[str, int, str] | None:
    """A practice button's value `p:<question id>:<seed>:<letter>`; None if it is not one."""
    parts = value.split(":")
    if (
        len(parts) != 4
        or parts[0] != "p"
        or not parts[2].isdigit()
        or len(parts[2]) > 12
        or len(parts[3]) != 1
    ):
        return None
    return parts[1], int(parts[2]), parts[3]


class UnknownLesson(LookupError):
    pass


class Practice:
    def __init__(self, *, db: Database, bank: Bank, clock: Clock) -> None:
        self.db = db
        self.bank = bank
        self.clock = clock

    def question(self, *, team_id: str, user_id: str, lesson_text: str = "") -> Reply:
        """The practice question this person should see next (in one lesson, if named);
        raises UnknownLesson when `lesson_text` names none."""
        questions: Sequence[Question] = self.bank.questions
        if lesson_text:
            chosen = self.bank.find_lesson(lesson_text)
            if chosen is None:
                raise UnknownLesson(lesson_text)
            questions = chosen.questions
        with self.db.reading() as session:
            history = question_history(session=session, team_id=team_id, user_id=user_id)
        question = practice_order(questions, history, self.clock.now())[0]
        return Reply(
            *render_practice_question(
                question=question, lesson=self._lesson(question), seed=secrets.randbelow(10**9)
            )
        )

    def answer(self, *, team_id: str, user_id: str, value: str) -> Reply:
        """Grade a practice click (its button value carries everything needed)."""
        parsed = parse_practice_value(value)
        if parsed is None:
            return NOT_AVAILABLE
        question_id, seed, letter = parsed
        question = self.bank.question(question_id)
        if question is None:
            return NOT_AVAILABLE
        options = option_order(question, f"practice-{seed}")
        chosen = find_option(options, letter)
        if chosen is None:
            return NOT_AVAILABLE
        with self.db.writing() as session:
            record_history(
                session=session,
                team_id=team_id,
                user_id=user_id,
                question_id=question.id,
                correct=chosen.correct,
                now=self.clock.now(),
            )
            mastered = mastered_questions(session=session, team_id=team_id, user_id=user_id)
        lesson = self._lesson(question)
        done = sum(1 for q in lesson.questions if q.id in mastered)
        footer = (
            f"📚 {lesson.title}: {done} / {len(lesson.questions)} completed · practice never changes streaks"
        )
        return Reply(*render_answer_result(question=question, options=options, chosen=chosen, footer=footer))

    def _lesson(self, question: Question) -> Lesson:
        lesson = self.bank.lesson(question.lesson_id)
        assert lesson is not None  # every question of a loaded bank belongs to one of its lessons
        return lesson
