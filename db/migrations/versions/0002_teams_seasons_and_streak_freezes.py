"""teams seasons and streak freezes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "season_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_season_posts")),
        sa.UniqueConstraint(
            "team_id", "channel_id", "month", name=op.f("uq_season_posts_team_id_channel_id_month")
        ),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("team_id", "channel_id", "name", name=op.f("uq_teams_team_id_channel_id_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_pk", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_pk"], ["teams.id"], name=op.f("fk_team_members_team_pk_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "user_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_team_pk"), ["team_pk"], unique=False)

    with op.batch_alter_table("user_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("freezes_held", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("freezes_used", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("freeze_progress", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user_stats", schema=None) as batch_op:
        batch_op.drop_column("freeze_progress")
        batch_op.drop_column("freezes_used")
        batch_op.drop_column("freezes_held")

    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_team_pk"))

    op.drop_table("team_members")
    op.drop_table("teams")
    op.drop_table("season_posts")
