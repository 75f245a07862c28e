"""item analysis reads the attempts' own answers: no answer rows

Revision ID: 9c4e1a7b2d60
Revises: 5b2d8f0c9a41
Create Date: 2026-11-26 17:05:00

Item analysis now reads each final attempt's questions and answers (JSON) directly, so the
attempt_answer rows, the batch that wrote them and its mark on every attempt go. Writing 20
rows per submit (or marking every attempt afterwards) cost PostgreSQL more than the submit
itself. Going back down marks every final attempt as waiting, so the older version's batch
writes the rows again from the same answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e1a7b2d60"
down_revision: str | None = "5b2d8f0c9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_INDEX = "ix_attempt_answers_pending"
PENDING = {
    "sqlite_where": sa.text("answers_recorded = 0 AND status <> 'in_progress'"),
    "postgresql_where": sa.text("answers_recorded = false AND status <> 'in_progress'"),
}


def upgrade() -> None:
    op.drop_index("ix_attempt_answer_version_id", table_name="attempt_answer")
    op.drop_table("attempt_answer")
    op.drop_index(PENDING_INDEX, table_name="attempt")
    with op.batch_alter_table("attempt") as batch:
        batch.drop_column("answers_recorded")


def downgrade() -> None:
    with op.batch_alter_table("attempt") as batch:
        batch.add_column(
            sa.Column("answers_recorded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(PENDING_INDEX, "attempt", ["id"], **PENDING)
    op.create_table(
        "attempt_answer",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name="fk_attempt_answer_attempt_id_attempt"
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["question_option.id"],
            name="fk_attempt_answer_option_id_question_option",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_version.id"],
            name="fk_attempt_answer_version_id_question_version",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "version_id", name="pk_attempt_answer"),
    )
    op.create_index("ix_attempt_answer_version_id", "attempt_answer", ["version_id"])
