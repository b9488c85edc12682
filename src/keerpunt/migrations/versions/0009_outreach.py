"""Outreach: public Telegram sources, the watchlist and its versions, matched posts and
the items they collapse into, their hits, triage history and actions, daily counts and
suggested terms.

- outreach_sources: a public channel or group with its recorded purpose, resolved once
  (peer id, access hash) and the collector's checkpoint.
- outreach_terms and outreach_list_versions: terms are never deleted; every change of
  the list adds a version.
- outreach_posts: only posts that matched, once per (peer_id, message_id), text sealed
  (aad outreach-post:{peer_id}:{message_id}), author as a keyed hash.
- outreach_items and outreach_bands: near-duplicates collapse into an item; the MinHash
  bands find the candidates by query.
- outreach_daily: counts per day (term, category, source; scanned and matched).
- job_runs: the daily outreach purge's row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("raw", sa.Integer(), nullable=False),
        sa.Column("unique", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "measure", "key", name=op.f("pk_outreach_daily")),
    )
    op.create_table(
        "outreach_list_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["users.id"], name=op.f("fk_outreach_list_versions_by_users")
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_outreach_list_versions")),
    )
    op.create_table(
        "outreach_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=True),
        sa.Column("peer_id", sa.BigInteger(), nullable=True),
        sa.Column("access_hash", sa.BigInteger(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("dpia_ref", sa.String(length=120), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("last_seen_id", sa.BigInteger(), nullable=False),
        sa.Column("last_collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_outreach_sources_added_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sources")),
        sa.UniqueConstraint("peer_id", name=op.f("uq_outreach_sources_peer_id")),
        sa.UniqueConstraint("username", name=op.f("uq_outreach_sources_username")),
    )
    op.create_table(
        "outreach_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=60), nullable=False),
        sa.Column("category_hint", sa.String(length=20), nullable=True),
        sa.Column("cooccurs_with", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_outreach_suggestions_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_suggestions")),
        sa.UniqueConstraint("text", name=op.f("uq_outreach_suggestions_text")),
    )
    op.create_table(
        "outreach_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_outreach_terms_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_terms")),
    )
    op.create_table(
        "outreach_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_outreach_items_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["outreach_sources.id"],
            name=op.f("fk_outreach_items_source_id_outreach_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_items")),
    )
    op.create_index(op.f("ix_outreach_items_state"), "outreach_items", ["state"])
    op.create_table(
        "outreach_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by"], ["users.id"], name=op.f("fk_outreach_actions_by_users")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["campaign_channels.id"],
            name=op.f("fk_outreach_actions_channel_id_campaign_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outreach_items.id"],
            name=op.f("fk_outreach_actions_item_id_outreach_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_actions")),
    )
    op.create_index(op.f("ix_outreach_actions_item_id"), "outreach_actions", ["item_id"])
    op.create_table(
        "outreach_bands",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outreach_items.id"],
            name=op.f("fk_outreach_bands_item_id_outreach_items"),
        ),
        sa.PrimaryKeyConstraint("band", "bucket", "item_id", name=op.f("pk_outreach_bands")),
    )
    op.create_table(
        "outreach_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["by"], ["users.id"], name=op.f("fk_outreach_history_by_users")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outreach_items.id"],
            name=op.f("fk_outreach_history_item_id_outreach_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_history")),
    )
    op.create_index(op.f("ix_outreach_history_item_id"), "outreach_history", ["item_id"])
    op.create_table(
        "outreach_posts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_hash", sa.String(length=64), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("scorer_version", sa.String(length=40), nullable=False),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("provenance", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outreach_items.id"],
            name=op.f("fk_outreach_posts_item_id_outreach_items"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["outreach_sources.id"],
            name=op.f("fk_outreach_posts_source_id_outreach_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_posts")),
        sa.UniqueConstraint(
            "peer_id", "message_id", name=op.f("uq_outreach_posts_peer_id_message_id")
        ),
    )
    op.create_index(op.f("ix_outreach_posts_item_id"), "outreach_posts", ["item_id"])
    op.create_index(op.f("ix_outreach_posts_posted_at"), "outreach_posts", ["posted_at"])
    op.create_index(op.f("ix_outreach_posts_source_id"), "outreach_posts", ["source_id"])
    op.create_table(
        "outreach_hits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("span_start", sa.Integer(), nullable=False),
        sa.Column("span_end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["outreach_posts.id"], name=op.f("fk_outreach_hits_post_id_outreach_posts")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["outreach_terms.id"], name=op.f("fk_outreach_hits_term_id_outreach_terms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_hits")),
    )
    op.create_index(op.f("ix_outreach_hits_post_id"), "outreach_hits", ["post_id"])
    op.create_index(op.f("ix_outreach_hits_term_id"), "outreach_hits", ["term_id"])

    op.execute("INSERT INTO job_runs (name) VALUES ('outreach_purge')")


def downgrade() -> None:
    op.execute("DELETE FROM job_runs WHERE name = 'outreach_purge'")
    op.drop_index(op.f("ix_outreach_hits_term_id"), table_name="outreach_hits")
    op.drop_index(op.f("ix_outreach_hits_post_id"), table_name="outreach_hits")
    op.drop_table("outreach_hits")
    op.drop_index(op.f("ix_outreach_posts_source_id"), table_name="outreach_posts")
    op.drop_index(op.f("ix_outreach_posts_posted_at"), table_name="outreach_posts")
    op.drop_index(op.f("ix_outreach_posts_item_id"), table_name="outreach_posts")
    op.drop_table("outreach_posts")
    op.drop_index(op.f("ix_outreach_history_item_id"), table_name="outreach_history")
    op.drop_table("outreach_history")
    op.drop_table("outreach_bands")
    op.drop_index(op.f("ix_outreach_actions_item_id"), table_name="outreach_actions")
    op.drop_table("outreach_actions")
    op.drop_index(op.f("ix_outreach_items_state"), table_name="outreach_items")
    op.drop_table("outreach_items")
    op.drop_table("outreach_terms")
    op.drop_table("outreach_suggestions")
    op.drop_table("outreach_sources")
    op.drop_table("outreach_list_versions")
    op.drop_table("outreach_daily")
