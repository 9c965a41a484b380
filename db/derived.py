"""The derived state: what the answers and the review log imply, kept as caches in one place.

The answers (daily) and the review log (every graded answer: daily, practice, review) are the
source of truth; a click writes them and nothing else. Three tables are caches of them, folded
in batches off the click's acknowledgement path:

- `user_stats`: per person and channel, answered, correct, streaks and freezes (quiz.streaks);
- `period_totals`: per person, channel, week and month, answered and correct;
- `review_cards`: per person and question, the FSRS card (quiz.spaced), replayed from the log.

A row is folded once: `folded` is NULL on an answer or a log row until its effects are in the
caches (a partial index keeps the unfolded few cheap to find). Reads stay exact: a reader of one
person's state takes the cached row and folds that person's unfolded rows on top, in memory
(`person_stats`, `person_cards`); a reader of many (a leaderboard, a channel's cards) first
folds what is pending (`fold_pending`). `rebuild` recomputes every cache from the source rows,
and the property tests hold the incremental caches to it.

Why caches at all, rather than computing every read from the answers: a month's leaderboard in
a 10,000-person channel ranks 200,000 answers, and a channel's "remembered now" replays every
card's reviews; both must answer in a few milliseconds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Answer, PeriodTotal, Post, ReviewCard, ReviewLog, UserStats
from db.queries.posts import CLOSED
from quiz import spaced
from quiz.periods import MONTH, WEEK, month_start, week_start
from quiz.streaks import StreakState, apply_answer

FOLD_BATCH = 2000

_answers, _log, _posts = Answer.__table__, ReviewLog.__table__, Post.__table__
_stats, _periods, _cards = UserStats.__table__, PeriodTotal.__table__, ReviewCard.__table__


# -- plain values ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonStats:
    """A person's totals and streak state in one channel, as the caches plus unfolded answers
    say (before quiz days closed since their last answer are counted as misses)."""

    answered: int = 0
    correct: int = 0
    state: StreakState = field(default_factory=StreakState)
    first_answered_day: dt.date | None = None


def card_seed(team_id: str, user_id: str, question_id: str) -> str:
    return f"{team_id}|{user_id}|{question_id}"


def _stats_of(row) -> PersonStats:  # type: ignore[no-untyped-def]
    return PersonStats(
        answered=row.answered,
        correct=row.correct,
        state=StreakState(
            current=row.current_streak,
            longest=row.longest_streak,
            last_answered_day=row.last_answered_day,
            freezes_held=row.freezes_held or 0,
            freezes_used=row.freezes_used or 0,
            freeze_progress=row.freeze_progress or 0,
        ),
        first_answered_day=row.first_answered_day,
    )


def card_of(row) -> spaced.CardState:  # type: ignore[no-untyped-def]
    return spaced.CardState(
        state=row.state,
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=_aware(row.due),
        last_review=_aware(row.last_review) if row.last_review else None,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _closed_between(days: Sequence[dt.date], after: dt.date | None, before: dt.date) -> int:
    """How many of the sorted `days` fall strictly between `after` and `before`."""
    if after is None:
        return 0
    return max(bisect.bisect_left(days, before) - bisect.bisect_right(days, after), 0)


def fold_answer(
    stats: PersonStats, *, day: dt.date, correct: bool, closed_days: Sequence[dt.date]
) -> PersonStats:
    """One daily answer folded into a person's stats (the same rule at fold time and read time)."""
    missed = _closed_between(closed_days, stats.state.last_answered_day, day)
    first = stats.first_answered_day
    return PersonStats(
        answered=stats.answered + 1,
        correct=stats.correct + int(correct),
        state=apply_answer(stats.state, day=day, correct=correct, missed_between=missed),
        first_answered_day=day if first is None or day < first else first,
    )


