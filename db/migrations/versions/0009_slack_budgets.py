"""Slack rate budgets shared by every replica, outbox snapshots for `status`, an index for a
person's latest answers (App Home shows their last verdicts), and whether a closed post's reveal
reached Slack

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_budgets",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("granted", sa.Text(), nullable=False, server_default=""),
        sa.Column("paused_until", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("team_id", "method", name="pk_slack_budgets"),
    )
    op.create_table(
        "outbox_snapshots",
        sa.Column("replica_id", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("replica_id", name="pk_outbox_snapshots"),
    )
    op.create_index("ix_answers_latest", "answers", ["team_id", "user_id", "answered_at"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True))
    # Posts closed before this migration were revealed (or it is far too late to).
    op.execute("UPDATE posts SET revealed_at = closed_at WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("revealed_at")
    op.drop_index("ix_answers_latest", table_name="answers")
    op.drop_table("outbox_snapshots")
    op.drop_table("slack_budgets")
