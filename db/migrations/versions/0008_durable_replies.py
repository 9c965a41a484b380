"""durable replies and counts: an answer remembers whether its reply reached Slack, a post the
count its message last showed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UNREPLIED = sa.text("replied_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("count_shown", sa.Integer(), nullable=True))
    # Answers from before this migration were replied to (or it is far too late to).
    op.execute("UPDATE answers SET replied_at = answered_at")
    # Only the few answers whose reply is still owed are indexed.
    op.create_index(
        "ix_answers_unreplied",
        "answers",
        ["answered_at"],
        sqlite_where=UNREPLIED,
        postgresql_where=UNREPLIED,
    )


def downgrade() -> None:
    op.drop_index("ix_answers_unreplied", table_name="answers")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("replied_at")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("count_shown")
