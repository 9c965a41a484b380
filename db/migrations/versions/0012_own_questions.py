"""a team's own questions: lessons and questions of a workspace's own, their versions (and the
version each post showed), members' suggestions, and which questions a channel draws on

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Columns naming a question: an own question's id (`own/<team>/<local id>`) is longer than the
# 64 characters a shipped id needs.
QUESTION_ID_COLUMNS = (
    ("posts", "question_id"),
    ("answers", "question_id"),
    ("review_cards", "question_id"),
    ("review_log", "question_id"),
    ("question_reports", "question_id"),
)


def upgrade() -> None:
    # PostgreSQL widens a varchar without rewriting the table; SQLite never enforced the length
    # (and a batch rebuild of the answer tables there would cost minutes for nothing).
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUESTION_ID_COLUMNS:
            op.alter_column(table, column, type_=sa.String(length=128), existing_type=sa.String(length=64))
    op.add_column("posts", sa.Column("question_version", sa.String(length=16), nullable=True))
    op.add_column("question_reports", sa.Column("question_version", sa.String(length=16), nullable=True))
    op.create_table(
        "question_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_versions")),
        sa.UniqueConstraint("question_id", "version", name=op.f("uq_question_versions_question_id_version")),
    )
    op.create_index("ix_question_versions_team_id", "question_versions", ["team_id"])
    op.create_table(
        "own_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_lessons")),
        sa.UniqueConstraint("team_id", "lesson_id", name=op.f("uq_own_lessons_team_id_lesson_id")),
    )
    op.create_table(
        "own_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("local_id", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replaced_by", sa.String(length=64), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("suggested_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_questions")),
        sa.UniqueConstraint("team_id", "local_id", name=op.f("uq_own_questions_team_id_local_id")),
        sa.UniqueConstraint("question_id", name=op.f("uq_own_questions_question_id")),
    )
    op.create_index("ix_own_questions_lesson", "own_questions", ["team_id", "lesson_id", "position"])
    op.create_table(
        "question_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("local_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_suggestions")),
    )
    op.create_index(
        "ix_question_suggestions_queue", "question_suggestions", ["team_id", "status", "created_at"]
    )
    op.create_index(
        "ix_question_suggestions_user", "question_suggestions", ["team_id", "user_id", "created_at"]
    )
    op.create_table(
        "channel_lessons",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("use", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_channel_lessons")),
    )


def downgrade() -> None:
    op.drop_table("channel_lessons")
    op.drop_index("ix_question_suggestions_user", table_name="question_suggestions")
    op.drop_index("ix_question_suggestions_queue", table_name="question_suggestions")
    op.drop_table("question_suggestions")
    op.drop_index("ix_own_questions_lesson", table_name="own_questions")
    op.drop_table("own_questions")
    op.drop_table("own_lessons")
    op.drop_index("ix_question_versions_team_id", table_name="question_versions")
    op.drop_table("question_versions")
    with op.batch_alter_table("question_reports") as batch:
        batch.drop_column("question_version")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("question_version")
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUESTION_ID_COLUMNS:
            op.alter_column(table, column, type_=sa.String(length=64), existing_type=sa.String(length=128))
