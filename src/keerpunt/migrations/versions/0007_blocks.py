"""Blocks: a counselor stops a chatter from chatting for a period, with a sealed reason.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chatter_blocks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("chatter_id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("by_user", sa.Integer(), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_user"], ["users.id"], name=op.f("fk_chatter_blocks_by_user_users")
        ),
        sa.ForeignKeyConstraint(
            ["chatter_id"],
            ["chatters.id"],
            name=op.f("fk_chatter_blocks_chatter_id_chatters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_chatter_blocks_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by"], ["users.id"], name=op.f("fk_chatter_blocks_lifted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatter_blocks")),
    )
    op.create_index("ix_chatter_blocks_chatter_id_until", "chatter_blocks", ["chatter_id", "until"])


def downgrade() -> None:
    op.drop_index("ix_chatter_blocks_chatter_id_until", table_name="chatter_blocks")
    op.drop_table("chatter_blocks")
