"""Review against the method: the weekly sample and the reviews.

- review_weeks: one row per ISO week whose sample was drawn (drawing is idempotent).
- review_samples: the conversations drawn, each with the retention hold it placed.
- reviews: a supervisor's review of one conversation; the comment is sealed, bound to
  the row ("review-comment:{id}").
- job_runs row 'review_sample': the day the sample job last looked.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_weeks",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_review_weeks")),
    )
    op.create_table(
        "review_samples",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_review_samples_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["counselor_id"], ["users.id"], name=op.f("fk_review_samples_counselor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["retention_holds.id"],
            name=op.f("fk_review_samples_hold_id_retention_holds"),
        ),
        sa.ForeignKeyConstraint(
            ["week"], ["review_weeks.week"], name=op.f("fk_review_samples_week_review_weeks")
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_review_samples")),
    )
    op.create_index(op.f("ix_review_samples_week"), "review_samples", ["week"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.LargeBinary(), nullable=True),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_reviews_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["counselor_id"], ["users.id"], name=op.f("fk_reviews_counselor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["retention_holds.id"], name=op.f("fk_reviews_hold_id_retention_holds")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(op.f("ix_reviews_conversation_id"), "reviews", ["conversation_id"], unique=True)
    op.create_index(op.f("ix_reviews_counselor_id"), "reviews", ["counselor_id"])
    op.create_index(op.f("ix_reviews_week"), "reviews", ["week"])
    op.execute("INSERT INTO job_runs (name) VALUES ('review_sample')")


def downgrade() -> None:
    op.execute("DELETE FROM job_runs WHERE name = 'review_sample'")
    op.drop_index(op.f("ix_reviews_week"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_counselor_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_conversation_id"), table_name="reviews")
    op.drop_table("reviews")
    op.drop_index(op.f("ix_review_samples_week"), table_name="review_samples")
    op.drop_table("review_samples")
    op.drop_table("review_weeks")
