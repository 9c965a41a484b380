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

    # Existing answers count toward their weeks and months from the start. The SQL is kept
    # here (not imported from the app) so this migration means the same thing forever.
    bind = op.get_bind()
    starts = (
        {"week": "date(quiz_day, '-6 days', 'weekday 1')", "month": "date(quiz_day, 'start of month')"}
        if bind.dialect.name == "sqlite"
        else {
            "week": "CAST(date_trunc('week', quiz_day) AS date)",
            "month": "CAST(date_trunc('month', quiz_day) AS date)",
        }
    )
    for period, start in starts.items():
        bind.execute(
            sa.text(
                "INSERT INTO period_totals (team_id, channel_id, period, period_start, user_id, answered, correct) "
                f"SELECT team_id, channel_id, :period, {start}, user_id, COUNT(*), "
                "SUM(CASE WHEN correct THEN 1 ELSE 0 END) FROM answers "
                f"GROUP BY team_id, channel_id, {start}, user_id"
            ),
            {"period": period},
        )


def downgrade() -> None:
    op.drop_table("period_totals")
