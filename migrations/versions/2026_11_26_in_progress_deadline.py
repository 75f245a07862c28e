"""the sweep's index holds only attempts in progress

Revision ID: 3e8f5d2a7c19
Revises: 9c4e1a7b2d60
Create Date: 2026-11-26 17:45:00

(status, deadline) gained an entry with every submit; a partial index on deadline for the
attempts in progress gains none, and stays as small as the number of people mid-quiz.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8f5d2a7c19"
down_revision: str | None = "9c4e1a7b2d60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_PROGRESS = {
    "sqlite_where": sa.text("status = 'in_progress'"),
    "postgresql_where": sa.text("status = 'in_progress'"),
}


def upgrade() -> None:
    op.drop_index("ix_attempt_status_deadline", table_name="attempt")
    op.create_index("ix_attempt_in_progress_deadline", "attempt", ["deadline"], **IN_PROGRESS)


def downgrade() -> None:
    op.drop_index("ix_attempt_in_progress_deadline", table_name="attempt")
    op.create_index("ix_attempt_status_deadline", "attempt", ["status", "deadline"])