# -- statements -------------------------------------------------------------------------------
# Built once: the folder and the answer writer run these for every batch, and building a
# statement cost more CPU than the database spent on it.
_CLOSED_AFTER = (
    select(_posts.c.channel_id, _posts.c.quiz_day)
    .where(
        _posts.c.team_id == bindparam("team"),
        _posts.c.channel_id.in_(bindparam("channels", expanding=True)),
        _posts.c.status == CLOSED,
        _posts.c.quiz_day > bindparam("after"),
    )
    .order_by(_posts.c.quiz_day)
)
# What folding an answer reads of it.
_FOLDED_COLUMNS = (
    _answers.c.id,
    _answers.c.team_id,
    _answers.c.channel_id,
    _answers.c.user_id,
    _answers.c.quiz_day,
    _answers.c.correct,
)
_STATS_OF = select(_stats).where(
    _stats.c.team_id == bindparam("team"),
    _stats.c.channel_id == bindparam("channel"),
    _stats.c.user_id.in_(bindparam("users", expanding=True)),
)
_PENDING_OF = (
    select(*_FOLDED_COLUMNS)
    .where(_answers.c.folded.is_(None), _answers.c.user_id.in_(bindparam("users", expanding=True)))
    .order_by(_answers.c.quiz_day, _answers.c.id)
)
_CARDS_OF = select(_cards).where(
    _cards.c.team_id == bindparam("team"),
    _cards.c.question_id == bindparam("question"),
    _cards.c.user_id.in_(bindparam("users", expanding=True)),
)
_ANSWERS_FOLDED = (
    update(_answers).where(_answers.c.id.in_(bindparam("ids", expanding=True))).values(folded=True)
)
# PostgreSQL: the answers being marked folded are locked first in id order, as mark_replied
# locks the answers whose verdicts went out; overlapping updates in two orders deadlock.
_LOCK_ANSWERS = (
    select(_answers.c.id)
    .where(_answers.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_answers.c.id)
    .with_for_update()
)
_LOG_FOLDED = update(_log).where(_log.c.id.in_(bindparam("ids", expanding=True))).values(folded=True)
_STATS_COLUMNS = (
    "answered",
    "correct",
    "current_streak",
    "longest_streak",
    "last_answered_day",
    "first_answered_day",
    "freezes_held",
    "freezes_used",
    "freeze_progress",
)
_CARD_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review")


@functools.cache
def _upserts(dialect: str) -> tuple[Any, Any, Any]:
    """The three caches' INSERT ... ON CONFLICT statements, for one dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stats = insert(_stats)
    stats = stats.on_conflict_do_update(
        index_elements=["team_id", "channel_id", "user_id"],
        set_={column: stats.excluded[column] for column in _STATS_COLUMNS},
    )
    periods = insert(_periods)
    periods = periods.on_conflict_do_update(
        index_elements=["team_id", "channel_id", "period", "period_start", "user_id"],
        set_={
            "answered": _periods.c.answered + periods.excluded.answered,
            "correct": _periods.c.correct + periods.excluded.correct,
        },
    )
    cards = insert(_cards)
    cards = cards.on_conflict_do_update(
        index_elements=["team_id", "user_id", "question_id"],
        set_={column: cards.excluded[column] for column in _CARD_COLUMNS},
    )
    return stats, periods, cards


@functools.cache
def _foldable_answers(limit: int) -> Any:
    # Oldest quiz day first (not oldest id): a late answer to day D can be stored after an
    # answer to D + 1, and a person's answers must fold in quiz-day order, whatever the batch
    # size. An answer waits while an earlier quiz day of its channel is still open (the moments
    # between posting day D and closing the day before, when both take clicks): folded first,
    # it would have been folded before an answer to that earlier day, or before that day
    # closed unanswered. One statement, one snapshot: an answer to the earlier day commits
    # before its day closes (the close waits for it), so a snapshot that sees the day closed
    # sees the answer too.
    earlier_open = (
        select(_posts.c.id)
        .where(
            _posts.c.team_id == _answers.c.team_id,
            _posts.c.channel_id == _answers.c.channel_id,
            _posts.c.quiz_day < _answers.c.quiz_day,
            _posts.c.status != CLOSED,
        )
        .exists()
    )
    return (
        select(*_FOLDED_COLUMNS)
        .where(_answers.c.folded.is_(None), ~earlier_open)
        .order_by(_answers.c.quiz_day, _answers.c.id)
        .limit(limit)
    )


@functools.cache
def _foldable_reviews(limit: int) -> Any:
    return (
        select(
            _log.c.id, _log.c.team_id, _log.c.user_id, _log.c.question_id, _log.c.rating, _log.c.reviewed_at
        )
        .where(_log.c.folded.is_(None))
        .order_by(_log.c.reviewed_at, _log.c.id)
        .limit(limit)
    )


# -- exact reads of one person ----------------------------------------------------------------
def _closed_after(
    session: Session, team_id: str, channel_ids: Iterable[str], after: dt.date | None
) -> dict[str, list[dt.date]]:
    """Each channel's closed quiz days after `after`, oldest first (all of them: None). Only
    those can fall between a person's last answered day and a newer answer."""
    found: dict[str, list[dt.date]] = defaultdict(list)
    channels = sorted(set(channel_ids))
    if not channels:
        return found
    rows = session.execute(
        _CLOSED_AFTER,
        {"team": team_id, "channels": channels, "after": after or dt.date.min},
    )
    for channel, day in rows:
        found[channel].append(day)
    return found


