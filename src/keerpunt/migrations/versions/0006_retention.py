"""Retention: purged conversations, holds, and the day a periodic job last ran.

- conversations.purged_at: when retention deleted the conversation's text.
- retention_holds: an active hold (released_at empty) keeps a conversation's text past
  its retention period; a review or a complaint places one.
- job_runs: one row per periodic job with the day it last started, claimed with one
  conditional update so that only one server process runs it that day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "retention_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("held_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_retention_holds_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["held_by"], ["users.id"], name=op.f("fk_retention_holds_held_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_holds")),
    )
    with op.batch_alter_table("retention_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_holds_conversation_id"), ["conversation_id"], unique=False
        )

    job_runs = op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )
    # The row exists from the start, so claiming a day is always an update.
    op.bulk_insert(job_runs, [{"name": "retention", "day": None, "started_at": None}])


def downgrade() -> None:
    op.drop_table("job_runs")
    with op.batch_alter_table("retention_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_holds_conversation_id"))
    op.drop_table("retention_holds")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
