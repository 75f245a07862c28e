"""answer rows written after the submit, in batches

Revision ID: 5b2d8f0c9a41
Revises: 165f42de5c15
Create Date: 2026-11-26 14:40:00

The submit no longer writes attempt_answer rows itself: a batch does, and marks the attempt.
Attempts finalised before this revision already have their rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b2d8f0c9a41"
down_revision: str | None = "165f42de5c15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attempt") as batch:
        batch.add_column(
            sa.Column("answers_recorded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE attempt SET answers_recorded = true WHERE status <> 'in_progress'")
    op.create_index(
        "ix_attempt_answers_pending",
        "attempt",
        ["id"],
        sqlite_where=sa.text("answers_recorded = 0 AND status <> 'in_progress'"),
        postgresql_where=sa.text("answers_recorded = false AND status <> 'in_progress'"),
    )


def downgrade() -> None:
    op.drop_index("ix_attempt_answers_pending", table_name="attempt")
    with op.batch_alter_table("attempt") as batch:
        batch.drop_column("answers_recorded")