def _earliest(stats: PersonStats, pending_days: Iterable[dt.date]) -> dt.date | None:
    """The earliest day a closed day can matter after, for folding `pending_days` on `stats`."""
    return stats.state.last_answered_day or min(pending_days, default=None)


def person_stats(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    user_id: str,
    closed_days: Sequence[dt.date] | None = None,
) -> PersonStats:
    """The cached row with the person's unfolded answers in this channel folded on top."""
    row = session.execute(
        select(_stats).where(
            _stats.c.team_id == team_id, _stats.c.channel_id == channel_id, _stats.c.user_id == user_id
        )
    ).one_or_none()
    stats = _stats_of(row) if row is not None else PersonStats()
    pending = session.execute(
        select(_answers.c.quiz_day, _answers.c.correct)
        .where(
            _answers.c.folded.is_(None),
            _answers.c.team_id == team_id,
            _answers.c.channel_id == channel_id,
            _answers.c.user_id == user_id,
        )
        .order_by(_answers.c.quiz_day, _answers.c.id)
    ).all()
    if pending:
        days = (
            closed_days
            if closed_days is not None
            else _closed_after(
                session, team_id, [channel_id], _earliest(stats, (day for day, _ in pending))
            ).get(channel_id, [])
        )
        for day, correct in pending:
            stats = fold_answer(stats, day=day, correct=bool(correct), closed_days=days)
    return stats


def people_stats(
    *, session: Session, keys: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], PersonStats]:
    """`person_stats` for many (team, channel, person) keys at once (a batch of clicks)."""
    wanted = set(keys)
    if not wanted:
        return {}
    stats = _load_stats(session, wanted)
    pending_rows: dict[tuple[str, str, str], list] = defaultdict(list)
    for row in session.execute(_PENDING_OF, {"users": sorted({key[2] for key in wanted})}):
        key = (row.team_id, row.channel_id, row.user_id)
        if key in wanted:
            pending_rows[key].append(row)
    closed = _closed_for(session, stats, pending_rows)
    found: dict[tuple[str, str, str], PersonStats] = {}
    for key in wanted:
        current = stats.get(key, PersonStats())
        for row in pending_rows.get(key, []):
            current = fold_answer(
                current, day=row.quiz_day, correct=bool(row.correct), closed_days=closed.get(key[:2], [])
            )
        found[key] = current
    return found


def _closed_for(
    session: Session,
    stats: dict[tuple[str, str, str], PersonStats],
    pending_rows: dict[tuple[str, str, str], list],
) -> dict[tuple[str, str], list[dt.date]]:
    """The closed days that folding `pending_rows` onto `stats` needs, per (team, channel):
    one query per workspace, from the earliest day any of its people needs."""
    since: dict[str, dt.date | None] = {}
    channels: dict[str, set[str]] = defaultdict(set)
    for key, rows in pending_rows.items():
        earliest = _earliest(stats.get(key, PersonStats()), (row.quiz_day for row in rows))
        team_id = key[0]
        channels[team_id].add(key[1])
        known = since.get(team_id, earliest)
        since[team_id] = min(known, earliest) if known and earliest else (known or earliest)
    closed: dict[tuple[str, str], list[dt.date]] = {}
    for team_id, team_channels in channels.items():
        for channel, days in _closed_after(session, team_id, team_channels, since[team_id]).items():
            closed[(team_id, channel)] = days
    return closed


