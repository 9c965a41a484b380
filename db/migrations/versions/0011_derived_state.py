"""the answers and the review log are the source of truth, the rest is a cache of them: rows
remember whether they are folded into the caches, the review log stands on its own (no card
id: cards are replayed from it), question_history goes (lesson progress is read from the log),
and review_cards loses the counts nothing read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UNFOLDED = sa.text("folded IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("folded", sa.Boolean(), nullable=True))
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("folded", sa.Boolean(), nullable=True))
        batch.drop_index("ix_review_log_card")
        batch.drop_constraint("fk_review_log_card_id_review_cards", type_="foreignkey")
        batch.drop_column("card_id")
    # Everything stored so far is already in the caches.
    op.execute("UPDATE answers SET folded = true")
    op.execute("UPDATE review_log SET folded = true")
    op.create_index(
        "ix_answers_unfolded", "answers", ["id"], sqlite_where=UNFOLDED, postgresql_where=UNFOLDED
    )
    op.create_index(
        "ix_review_log_unfolded", "review_log", ["id"], sqlite_where=UNFOLDED, postgresql_where=UNFOLDED
    )
    op.create_index(
        "ix_review_log_person", "review_log", ["team_id", "user_id", "question_id", "reviewed_at"]
    )
    with op.batch_alter_table("review_cards") as batch:
        batch.drop_column("reviews")
        batch.drop_column("lapses")
    op.drop_table("question_history")


def downgrade() -> None:
    """Back to 0010 with nothing lost: question_history and the card counts are recomputed from
    the review log, and each log row finds its card again. Every row must be folded first (its
    card must exist): `leader-quiz db rebuild` with the app stopped does that."""
    bind = op.get_bind()
    for table in ("answers", "review_log"):
        if bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE folded IS NULL LIMIT 1")).first():
            raise RuntimeError(
                f"{table} has rows not yet folded into the caches: stop the app, run "
                "`leader-quiz db rebuild`, then downgrade"
            )
    op.create_table(
        "question_history",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("correct_count", sa.Integer(), nullable=False),
        sa.Column("wrong_count", sa.Integer(), nullable=False),
        sa.Column("first_correct_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_wrong_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "question_id", name="pk_question_history"),
    )
    # Ratings as db.spaced writes them: 3 Good (right), 1 Again (wrong).
    op.execute(
        "INSERT INTO question_history (team_id, user_id, question_id, correct_count, wrong_count, "
        "first_correct_at, last_wrong_at, last_answered_at) "
        "SELECT team_id, user_id, question_id, "
        "SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END), "
        "MIN(CASE WHEN rating = 3 THEN reviewed_at END), MAX(CASE WHEN rating = 1 THEN reviewed_at END), "
        "MAX(reviewed_at) FROM review_log GROUP BY team_id, user_id, question_id"
    )
    with op.batch_alter_table("review_cards") as batch:
        batch.add_column(sa.Column("reviews", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lapses", sa.Integer(), nullable=False, server_default="0"))
    same_card = (
        "l.team_id = review_cards.team_id AND l.user_id = review_cards.user_id "
        "AND l.question_id = review_cards.question_id"
    )
    op.execute(
        f"UPDATE review_cards SET reviews = (SELECT COUNT(*) FROM review_log l WHERE {same_card}), "
        f"lapses = (SELECT COUNT(*) FROM review_log l WHERE {same_card} AND l.rating = 1)"
    )
    op.drop_index("ix_review_log_person", table_name="review_log")
    op.drop_index("ix_review_log_unfolded", table_name="review_log")
    op.drop_index("ix_answers_unfolded", table_name="answers")
    with op.batch_alter_table("review_log") as batch:
        batch.drop_column("folded")
        batch.add_column(sa.Column("card_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE review_log SET card_id = (SELECT c.id FROM review_cards c WHERE c.team_id = "
        "review_log.team_id AND c.user_id = review_log.user_id AND c.question_id = review_log.question_id)"
    )
    with op.batch_alter_table("review_log") as batch:
        batch.alter_column("card_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_review_log_card_id_review_cards", "review_cards", ["card_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_review_log_card", ["card_id", "reviewed_at"])
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("folded")
