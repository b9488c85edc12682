"""Opening hours kept in the database, the chat policy, and idle-chat times.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hours_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closing_cutoff_minutes", sa.Integer(), nullable=False),
        sa.Column("idle_warning_minutes", sa.Integer(), nullable=False),
        sa.Column("idle_close_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_hours_policy_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_policy")),
    )
    op.create_table(
        "hours_spans",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_spans")),
    )
    op.create_table(
        "hours_dates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_hours_dates")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chatter_last_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("idle_extended_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("idle_warned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("idle_warned_at")
        batch_op.drop_column("idle_extended_at")
        batch_op.drop_column("chatter_last_at")
    op.drop_table("hours_dates")
    op.drop_table("hours_spans")
    op.drop_table("hours_policy")