def person_cards(
    *, session: Session, team_id: str, user_id: str, question_ids: Iterable[str] | None = None
) -> dict[str, spaced.CardState]:
    """The person's cards (or only those of `question_ids`): the cached ones with their
    unfolded reviews replayed on top."""
    wanted = None if question_ids is None else sorted(set(question_ids))
    conditions = [_cards.c.team_id == team_id, _cards.c.user_id == user_id]
    log_conditions = [_log.c.folded.is_(None), _log.c.team_id == team_id, _log.c.user_id == user_id]
    if wanted is not None:
        conditions.append(_cards.c.question_id.in_(wanted))
        log_conditions.append(_log.c.question_id.in_(wanted))
    cards = {row.question_id: card_of(row) for row in session.execute(select(_cards).where(*conditions))}
    for question_id, rating, at in session.execute(
        select(_log.c.question_id, _log.c.rating, _log.c.reviewed_at)
        .where(*log_conditions)
        .order_by(_log.c.reviewed_at, _log.c.id)
    ):
        cards[question_id] = spaced.review(
            cards.get(question_id),
            correct=spaced.was_correct(rating),
            now=_aware(at),
            seed=card_seed(team_id, user_id, question_id),
        )
    return cards


# -- folding ---------------------------------------------------------------------------------
def lock_caches(session: Session) -> None:
    """One writer of the caches at a time across every replica (a fold, a rebuild, a forget or
    a purge, which delete a person's or a workspace's rows, sources and caches alike): on
    PostgreSQL a transaction-level advisory lock (SQLite's single writer already serialises).
    Without it a fold that read a forgotten person's answers could write their cache back."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(8413502761)"))


def pending(*, session: Session) -> bool:
    """Whether anything waits to be folded (two index lookups)."""
    return (
        session.execute(select(_answers.c.id).where(_answers.c.folded.is_(None)).limit(1)).first() is not None
        or session.execute(select(_log.c.id).where(_log.c.folded.is_(None)).limit(1)).first() is not None
    )


def fold_pending(*, session: Session, limit: int = FOLD_BATCH) -> int:
    """Fold up to `limit` unfolded answers and log rows into the caches, oldest first, and mark
    them folded; how many rows were folded. Call it in a write transaction."""
    lock_caches(session)
    answers = session.execute(_foldable_answers(limit)).all()
    reviews = session.execute(_foldable_reviews(limit)).all()
    if answers:
        ids = [row.id for row in answers]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(_LOCK_ANSWERS, {"ids": ids})
        _fold_answers(session, answers)
        session.execute(_ANSWERS_FOLDED, {"ids": ids})
    if reviews:
        _fold_reviews(session, reviews)
        session.execute(_LOG_FOLDED, {"ids": [row.id for row in reviews]})
    return len(answers) + len(reviews)


def settle(*, session: Session) -> None:
    """Fold everything pending (before a read of many people's state)."""
    while fold_pending(session=session):
        pass


def _fold_answers(session: Session, rows: Sequence) -> None:  # type: ignore[type-arg]
    by_person: dict[tuple[str, str, str], list] = defaultdict(list)
    for row in rows:
        by_person[(row.team_id, row.channel_id, row.user_id)].append(row)
    stats = _load_stats(session, by_person)
    closed = _closed_for(session, stats, by_person)
    periods: dict[tuple[str, str, str, dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    for key, answers in by_person.items():
        current = stats.get(key, PersonStats())
        for answer in sorted(answers, key=lambda a: (a.quiz_day, a.id)):
            current = fold_answer(
                current,
                day=answer.quiz_day,
                correct=bool(answer.correct),
                closed_days=closed.get(key[:2], []),
            )
            for period, start in ((WEEK, week_start(answer.quiz_day)), (MONTH, month_start(answer.quiz_day))):
                totals = periods[(key[0], key[1], period, start, key[2])]
                totals[0] += 1
                totals[1] += int(bool(answer.correct))
        stats[key] = current
    _store_stats(session, {key: stats[key] for key in by_person})
    _add_periods(session, periods)


def _load_stats(
    session: Session, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], PersonStats]:
    found: dict[tuple[str, str, str], PersonStats] = {}
    by_channel: dict[tuple[str, str], list[str]] = defaultdict(list)
    for team_id, channel_id, user_id in keys:
        by_channel[(team_id, channel_id)].append(user_id)
    for (team_id, channel_id), users in by_channel.items():
        for row in session.execute(_STATS_OF, {"team": team_id, "channel": channel_id, "users": users}):
            found[(team_id, channel_id, row.user_id)] = _stats_of(row)
    return found


_STATS_UPSERT, _PERIODS_UPSERT, _CARDS_UPSERT = range(3)  # the order `_upserts` returns them in


def _upsert(session: Session, which: int, rows: list[dict]) -> None:
    """Upsert `rows` into one cache (`which`: one of the three above)."""
    if rows:
        session.execute(_upserts(session.get_bind().dialect.name)[which], rows)


def _store_stats(session: Session, stats: dict[tuple[str, str, str], PersonStats]) -> None:
    values = [
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "user_id": user_id,
            "answered": s.answered,
            "correct": s.correct,
            "current_streak": s.state.current,
            "longest_streak": s.state.longest,
            "last_answered_day": s.state.last_answered_day,
            "first_answered_day": s.first_answered_day,
            "freezes_held": s.state.freezes_held,
            "freezes_used": s.state.freezes_used,
            "freeze_progress": s.state.freeze_progress,
        }
        for (team_id, channel_id, user_id), s in stats.items()
    ]
    _upsert(session, _STATS_UPSERT, values)


def _add_periods(session: Session, periods: dict[tuple[str, str, str, dt.date, str], list[int]]) -> None:
    _upsert(
        session,
        _PERIODS_UPSERT,
        [
            {
                "team_id": team_id,
                "channel_id": channel_id,
                "period": period,
                "period_start": start,
                "user_id": user_id,
                "answered": answered,
                "correct": correct,
            }
            for (team_id, channel_id, period, start, user_id), (answered, correct) in periods.items()
        ],
    )


def _fold_reviews(session: Session, rows: Sequence) -> None:  # type: ignore[type-arg]
    by_card: dict[tuple[str, str, str], list] = defaultdict(list)
    for row in rows:
        by_card[(row.team_id, row.user_id, row.question_id)].append(row)
    cards: dict[tuple[str, str, str], spaced.CardState] = {}
    # By question: a morning's batch is many people answering the same daily question.
    by_question: dict[tuple[str, str], list[str]] = defaultdict(list)
    for team_id, user_id, question_id in by_card:
        by_question[(team_id, question_id)].append(user_id)
    for (team_id, question_id), users in by_question.items():
        for row in session.execute(_CARDS_OF, {"team": team_id, "question": question_id, "users": users}):
            cards[(team_id, row.user_id, question_id)] = card_of(row)
    for key, reviews in by_card.items():
        in_order = sorted(reviews, key=lambda r: (_aware(r.reviewed_at), r.id))
        card = spaced.replay(
            cards.get(key),
            [(_aware(r.reviewed_at), spaced.was_correct(r.rating)) for r in in_order],
            seed=card_seed(*key),
        )
        assert card is not None
        cards[key] = card
    _store_cards(session, {key: cards[key] for key in by_card})


def _store_cards(session: Session, cards: dict[tuple[str, str, str], spaced.CardState]) -> None:
    _upsert(
        session,
        _CARDS_UPSERT,
        [
            {
                "team_id": team_id,
                "user_id": user_id,
                "question_id": question_id,
                "state": card.state,
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": card.due,
                "last_review": card.last_review,
            }
            for (team_id, user_id, question_id), card in cards.items()
        ],
    )


# -- rebuilding ------------------------------------------------------------------------------
def rebuild(*, session: Session) -> int:
    """Every cache recomputed from the answers and the review log; how many rows were folded."""
    lock_caches(session)
    for table in (_stats, _periods, _cards):
        session.execute(delete(table))
    session.execute(update(_answers).values(folded=None))
    session.execute(update(_log).values(folded=None))
    folded = 0
    while count := fold_pending(session=session, limit=20_000):
        folded += count
    return folded


def cache_sizes(*, session: Session) -> dict[str, int]:
    """How many rows each cache holds."""
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (_stats, _periods, _cards)
    }


def cache_rows(*, session: Session) -> dict[str, list[tuple]]:
    """Every cache's rows, sorted (for comparing incremental and rebuilt caches)."""
    card_columns = [column for column in _cards.c if column.name != "id"]
    return {
        "user_stats": sorted(tuple(row) for row in session.execute(select(_stats))),
        "period_totals": sorted(tuple(row) for row in session.execute(select(_periods))),
        "review_cards": sorted(tuple(row) for row in session.execute(select(*card_columns))),
    }


def settled(db: Database) -> None:
    """Fold whatever is pending, a bounded batch per transaction (a read first: nothing to
    fold takes no write lock). Readers of many people's state call it first."""
    while True:
        with db.reading() as session:
            if not pending(session=session):
                return
        with db.writing() as session:
            if not fold_pending(session=session):
                return
