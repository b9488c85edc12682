"""Job runs for the whole cluster: any scheduled job claims a period, not only a day.

- job_runs: `day` and `started_at` become `period` (text: a local date, a time slot),
  `holder` (the process that won) and `claimed_at`. A job's row is made by its first
  claim; the rows made by earlier revisions stay, their day as the period.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("holder", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    # A date as text is YYYY-MM-DD on both databases.
    op.execute("UPDATE job_runs SET period = CAST(day AS VARCHAR(40)), claimed_at = started_at")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("started_at")
        batch_op.drop_column("day")


def downgrade() -> None:
    # The rows earlier revisions made stay; the rest were made by claims.
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "DELETE FROM job_runs WHERE name NOT IN ('retention', 'outreach_purge', 'review_sample')"
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE job_runs SET day = period, started_at = claimed_at")
    else:
        op.execute("UPDATE job_runs SET day = CAST(period AS DATE), started_at = claimed_at")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("holder")
        batch_op.drop_column("period")
