"""week and month running totals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_totals",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "team_id", "channel_id", "period", "period_start", "user_id", name=op.f("pk_period_totals")
        ),
    )

    # Existing answers count toward their weeks and months from the start.
    from db.queries.periods import rebuild_period_totals

    bind = op.get_bind()
    rebuild_period_totals(bind, bind.dialect.name)


def downgrade() -> None:
    op.drop_table("period_totals")
