"""spaced review: FSRS cards and their review log, reminder opt-ins and the reminder DMs;
existing answer history becomes cards

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

The backfill replays each person's history of a question through fsrs (right = Good, wrong =
Again), oldest first: every daily answer with its time, and, for practice (which kept only
counts and a few times before this revision), a review at each time it did keep (first right,
last wrong, last answered) that is not already a daily answer. Those reviews are logged with
source `history`.
"""

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from fsrs import Card, Rating, Scheduler

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "review_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cards")),
        sa.UniqueConstraint(
            "team_id", "user_id", "question_id", name=op.f("uq_review_cards_team_id_user_id_question_id")
        ),
    )
    op.create_index("ix_review_cards_due", "review_cards", ["team_id", "user_id", "due"])
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["review_cards.id"],
            name=op.f("fk_review_log_card_id_review_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_log")),
    )
    op.create_index("ix_review_log_card", "review_log", ["card_id", "reviewed_at"])
    op.create_table(
        "reminders",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("dm_channel_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_reminders")),
    )
    op.create_table(
        "reminder_dms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_dms")),
        sa.UniqueConstraint(
            "team_id", "user_id", "local_day", name=op.f("uq_reminder_dms_team_id_user_id_local_day")
        ),
    )
    _backfill(op.get_bind())


def _aware(value: object) -> dt.datetime:
    """Times as the app stores them (SQLite keeps them naive, in UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _backfill(connection: sa.Connection) -> None:
    daily: dict[tuple[str, str, str], list[tuple[dt.datetime, bool]]] = defaultdict(list)
    for row in connection.execute(
        sa.text(
            "SELECT team_id, user_id, question_id, answered_at, correct FROM answers ORDER BY answered_at"
        )
    ):
        daily[(row.team_id, row.user_id, row.question_id)].append(
            (_aware(row.answered_at), bool(row.correct))
        )
    scheduler = Scheduler()
    cards = sa.table(
        "review_cards",
        *(
            sa.column(name)
            for name in (
                "team_id",
                "user_id",
                "question_id",
                "state",
                "step",
                "stability",
                "difficulty",
                "due",
                "last_review",
                "reviews",
                "lapses",
            )
        ),
    )
    history = connection.execute(
        sa.text(
            "SELECT team_id, user_id, question_id, first_correct_at, last_wrong_at, last_answered_at "
            "FROM question_history"
        )
    ).all()
    pending: list[dict] = []
    logs: list[tuple[tuple[str, str, str], list[tuple[dt.datetime, bool]]]] = []
    for row in history:
        key = (row.team_id, row.user_id, row.question_id)
        reviews = list(daily.get(key, []))
        times = {when for when, _ in reviews}
        last_wrong = _aware(row.last_wrong_at) if row.last_wrong_at else None
        for when, correct in (
            (_aware(row.first_correct_at) if row.first_correct_at else None, True),
            (last_wrong, False),
            (_aware(row.last_answered_at), _aware(row.last_answered_at) != last_wrong),
        ):
            if when is not None and when not in times:
                reviews.append((when, correct))
                times.add(when)
        reviews.sort()
        if not reviews:
            continue
        card = Card(card_id=0, due=reviews[0][0])
        for when, correct in reviews:
            card, _ = scheduler.review_card(card, Rating.Good if correct else Rating.Again, when)
        pending.append(
            {
                "team_id": key[0],
                "user_id": key[1],
                "question_id": key[2],
                "state": card.state.value,
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": _stored(connection, card.due),
                "last_review": _stored(connection, card.last_review),
                "reviews": len(reviews),
                "lapses": sum(1 for _, correct in reviews if not correct),
            }
        )
        logs.append((key, reviews))
        if len(pending) >= BATCH:
            _write(connection, cards, pending, logs)
            pending, logs = [], []
    if pending:
        _write(connection, cards, pending, logs)


def _stored(connection: sa.Connection, when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=None) if connection.dialect.name == "sqlite" else when


def _write(connection: sa.Connection, cards: sa.TableClause, rows: list[dict], logs: list) -> None:
    before = connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM review_cards")).scalar_one()
    connection.execute(cards.insert(), rows)
    ids = {
        (r.team_id, r.user_id, r.question_id): r.id
        for r in connection.execute(
            sa.text("SELECT id, team_id, user_id, question_id FROM review_cards WHERE id > :after"),
            {"after": before},
        )
    }
    log_rows = [
        {
            "card_id": ids[key],
            "team_id": key[0],
            "user_id": key[1],
            "question_id": key[2],
            "rating": (Rating.Good if correct else Rating.Again).value,
            "source": "history",
            "reviewed_at": _stored(connection, when),
        }
        for key, reviews in logs
        for when, correct in reviews
    ]
    log = sa.table(
        "review_log",
        *(
            sa.column(n)
            for n in ("card_id", "team_id", "user_id", "question_id", "rating", "source", "reviewed_at")
        ),
    )
    if log_rows:
        connection.execute(log.insert(), log_rows)


def downgrade() -> None:
    op.drop_table("reminder_dms")
    op.drop_table("reminders")
    op.drop_index("ix_review_log_card", table_name="review_log")
    op.drop_table("review_log")
    op.drop_index("ix_review_cards_due", table_name="review_cards")
    op.drop_table("review_cards")
