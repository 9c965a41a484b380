"""Grading daily answers: the first answer stands, and counts only while the question is open;
stored by this process's group-commit writer (bot.services.answer_writer)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from bot.blocks.question import render_answer_result, streak_footer
from bot.blocks.reply import NOT_AVAILABLE, Reply
from bot.blocks.text import escape
from bot.clock import Clock
from bot.services.answer_writer import AnswerWriter
from bot.services.catalog import QuestionCatalog
from db.engine import Database
from db.models import Post
from db.queries import posts as post_queries
from db.queries.answers import NewAnswer, Recorded, find_answer
from db.queries.stats import user_stats
from quiz.grading import correct_option, daily_options, find_option, parse_daily_value

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyResult:
    reply: Reply
    recorded_post_id: int | None = None  # set when a new answer was stored
    outcome: str = "recorded"  # for the clicks metric: recorded, already_answered, closed, not_available


POST_CACHE_SECONDS = 2.0
NOT_AVAILABLE_OUTCOME = "not_available"


class Answering:
    def __init__(self, *, db: Database, catalog: QuestionCatalog, clock: Clock, writer: AnswerWriter) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.writer = writer
        # Post rows read by recent clicks. A stale entry is harmless: the answer's own
        # transaction re-checks that the post is still open.
        self._posts: dict[int, tuple[float, Post | None]] = {}
        self._posts_lock = threading.Lock()

    def _post(self, post_id: int) -> Post | None:
        now = time.monotonic()
        with self._posts_lock:
            cached = self._posts.get(post_id)
        if cached is not None and now - cached[0] < POST_CACHE_SECONDS:
            return cached[1]
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
        if post is not None and post.status in (post_queries.OPEN, post_queries.CLOSED):
            with self._posts_lock:
                if len(self._posts) > 1000:
                    self._posts.clear()
                self._posts[post_id] = (now, post)
        return post

    def answer_daily(self, *, team_id: str, channel_id: str, user_id: str, value: str) -> DailyResult:
        parsed = parse_daily_value(value)
        if parsed is None:
            return DailyResult(NOT_AVAILABLE, outcome=NOT_AVAILABLE_OUTCOME)
        post_id, letter = parsed
        post = self._post(post_id)
        if post is None or post.team_id != team_id or post.channel_id != channel_id:
            return DailyResult(NOT_AVAILABLE, outcome=NOT_AVAILABLE_OUTCOME)
        question = self.catalog.posted(post)  # the version the post showed
        if question is None:
            return DailyResult(NOT_AVAILABLE, outcome=NOT_AVAILABLE_OUTCOME)
        options = daily_options(question, post.id)
        chosen = find_option(options, letter)
        right = correct_option(options)
        closed_reply = DailyResult(
            Reply.plain(f"This question has closed; the answer was *{right.letter}. {escape(right.text)}*"),
            outcome="closed",
        )
        if post.status == post_queries.CLOSED:
            return closed_reply
        if post.status not in post_queries.ANSWERABLE or chosen is None:
            return DailyResult(NOT_AVAILABLE, outcome=NOT_AVAILABLE_OUTCOME)
        stored = self.writer.store(
            NewAnswer(
                post_id=post.id,
                team_id=post.team_id,
                channel_id=post.channel_id,
                user_id=user_id,
                quiz_day=post.quiz_day,
                question_id=post.question_id,
                option_index=chosen.index,
                correct=chosen.correct,
                answered_at=self.clock.now(),
            )
        )
        if stored.recorded is Recorded.CLOSED:
            return closed_reply
        if stored.recorded is Recorded.ALREADY_ANSWERED:
            with self.db.reading() as session:
                earlier = find_answer(session=session, post_id=post.id, user_id=user_id)
            shown = next((o for o in options if earlier and o.index == earlier.option_index), None)
            said = f"*{shown.letter}. {escape(shown.text)}*" if shown else "this question"
            return DailyResult(
                Reply.plain(f"You already answered {said}. Your first answer stands."),
                outcome="already_answered",
            )
        text, blocks = render_answer_result(
            question=question,
            options=options,
            chosen=chosen,
            footer=streak_footer(stored.current_streak, stored.longest_streak),
        )
        return DailyResult(Reply(text, blocks), recorded_post_id=post.id)

    def stored_reply(self, *, post_id: int, user_id: str) -> Reply | None:
        """The private reply to an answer already stored (owed since a replica died right after
        acknowledging it), with the person's streak as it stands now."""
        with self.db.reading() as session:
            post = post_queries.get_post(session=session, post_id=post_id)
            answer = find_answer(session=session, post_id=post_id, user_id=user_id)
            if post is None or answer is None:
                return None
            stats = user_stats(
                session=session, team_id=post.team_id, channel_id=post.channel_id, user_id=user_id
            )
        question = self.catalog.posted(post)
        if question is None:
            return None
        options = daily_options(question, post.id)
        chosen = next((o for o in options if o.index == answer.option_index), None)
        if chosen is None:
            return None
        text, blocks = render_answer_result(
            question=question,
            options=options,
            chosen=chosen,
            footer=streak_footer(stats.current_streak, stats.longest_streak),
        )
        return Reply(text, blocks)
