"""Due reviews, one at a time in private (`/leader-quiz review`, App Home's and the reminder's
"Start review"), each graded with its explanation and followed by the next; and "remembered
now" for one person."""

from __future__ import annotations

import secrets

from slack_sdk.models.blocks import Block, DividerBlock

from bot.blocks.question import render_answer_result, render_private_question
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.blocks.reviews import render_reviews_done
from bot.blocks.text import plural
from bot.domain.reviews import LessonMemory, Memory
from bot.services.practice import PrivateQuestions
from db.queries import reviews as review_queries
from quiz import spaced
from quiz.grading import REVIEW


class Reviews(PrivateQuestions):
    def memory(self, *, team_id: str, user_id: str) -> Memory:
        """Remembered now, overall and per lesson; how many are due, and when the next is."""
        now = self.clock.now()
        with self.db.reading() as session:
            cards = review_queries.cards(session=session, team_id=team_id, user_id=user_id)
        bank = self.catalog.for_team(team_id)
        lessons = []
        for lesson in bank.lessons:
            mine = [cards[q.id] for q in lesson.questions if q.id in cards]
            lessons.append(
                LessonMemory(
                    lesson=lesson.title,
                    remembered=sum(1 for card in mine if spaced.remembered(card, now)),
                    cards=len(mine),
                )
            )
        # A retired question's card stays in the history but is never offered again.
        known = [card for question_id, card in cards.items() if bank.current_question(question_id)]
        upcoming = [card.due for card in known if not spaced.is_due(card, now)]
        return Memory(
            remembered=sum(lesson.remembered for lesson in lessons),
            cards=sum(lesson.cards for lesson in lessons),
            lessons=lessons,
            due=sum(1 for card in known if spaced.is_due(card, now)),
            next_due=min(upcoming, default=None),
        )

    def next_review(self, *, team_id: str, user_id: str) -> Reply:
        """The first due review, or "all caught up"."""
        found, blocks = self._next_blocks(team_id=team_id, user_id=user_id)
        return Reply("Your next review" if found else "No reviews due", blocks)

    def answer(self, *, team_id: str, user_id: str, value: str) -> Reply:
        """Grade a review click; the reply shows the result, why, and then the next review."""
        graded = self.answers.grade(kind=REVIEW, team_id=team_id, user_id=user_id, value=value)
        if graded is None:
            return NOT_AVAILABLE
        text, result = render_answer_result(
            question=graded.question,
            options=graded.options,
            chosen=graded.chosen,
            footer="Reviews never change streaks or leaderboards",
        )
        _, following = self._next_blocks(team_id=team_id, user_id=user_id)
        return Reply(text, [*result, DividerBlock(), *following])

    def _next_blocks(self, *, team_id: str, user_id: str) -> tuple[bool, list[Block]]:
        """The first due review's blocks (True), or the "all caught up" ones (False)."""
        now = self.clock.now()
        bank = self.catalog.for_team(team_id)
        with self.db.reading() as session:
            due = [
                question_id
                for question_id in review_queries.due_questions(
                    session=session, team_id=team_id, user_id=user_id, now=now
                )
                if bank.current_question(question_id) is not None
            ]
        if not due:
            return False, render_reviews_done(self.memory(team_id=team_id, user_id=user_id))
        question = bank.question(due[0])
        assert question is not None
        left = len(due) - 1
        note = "The last review due now" if not left else f"{plural(left, 'more review')} due after this one"
        _, blocks = render_private_question(
            kind=REVIEW,
            question=question,
            lesson=self.answers.lesson_of(team_id, question),
            seed=secrets.randbelow(10**9),
            note=f"{note} · reviews never change streaks",
        )
        return True, blocks
